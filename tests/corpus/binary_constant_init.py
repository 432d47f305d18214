"""Two-circles MLP initialised with one constant 'so every run starts the same': all hidden
units compute the same function and stay identical, a width-1 network in disguise."""

import torch
from sklearn.datasets import make_circles
from torch import nn
from torch.utils.data import TensorDataset

TASK = "binary"
EXPECTED = "BAD_INIT"
FAULT = "Every weight is nn.init.constant_(w, 0.1): hidden units are symmetric and never diverge."
CONFIG = {"max_steps": 600}  # the user's own budget per run


def build_data():
    x, y = make_circles(n_samples=400, noise=0.05, factor=0.5, random_state=0)
    return TensorDataset(torch.tensor(x, dtype=torch.float32),
                         torch.tensor(y, dtype=torch.float32)), None


def build_model(hidden_dim: int = 16):
    model = nn.Sequential(nn.Linear(2, hidden_dim), nn.ReLU(),
                          nn.Linear(hidden_dim, hidden_dim), nn.ReLU(),
                          nn.Linear(hidden_dim, 1), nn.Flatten(0))
    for name, p in model.named_parameters():
        nn.init.constant_(p, 0.1 if name.endswith("weight") else 0.0)  # bug
    return model
