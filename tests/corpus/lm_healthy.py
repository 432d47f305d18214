"""Healthy control: a character-level GRU on text that ships with Python (pydoc_data)."""

from pydoc_data.topics import topics

import torch
from torch import nn

TASK = "lm"
EXPECTED = None
FAULT = "none: healthy control"
SIZES = [1, 2, 5, 10]  # rung 20 would cost seconds; prefixes shared by chunks cap accuracy there
SEQ_LEN = 32
TEXT = "\n".join(topics[key] for key in sorted(topics))[:20_000]
VOCAB = sorted(set(TEXT))


class Chunks(torch.utils.data.Dataset):
    def __init__(self, ids: torch.Tensor):
        self.ids = ids

    def __len__(self):
        return (len(self.ids) - 1) // SEQ_LEN

    def __getitem__(self, index):
        chunk = self.ids[index * SEQ_LEN: (index + 1) * SEQ_LEN + 1]
        return chunk[:-1], chunk[1:]


def build_data():
    lookup = {c: i for i, c in enumerate(VOCAB)}
    ids = torch.tensor([lookup[c] for c in TEXT], dtype=torch.long)
    return Chunks(ids[:16_000]), Chunks(ids[16_000:])


class CharGRU(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.embed = nn.Embedding(len(VOCAB), 32)
        self.rnn = nn.GRU(32, hidden_dim, batch_first=True)
        self.head = nn.Linear(hidden_dim, len(VOCAB))

    def forward(self, tokens):  # (N, T) -> (N, T, V)
        features, _ = self.rnn(self.embed(tokens))
        return self.head(features)


def build_model(hidden_dim: int = 64):
    return CharGRU(hidden_dim)
