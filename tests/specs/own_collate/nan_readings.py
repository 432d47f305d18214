"""Broken: items are plain lists of sensor readings of varying length; one reading of
item 137 is missing (NaN). collate pads the lists into a tensor and passes the lengths."""
import math
import random

import torch
from torch import nn

TASK = "classification"
MISSING = 137


def build_data():
    rng = random.Random(0)
    items = []
    for index in range(240):
        label = index % 2
        length = rng.randint(4, 12)
        items.append(([rng.gauss(0.8 if label else -0.8, 1.0) for _ in range(length)], label))
    items[MISSING][0][2] = math.nan
    return items, None


def collate(items):
    lengths = torch.tensor([len(readings) for readings, _ in items])
    padded = nn.utils.rnn.pad_sequence([torch.tensor(r) for r, _ in items], batch_first=True)
    return (padded, lengths), torch.tensor([label for _, label in items])


class MeanPool(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(1, hidden), nn.ReLU(), nn.Linear(hidden, 2))

    def forward(self, readings, lengths):  # (N, T), (N,) -> (N, 2)
        mask = (torch.arange(readings.shape[1])[None] < lengths[:, None]).float()
        hidden = self.net[:2](readings.unsqueeze(-1)) * mask.unsqueeze(-1)
        return self.net[2](hidden.sum(1) / lengths[:, None].float())


def build_model(hidden_dim: int = 32):
    return MeanPool(hidden_dim)
