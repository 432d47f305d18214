"""Diabetes regression through a 2-unit 'latent' so the embedding can be plotted."""

import torch
from sklearn.datasets import load_diabetes
from torch import nn
from torch.utils.data import TensorDataset

TASK = "regression"
EXPECTED = "CAPACITY"
FAULT = "All ten features are squeezed through a width-2 layer before the regression head."
SIZES = [1, 2, 5, 10, 20]


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
        self.encode = nn.Linear(10, 2)  # bug: a 2-d latent "to plot it"
        self.decode = nn.Sequential(nn.ReLU(), nn.Linear(2, hidden_dim), nn.ReLU(),
                                    nn.Linear(hidden_dim, 1))

    def forward(self, x):
        return self.decode(self.encode(x)).squeeze(-1)


def build_model(hidden_dim: int = 32):
    return Regressor(hidden_dim)
