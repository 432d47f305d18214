"""The fixed twin: drop path in training only."""

import torch
from sklearn.datasets import load_breast_cancer
from torch import nn
from torch.utils.data import TensorDataset

TASK = "binary"
EXPECTED = None
FAULT = "none: healthy twin of h_stochastic_depth_in_eval"
SIZES = [2, 5]


def build_data():
    data = load_breast_cancer()
    x = torch.tensor(data.data, dtype=torch.float32)
    x = (x - x.mean(0)) / x.std(0)
    y = torch.tensor(data.target, dtype=torch.float32)
    return TensorDataset(x[:420], y[:420]), TensorDataset(x[420:], y[420:])


def drop_path(branch, p, training):
    if not training:
        return branch
    keep = (torch.rand(branch.shape[0], 1) >= p).to(branch.dtype)
    return branch * keep / (1 - p)


class Block(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.ff = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, width), nn.GELU())

    def forward(self, x):
        return x + drop_path(self.ff(x), 0.2, self.training)


def build_model(hidden_dim: int = 32):
    return nn.Sequential(nn.Linear(30, hidden_dim), Block(hidden_dim), Block(hidden_dim),
                         Block(hidden_dim), nn.Linear(hidden_dim, 1), nn.Flatten(0))
