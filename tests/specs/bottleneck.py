"""Broken on purpose: a width-1 bottleneck in front of a 4-class head. One scalar
cannot separate 4 classes once the rung holds samples of every class in conflicting
order, so the ladder breaks at a known rung."""
import torch
from torch import nn
from torch.utils.data import TensorDataset

TASK = "classification"
CONFIG = {"max_seconds": 600}


def build_data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(200, 16, generator=g)
    y = torch.randint(0, 4, (200,), generator=g)  # random labels: pure memorization
    return TensorDataset(x, y), None


def build_model():
    return nn.Sequential(nn.Linear(16, 2), nn.ReLU(), nn.Linear(2, 4))
