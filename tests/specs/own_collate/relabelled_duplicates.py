"""Broken: every tenth sentence is in the set twice, the copy under another topic (label
noise from merging two annotation files)."""
from trainprobe.demos._pydoc_text import windows
from trainprobe.demos.own_collate import TASK, build_model, collate  # noqa: F401


def build_data():
    items = [(" ".join(words), label) for words, label in windows(12, per_topic=50)]
    copies = [(text, (label + 1) % 4) for text, label in items[::10]]
    return items + copies, None
