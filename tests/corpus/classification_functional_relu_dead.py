"""Digits MLP whose ReLU is the functional torch.relu in forward, with the hidden biases
initialised to -5: every unit is dead from the start (no nn.ReLU module to hook)."""

import torch
from classification_healthy import build_data
from torch import nn

TASK = "classification"
EXPECTED = "DEAD_UNITS"
FAULT = "nn.init.constant_(hidden.bias, -5.0) before torch.relu(...) in forward."
TWIN = "classification_functional_relu_dead_twin"
CONFIG = {"max_steps": 600}  # the user's own budget per run
__all__ = ["build_data", "build_model"]


class FunctionalMLP(nn.Module):
    def __init__(self, hidden_dim: int, bias: float | None = -5.0):  # bug: dead bias
        super().__init__()
        self.hidden = nn.Linear(64, hidden_dim)
        if bias is not None:
            nn.init.constant_(self.hidden.bias, bias)
        self.head = nn.Linear(hidden_dim, 10)

    def forward(self, x):  # (N, 64) -> (N, 10)
        return self.head(torch.relu(self.hidden(x)))


def build_model(hidden_dim: int = 32):
    return FunctionalMLP(hidden_dim)
