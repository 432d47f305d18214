"""Binary: an MLP on scikit-learn's bundled breast-cancer set (30 features, 0/1)."""

import torch
from sklearn.datasets import load_breast_cancer
from torch import nn
from torch.utils.data import TensorDataset

TASK = "binary"


def build_data():
    data = load_breast_cancer()
    x = torch.tensor(data.data, dtype=torch.float32)
    x = (x - x.mean(0)) / x.std(0)  # features span 1e-3..1e3: standardize them
    y = torch.tensor(data.target, dtype=torch.float32)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    train, val = order[:455], order[455:]
    return TensorDataset(x[train], y[train]), TensorDataset(x[val], y[val])


def build_model(hidden_dim: int = 32, dropout: float = 0.0):
    return nn.Sequential(
        nn.Linear(30, hidden_dim), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(hidden_dim, 1),  # one logit; BCEWithLogitsLoss applies the sigmoid
    )
