"""Diabetes MLP returning (N, 1) into a user nn.MSELoss with (N,) targets: broadcasting
turns the loss into an (N, N) grid. Harmless for one sample, wrong from two on."""

import torch
from sklearn.datasets import load_diabetes
from torch import nn
from torch.utils.data import TensorDataset

TASK = "regression"
EXPECTED = "TARGET_SHAPE_MISMATCH"
FAULT = "The model returns (N, 1), the targets are (N,), and nn.MSELoss broadcasts them to (N, N)."
SIZES = [1, 2, 5]


def build_data():
    data = load_diabetes()
    x = torch.tensor(data.data, dtype=torch.float32)
    x = (x - x.mean(0)) / x.std(0)
    y = torch.tensor(data.target, dtype=torch.float32)
    y = (y - y.mean()) / y.std()
    return TensorDataset(x[:300], y[:300]), None


def build_model(hidden_dim: int = 32):
    return nn.Sequential(nn.Linear(10, hidden_dim), nn.ReLU(),
                         nn.Linear(hidden_dim, hidden_dim), nn.ReLU(),
                         nn.Linear(hidden_dim, 1))  # (N, 1), no squeeze


def build_loss():
    return nn.MSELoss()  # warns about broadcasting once, then silently averages (N, N)
