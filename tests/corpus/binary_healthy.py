"""Healthy control: an MLP on scikit-learn's breast-cancer set, features standardized."""

import torch
from sklearn.datasets import load_breast_cancer
from torch import nn
from torch.utils.data import TensorDataset

TASK = "binary"
EXPECTED = None
FAULT = "none: healthy control"


def build_data():
    data = load_breast_cancer()
    x = torch.tensor(data.data, dtype=torch.float32)
    x = (x - x.mean(0)) / x.std(0)
    y = torch.tensor(data.target, dtype=torch.float32)
    return TensorDataset(x[:400], y[:400]), TensorDataset(x[400:], y[400:])


class Net(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(30, hidden_dim), nn.ReLU())
        self.head = nn.Linear(hidden_dim, 1)

    def forward(self, x):  # (N, 30) -> (N,) logits
        return self.head(self.body(x)).squeeze(-1)


def build_model(hidden_dim: int = 16):
    return Net(hidden_dim)
