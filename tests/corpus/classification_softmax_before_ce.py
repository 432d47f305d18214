"""Digits MLP that ends in nn.Softmax although CrossEntropyLoss applies log_softmax itself."""

import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import TensorDataset

TASK = "classification"
EXPECTED = "OUTPUT_ACTIVATION_MISMATCH"
FAULT = "The model ends in nn.Softmax and its output is fed to nn.CrossEntropyLoss."


def build_data():
    digits = load_digits()
    x = torch.tensor(digits.data, dtype=torch.float32) / 16.0
    y = torch.tensor(digits.target, dtype=torch.long)
    return TensorDataset(x[:400], y[:400]), None


def build_model(hidden_dim: int = 32):
    return nn.Sequential(
        nn.Linear(64, hidden_dim), nn.ReLU(),
        nn.Linear(hidden_dim, 10),
        nn.Softmax(dim=1),  # bug: "so the outputs are probabilities"
    )


def build_loss():
    return nn.CrossEntropyLoss()
