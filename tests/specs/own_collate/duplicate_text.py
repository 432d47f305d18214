"""Broken: __getitem__ returns the first sentence for every index (labels are right), so
after the spec's own collate every input is the same token sequence."""
from trainprobe.demos._pydoc_text import windows
from trainprobe.demos.own_collate import TASK, build_model, collate  # noqa: F401


class Sentences:
    def __init__(self):
        pairs = windows(12, per_topic=50)
        self.texts = [" ".join(words) for words, _ in pairs]
        self.labels = [label for _, label in pairs]

    def __len__(self):
        return len(self.texts)

    def __getitem__(self, index):
        return self.texts[0], self.labels[index]  # bug: a fixed index


def build_data():
    return Sentences(), None
