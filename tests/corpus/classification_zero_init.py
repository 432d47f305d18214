"""Every weight initialised to zero 'for reproducibility'."""

import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import TensorDataset

TASK = "classification"
EXPECTED = "BAD_INIT"
FAULT = "All weights and biases are initialised with nn.init.zeros_, so hidden units stay identical."
CONFIG = {"max_steps": 600}  # the user's own budget per run


def build_data():
    digits = load_digits()
    x = torch.tensor(digits.data, dtype=torch.float32) / 16.0
    y = torch.tensor(digits.target, dtype=torch.long)
    return TensorDataset(x[:400], y[:400]), None


def build_model(hidden_dim: int = 32):
    model = nn.Sequential(nn.Linear(64, hidden_dim), nn.ReLU(),
                          nn.Linear(hidden_dim, hidden_dim), nn.ReLU(),
                          nn.Linear(hidden_dim, 10))
    for p in model.parameters():
        nn.init.zeros_(p)  # bug: "deterministic start"
    return model
