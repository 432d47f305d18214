"""Diabetes MLP with F.relu in forward and both hidden layers' biases set to -5 'to
start sparse': no unit is ever active, only the head's bias learns."""

import torch.nn.functional as F
from regression_healthy import build_data
from torch import nn

TASK = "regression"
EXPECTED = "DEAD_UNITS"
FAULT = "Hidden biases initialised to -5 before F.relu(...) in forward: every unit is dead."
TWIN = "regression_functional_relu_dead_twin"
CONFIG = {"max_steps": 600}
__all__ = ["build_data", "build_model"]


class FunctionalRegressor(nn.Module):
    def __init__(self, hidden_dim: int, bias: float | None = -5.0):  # bug: dead bias
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(10, hidden_dim), nn.Linear(hidden_dim, hidden_dim)])
        if bias is not None:
            for layer in self.layers:
                nn.init.constant_(layer.bias, bias)
        self.head = nn.Linear(hidden_dim, 1)

    def forward(self, x):  # (N, 10) -> (N,)
        for layer in self.layers:
            x = F.relu(layer(x))
        return self.head(x).squeeze(-1)


def build_model(hidden_dim: int = 32):
    return FunctionalRegressor(hidden_dim)
