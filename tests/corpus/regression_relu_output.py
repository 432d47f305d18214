"""Diabetes MLP ending in ReLU 'because progress scores are positive', while the targets
were standardised to zero mean: half of them are negative and unreachable."""

import torch
from sklearn.datasets import load_diabetes
from torch import nn
from torch.utils.data import TensorDataset

TASK = "regression"
EXPECTED = "OUTPUT_ACTIVATION_MISMATCH"
FAULT = "The regression head ends in nn.ReLU although the standardised targets are often negative."


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
                         nn.Linear(hidden_dim, 1), nn.ReLU(),  # bug: output cannot go below 0
                         nn.Flatten(0))
