"""Tiny healthy LM: embedding + two dilated causal convolutions (16-character context)
over pydoc text."""
from pydoc_data.topics import topics

import torch
from torch import nn

TASK = "lm"
TEXT = "".join(topics[key] for key in sorted(topics))[:4000]
VOCAB = sorted(set(TEXT))


class Chunks(torch.utils.data.Dataset):
    def __init__(self):
        index = {c: i for i, c in enumerate(VOCAB)}
        self.ids = torch.tensor([index[c] for c in TEXT])

    def __len__(self):
        return (len(self.ids) - 1) // 16

    def __getitem__(self, i):
        chunk = self.ids[i * 16:i * 16 + 17]
        return chunk[:-1], chunk[1:]


def build_data():
    return Chunks(), None


class CausalConvLM(nn.Module):
    def __init__(self, hidden_dim):
        super().__init__()
        self.embed = nn.Embedding(len(VOCAB), hidden_dim)
        self.conv1 = nn.Conv1d(hidden_dim, hidden_dim, 4)
        self.conv2 = nn.Conv1d(hidden_dim, hidden_dim, 4, dilation=4)
        self.head = nn.Linear(hidden_dim, len(VOCAB))

    def forward(self, tokens):  # (N, T) -> (N, T, V)
        h = self.embed(tokens).transpose(1, 2)  # (N, C, T)
        # left padding only: position t sees t-15..t, never the future
        h = torch.relu(self.conv1(nn.functional.pad(h, (3, 0))))
        h = torch.relu(self.conv2(nn.functional.pad(h, (12, 0))))
        return self.head(h.transpose(1, 2))


def build_model(hidden_dim: int = 64):
    return CausalConvLM(hidden_dim)
