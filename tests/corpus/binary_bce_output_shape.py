"""Breast-cancer MLP returning (N, 1) logits into a user BCEWithLogitsLoss with (N,) targets."""

import torch
from sklearn.datasets import load_breast_cancer
from torch import nn
from torch.utils.data import TensorDataset

TASK = "binary"
EXPECTED = "TARGET_SHAPE_MISMATCH"
FAULT = "The model returns (N, 1) logits and the user's BCEWithLogitsLoss gets (N,) targets."


def build_data():
    data = load_breast_cancer()
    x = torch.tensor(data.data, dtype=torch.float32)
    x = (x - x.mean(0)) / x.std(0)
    y = torch.tensor(data.target, dtype=torch.float32)
    return TensorDataset(x[:400], y[:400]), None


def build_model(hidden_dim: int = 16):
    return nn.Sequential(nn.Linear(30, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 1))


def build_loss():
    return nn.BCEWithLogitsLoss()  # bug: outputs (N, 1), targets (N,)
