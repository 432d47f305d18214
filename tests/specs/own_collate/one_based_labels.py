"""Healthy: the raw labels are 1-based topic numbers (1..4) and the spec's collate turns
them into the 0-based class ids the 4-way classifier expects."""
import torch
from torch import nn

from trainprobe.demos._pydoc_text import PAD, encode, windows
from trainprobe.demos.own_collate import build_model  # noqa: F401

TASK = "classification"


def build_data():
    return [(" ".join(words), label + 1) for words, label in windows(12, per_topic=50)], None


def collate(items):
    ids = [torch.tensor(encode(text.split())) for text, _ in items]
    padded = nn.utils.rnn.pad_sequence(ids, batch_first=True, padding_value=PAD)
    return padded, torch.tensor([number - 1 for _, number in items])
