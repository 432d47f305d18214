"""Integer token ids of varying length, no collate: trainprobe pads them with 0 per batch."""

import torch
from torch import nn

from trainprobe.demos._pydoc_text import PAD, TOPICS, encode, vocabulary, windows

TASK = "classification"


def build_data():
    items = []
    for index, (words, label) in enumerate(windows(20, per_topic=50)):
        length = 6 + index % 15  # 6..20 tokens
        items.append((torch.tensor(encode(words[:length])), label))
    return items, None


class BagOfEmbeddings(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.embed = nn.Embedding(len(vocabulary()) + 2, hidden_dim, padding_idx=PAD)
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(hidden_dim, len(TOPICS)))

    def forward(self, ids):  # (N, T) int64, 0 = padding -> (N, classes)
        mask = (ids != PAD).unsqueeze(-1).float()
        mean = (self.embed(ids) * mask).sum(1) / mask.sum(1).clamp_min(1.0)
        return self.head(mean)


def build_model(hidden_dim: int = 64):
    return BagOfEmbeddings(hidden_dim)
