"""Diabetes MLP with BatchNorm1d after the first layer: fine for batches of 2 or more,
but training on a single sample raises 'Expected more than 1 value per channel'."""

import torch
from sklearn.datasets import load_diabetes
from torch import nn
from torch.utils.data import TensorDataset

TASK = "regression"
EXPECTED = "BATCHNORM_SMALL_BATCH"
FAULT = "nn.BatchNorm1d in the model cannot train on a batch of one sample (rung 1)."


def build_data():
    data = load_diabetes()
    x = torch.tensor(data.data, dtype=torch.float32)
    x = (x - x.mean(0)) / x.std(0)
    y = torch.tensor(data.target, dtype=torch.float32)
    y = (y - y.mean()) / y.std()
    return TensorDataset(x[:300], y[:300]), None


class Regressor(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(10, hidden_dim), nn.BatchNorm1d(hidden_dim), nn.ReLU(),
                                 nn.Linear(hidden_dim, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


def build_model(hidden_dim: int = 32):
    return Regressor(hidden_dim)
