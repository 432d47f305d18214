"""Biases initialised to -3 'to make the ReLU layer sparse': every unit starts dead."""

import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import TensorDataset

TASK = "classification"
EXPECTED = "DEAD_UNITS"
FAULT = "The hidden ReLU layer's biases are initialised to -3, so no unit ever activates."
CONFIG = {"max_steps": 600}  # the user's own budget per run


def build_data():
    digits = load_digits()
    x = torch.tensor(digits.data, dtype=torch.float32) / 16.0
    y = torch.tensor(digits.target, dtype=torch.long)
    return TensorDataset(x[:400], y[:400]), None


def build_model(hidden_dim: int = 32):
    hidden = nn.Linear(64, hidden_dim)
    nn.init.constant_(hidden.bias, -3.0)  # bug: meant as a "sparsity prior"
    return nn.Sequential(hidden, nn.ReLU(), nn.Linear(hidden_dim, 10))
