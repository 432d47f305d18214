"""Tiny healthy regressor on noisy random targets."""
import torch
from torch import nn
from torch.utils.data import TensorDataset

TASK = "regression"


def build_data():
    g = torch.Generator().manual_seed(2)
    x = torch.randn(200, 8, generator=g)
    y = torch.randn(200, 2, generator=g)  # vector targets: output (N, 2)
    return TensorDataset(x, y), None


def build_model(hidden_dim: int = 64):
    return nn.Sequential(nn.Linear(8, hidden_dim), nn.Tanh(), nn.Linear(hidden_dim, 2))
