"""Digits MLP trained with SGD at lr=5 copied from a different (normalised-loss) recipe."""

import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import TensorDataset

TASK = "classification"
EXPECTED = "LR_TOO_HIGH"
FAULT = "CONFIG sets SGD with lr=5.0, far above what this network tolerates."
CONFIG = {"optimizer": "sgd", "lr": 5.0, "momentum": 0.9, "grad_clip": None}


def build_data():
    digits = load_digits()
    x = torch.tensor(digits.data, dtype=torch.float32) / 16.0
    y = torch.tensor(digits.target, dtype=torch.long)
    return TensorDataset(x[:400], y[:400]), None


def build_model(hidden_dim: int = 32):
    return nn.Sequential(nn.Linear(64, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 10))
