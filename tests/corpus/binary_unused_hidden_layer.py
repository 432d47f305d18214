"""Two-circles classifier whose forward skips the hidden block (a typo: the head is
applied to the embedding z instead of h), leaving a linear model on a non-linear problem."""

import torch
from sklearn.datasets import make_circles
from torch import nn
from torch.utils.data import TensorDataset

TASK = "binary"
EXPECTED = "NO_GRADIENT"
FAULT = "forward() computes h = self.hidden(z) but returns self.head(z): self.hidden is unused."


def build_data():
    x, y = make_circles(n_samples=400, noise=0.05, factor=0.5, random_state=0)
    return TensorDataset(torch.tensor(x, dtype=torch.float32),
                         torch.tensor(y, dtype=torch.float32)), None


class CircleNet(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.embed = nn.Linear(2, hidden_dim)
        self.hidden = nn.Sequential(nn.ReLU(), nn.Linear(hidden_dim, hidden_dim), nn.ReLU())
        self.head = nn.Linear(hidden_dim, 1)

    def forward(self, x):
        z = self.embed(x)
        h = self.hidden(z)  # noqa: F841  (computed, then never used)
        return self.head(z).squeeze(-1)  # bug: should be self.head(h)


def build_model(hidden_dim: int = 16):
    return CircleNet(hidden_dim)
