"""Tiny healthy binary classifier with an (N, 1) logit output."""
import torch
from torch import nn
from torch.utils.data import TensorDataset

TASK = "binary"


def build_data():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(200, 8, generator=g)
    y = (x[:, 0] + 0.5 * torch.randn(200, generator=g) > 0).float()
    return TensorDataset(x, y), None


def build_model(hidden_dim: int = 32):
    return nn.Sequential(nn.Linear(8, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 1))
