"""Breast-cancer MLP with the learning rate of a fine-tuning recipe: Adam at 1e-6."""

import torch
from sklearn.datasets import load_breast_cancer
from torch import nn
from torch.utils.data import TensorDataset

TASK = "binary"
EXPECTED = "LR_TOO_LOW"
FAULT = "CONFIG sets lr=1e-6 (a fine-tuning value) for a freshly initialised network."
CONFIG = {"optimizer": "adam", "lr": 1e-6}


def build_data():
    data = load_breast_cancer()
    x = torch.tensor(data.data, dtype=torch.float32)
    x = (x - x.mean(0)) / x.std(0)
    y = torch.tensor(data.target, dtype=torch.float32)
    return TensorDataset(x[:400], y[:400]), None


def build_model(hidden_dim: int = 16):
    return nn.Sequential(nn.Linear(30, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 1),
                         nn.Flatten(0))
