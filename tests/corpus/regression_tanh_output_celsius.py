"""Predict tomorrow's temperature in degrees Celsius (-10..35) with a Tanh output layer
copied from a model whose targets were scaled to [-1, 1]."""

import torch
from torch import nn
from torch.utils.data import TensorDataset

TASK = "regression"
EXPECTED = "OUTPUT_ACTIVATION_MISMATCH"
FAULT = "The head ends in nn.Tanh (range -1..1) but the targets are degrees Celsius, -10..35."


def build_data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(400, 5, generator=g)  # standardised weather features
    y = 12.0 + 8.0 * x[:, 0] - 3.0 * x[:, 1] + 2.0 * torch.tanh(x[:, 2] * x[:, 3])
    return TensorDataset(x, y.clamp(-10, 35)), None


class Forecaster(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(5, hidden_dim), nn.ReLU(),
                                 nn.Linear(hidden_dim, 1), nn.Tanh())  # bug: bounded output

    def forward(self, x):
        return self.net(x).squeeze(-1)


def build_model(hidden_dim: int = 32):
    return Forecaster(hidden_dim)
