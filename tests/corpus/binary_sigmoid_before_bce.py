"""Breast-cancer MLP whose forward returns probabilities, trained with BCEWithLogitsLoss."""

import torch
from sklearn.datasets import load_breast_cancer
from torch import nn
from torch.utils.data import TensorDataset

TASK = "binary"
EXPECTED = "OUTPUT_ACTIVATION_MISMATCH"
FAULT = "forward() applies torch.sigmoid and the result goes into nn.BCEWithLogitsLoss."


def build_data():
    data = load_breast_cancer()
    x = torch.tensor(data.data, dtype=torch.float32)
    x = (x - x.mean(0)) / x.std(0)
    y = torch.tensor(data.target, dtype=torch.float32)
    return TensorDataset(x[:400], y[:400]), None


class Net(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(30, hidden_dim), nn.ReLU())
        self.head = nn.Linear(hidden_dim, 1)

    def forward(self, x):
        return torch.sigmoid(self.head(self.body(x))).squeeze(-1)  # bug: sigmoid twice


def build_model(hidden_dim: int = 16):
    return Net(hidden_dim)


def build_loss():
    return nn.BCEWithLogitsLoss()
