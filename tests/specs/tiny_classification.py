"""Tiny healthy classifier: 4 gaussian blobs in 16-d."""
import torch
from torch import nn
from torch.utils.data import TensorDataset

TASK = "classification"


def build_data():
    g = torch.Generator().manual_seed(0)
    centers = torch.randn(4, 16, generator=g) * 2
    y = torch.randint(0, 4, (200,), generator=g)
    x = centers[y] + torch.randn(200, 16, generator=g)
    return TensorDataset(x, y), None


def build_model(hidden_dim: int = 32):
    return nn.Sequential(nn.Linear(16, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 4))
