"""A 'deeper is better' MLP: twelve Linear+Sigmoid layers on digits."""

import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import TensorDataset

TASK = "classification"
EXPECTED = "VANISHING_GRADIENT"
FAULT = "Twelve stacked Linear+Sigmoid layers: gradients shrink ~4x per layer before the input."


def build_data():
    digits = load_digits()
    x = torch.tensor(digits.data, dtype=torch.float32) / 16.0
    y = torch.tensor(digits.target, dtype=torch.long)
    return TensorDataset(x[:400], y[:400]), None


def build_model(hidden_dim: int = 16):
    layers = [nn.Linear(64, hidden_dim), nn.Sigmoid()]
    for _ in range(11):
        layers += [nn.Linear(hidden_dim, hidden_dim), nn.Sigmoid()]
    return nn.Sequential(*layers, nn.Linear(hidden_dim, 10))
