"""Held-out (a new user's spec): (dict inputs, label) pairs, the features split in two named
groups, forward(mean_features, error_features)."""
import torch
from sklearn.datasets import load_breast_cancer
from torch import nn

TASK = "binary"


def build_data():
    data = load_breast_cancer()
    x = torch.tensor(data.data, dtype=torch.float32)
    x = (x - x.mean(0)) / x.std(0)
    y = data.target
    pairs = [({"mean_features": x[i, :10], "error_features": x[i, 10:]}, int(y[i])) for i in range(len(y))]
    return pairs[:450], pairs[450:]


class TwoTower(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.a = nn.Linear(10, width)
        self.b = nn.Linear(20, width)
        self.head = nn.Linear(2 * width, 1)

    def forward(self, mean_features, error_features):
        h = torch.relu(torch.cat([self.a(mean_features), self.b(error_features)], -1))
        return self.head(h)


def build_model(hidden_dim: int = 32):
    return TwoTower(hidden_dim)
