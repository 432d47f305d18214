"""The production training CONFIG (dropout 0.5, weight decay 0.5) left on for the probe."""

import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import TensorDataset

TASK = "classification"
EXPECTED = "REGULARIZATION"
FAULT = "CONFIG keeps dropout=0.5 and weight_decay=0.5 on during the overfitting test."
CONFIG = {"dropout": 0.5, "weight_decay": 0.5}


def build_data():
    digits = load_digits()
    x = torch.tensor(digits.data, dtype=torch.float32) / 16.0
    y = torch.tensor(digits.target, dtype=torch.long)
    return TensorDataset(x[:400], y[:400]), None


def build_model(hidden_dim: int = 32, dropout: float = 0.0):
    return nn.Sequential(nn.Linear(64, hidden_dim), nn.ReLU(), nn.Dropout(dropout),
                         nn.Linear(hidden_dim, 10))
