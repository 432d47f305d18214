"""A spec with its own collate(items): items are (sentence, label) strings, collate tokenizes and pads."""

import torch
from torch import nn

from trainprobe.demos._pydoc_text import PAD, TOPICS, encode, vocabulary, windows

TASK = "classification"


def build_data():
    items = [(" ".join(words), label) for words, label in windows(12, per_topic=50)]
    return items, None


def collate(items):
    """What you would pass to DataLoader(collate_fn=...): strings in, tensors out."""
    ids = [torch.tensor(encode(text.split())) for text, _ in items]
    padded = nn.utils.rnn.pad_sequence(ids, batch_first=True, padding_value=PAD)
    return padded, torch.tensor([label for _, label in items])


class Recurrent(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.embed = nn.Embedding(len(vocabulary()) + 2, hidden_dim, padding_idx=PAD)
        self.rnn = nn.GRU(hidden_dim, hidden_dim, batch_first=True)
        self.head = nn.Linear(hidden_dim, len(TOPICS))

    def forward(self, ids):  # (N, T) -> (N, classes)
        _, last = self.rnn(self.embed(ids))
        return self.head(last[-1])


def build_model(hidden_dim: int = 64):
    return Recurrent(hidden_dim)
