"""Diabetes regression where missing blood-panel values were stored as NaN and never
imputed: any rung that includes such a patient turns the loss into NaN."""

import torch
from sklearn.datasets import load_diabetes
from torch import nn
from torch.utils.data import TensorDataset

TASK = "regression"
EXPECTED = "NONFINITE"
FAULT = "Missing feature values are left as NaN in the inputs (no imputation)."


def build_data():
    data = load_diabetes()
    x = torch.tensor(data.data, dtype=torch.float32)
    x = (x - x.mean(0)) / x.std(0)
    missing = torch.rand(x.shape, generator=torch.Generator().manual_seed(0)) < 0.03
    x[missing] = float("nan")  # bug: "the model will learn to ignore them"
    y = torch.tensor(data.target, dtype=torch.float32)
    y = (y - y.mean()) / y.std()
    return TensorDataset(x[:300], y[:300]), None


class Regressor(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(10, hidden_dim), nn.ReLU(),
                                 nn.Linear(hidden_dim, hidden_dim), nn.ReLU(),
                                 nn.Linear(hidden_dim, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def build_model(hidden_dim: int = 32):
    return Regressor(hidden_dim)
