"""'Pretrained encoder + new head' recipe on diabetes, except the encoder was never
pretrained: it is freshly initialised and frozen, so only a linear head on 8 random
features learns."""

import torch
from sklearn.datasets import load_diabetes
from torch import nn
from torch.utils.data import TensorDataset

TASK = "regression"
EXPECTED = "NO_GRADIENT"
FAULT = "The randomly initialised encoder is frozen with requires_grad=False; only the head trains."
CONFIG = {"max_steps": 600}  # the user's own budget per run


def build_data():
    data = load_diabetes()
    x = torch.tensor(data.data, dtype=torch.float32)
    x = (x - x.mean(0)) / x.std(0)
    y = torch.tensor(data.target, dtype=torch.float32)
    y = (y - y.mean()) / y.std()
    return TensorDataset(x[:300], y[:300]), None


class Regressor(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(10, hidden_dim), nn.ReLU(),
                                     nn.Linear(hidden_dim, 8), nn.ReLU())
        for p in self.encoder.parameters():  # bug: copied from a fine-tuning recipe
            p.requires_grad = False
        self.head = nn.Linear(8, 1)

    def forward(self, x):
        return self.head(self.encoder(x)).squeeze(-1)


def build_model(hidden_dim: int = 32):
    return Regressor(hidden_dim)
