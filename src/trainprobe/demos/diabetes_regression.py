"""Regression: an MLP on scikit-learn's bundled diabetes set (10 features, 1 target)."""

import torch
from sklearn.datasets import load_diabetes
from torch import nn
from torch.utils.data import TensorDataset

TASK = "regression"


def build_data():
    data = load_diabetes()
    x = torch.tensor(data.data, dtype=torch.float32)
    x = (x - x.mean(0)) / x.std(0)
    y = torch.tensor(data.target, dtype=torch.float32)
    y = (y - y.mean()) / y.std()  # targets 25..346: standardize, or MSE starts near 3e4
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    train, val = order[:350], order[350:]
    return TensorDataset(x[train], y[train]), TensorDataset(x[val], y[val])


class Regressor(nn.Module):
    def __init__(self, hidden_dim: int, dropout: float):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(10, hidden_dim), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden_dim, hidden_dim), nn.ReLU(), nn.Dropout(dropout),
            nn.Linear(hidden_dim, 1),
        )

    def forward(self, x):
        return self.net(x).squeeze(-1)  # (N, 1) -> (N,), the shape of the targets


def build_model(hidden_dim: int = 128, dropout: float = 0.0):
    return Regressor(hidden_dim, dropout)
