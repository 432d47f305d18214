"""Digits read from a CSV whose labels run 1..10 (0 written as 10); the head has 10 outputs."""

import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import TensorDataset

TASK = "classification"
EXPECTED = "LABEL_OUT_OF_RANGE"
FAULT = "Labels are 1..10 (digit 0 stored as 10) but the model has 10 outputs, indices 0..9."


def build_data():
    digits = load_digits()
    x = torch.tensor(digits.data, dtype=torch.float32) / 16.0
    y = torch.tensor(digits.target, dtype=torch.long)
    y = torch.where(y == 0, torch.tensor(10), y)  # bug: the export wrote digit 0 as class 10
    return TensorDataset(x[:400], y[:400]), None


def build_model(hidden_dim: int = 32):
    return nn.Sequential(nn.Linear(64, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 10))
