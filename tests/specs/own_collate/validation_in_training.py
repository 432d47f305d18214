"""Broken: the validation sentences were drawn from the training sentences (the split
was made after the windows were shuffled together with their copies)."""
from trainprobe.demos._pydoc_text import windows
from trainprobe.demos.own_collate import TASK, build_model, collate  # noqa: F401


def build_data():
    items = [(" ".join(words), label) for words, label in windows(12, per_topic=50)]
    return items, items[::5]
