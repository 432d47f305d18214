"""Synthetic monthly-rent regression with the target left in euros (~1e4): standardised
features, but the net must output numbers 10^4 times larger than its init."""

import torch
from torch import nn
from torch.utils.data import TensorDataset

TASK = "regression"
EXPECTED = "TARGET_SCALE"
FAULT = "Targets are raw prices around 1e4 (never standardised), the output layer starts near 0."
CONFIG = {"max_steps": 400}  # the user's own budget per run


def build_data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(400, 6, generator=g)
    w = torch.tensor([0.9, -0.4, 0.3, 0.6, -0.2, 0.1])
    y = 12_000 + 3_000 * (x @ w + 0.3 * torch.sin(2 * x[:, 0]))  # bug: euros, unscaled
    return TensorDataset(x, y), None


class Regressor(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, hidden_dim), nn.ReLU(),
                                 nn.Linear(hidden_dim, hidden_dim), nn.ReLU(),
                                 nn.Linear(hidden_dim, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def build_model(hidden_dim: int = 32):
    return Regressor(hidden_dim)
