"""Healthy control: a small MLP on scikit-learn's 8x8 digits, pixels scaled to [0, 1]."""

import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import TensorDataset

TASK = "classification"
EXPECTED = None
FAULT = "none: healthy control"


def build_data():
    digits = load_digits()
    x = torch.tensor(digits.data, dtype=torch.float32) / 16.0
    y = torch.tensor(digits.target, dtype=torch.long)
    return TensorDataset(x[:400], y[:400]), TensorDataset(x[400:600], y[400:600])


def build_model(hidden_dim: int = 32):
    return nn.Sequential(nn.Linear(64, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 10))
