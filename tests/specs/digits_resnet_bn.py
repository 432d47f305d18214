"""A small ResNet-style CNN with BatchNorm on the 8x8 digits: three stride-2 residual
blocks bring the maps to 1x1, where BatchNorm has one value per channel for a batch of one
sample, the structural reason rung 1 cannot run (issue 13 item 1)."""

import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import TensorDataset

TASK = "classification"


def build_data():
    digits = load_digits()
    x = torch.tensor(digits.data, dtype=torch.float32).view(-1, 1, 8, 8) / 16.0
    y = torch.tensor(digits.target, dtype=torch.long)
    return TensorDataset(x[:200], y[:200]), TensorDataset(x[200:300], y[200:300])


class Block(nn.Module):
    """The basic residual block: conv-bn-relu-conv-bn plus a (projected) shortcut."""

    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(),
            nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False), nn.BatchNorm2d(c_out))
        self.shortcut = nn.Identity() if stride == 1 and c_in == c_out else nn.Sequential(
            nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        return torch.relu(self.body(x) + self.shortcut(x))


def build_model(hidden_dim: int = 8):
    c = hidden_dim
    return nn.Sequential(
        nn.Conv2d(1, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c), nn.ReLU(),  # (N, c, 8, 8)
        Block(c, c, 1), Block(c, 2 * c, 2), Block(2 * c, 2 * c, 2),           # (N, 2c, 2, 2)
        Block(2 * c, 4 * c, 2),                                               # (N, 4c, 1, 1)
        nn.Flatten(), nn.Linear(4 * c, 10))
