"""Healthy demo: an MLP on scikit-learn's bundled 8x8 digits (10 classes, offline)."""

import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import TensorDataset

TASK = "classification"


def build_data():
    digits = load_digits()
    x = torch.tensor(digits.data, dtype=torch.float32) / 16.0  # pixels 0..16 -> 0..1
    y = torch.tensor(digits.target, dtype=torch.long)
    generator = torch.Generator().manual_seed(0)
    order = torch.randperm(len(x), generator=generator)
    train, val = order[:1500], order[1500:]
    return TensorDataset(x[train], y[train]), TensorDataset(x[val], y[val])


def build_model(hidden_dim: int = 64, dropout: float = 0.0):
    return nn.Sequential(
        nn.Linear(64, hidden_dim), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(hidden_dim, hidden_dim), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(hidden_dim, 10),
    )
