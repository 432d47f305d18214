"""The fixed twin: LayerNorm over each token's embedding, after the value projection."""

import torch
from sklearn.datasets import load_breast_cancer
from torch import nn
from torch.utils.data import TensorDataset

TASK = "binary"
EXPECTED = None
FAULT = "none: healthy twin of h_feature_tokens_layernorm1"
SIZES = [2, 5]


def build_data():
    data = load_breast_cancer()
    x = torch.tensor(data.data, dtype=torch.float32)
    x = (x - x.mean(0)) / x.std(0)
    y = torch.tensor(data.target, dtype=torch.float32)
    return TensorDataset(x[:420], y[:420]), TensorDataset(x[420:], y[420:])


class FeatureTokens(nn.Module):
    def __init__(self, hidden_dim):
        super().__init__()
        self.value = nn.Linear(1, hidden_dim)
        self.norm = nn.LayerNorm(hidden_dim)
        self.feature = nn.Parameter(torch.randn(30, hidden_dim) * 0.1)
        self.head = nn.Sequential(nn.GELU(), nn.Flatten(1), nn.Linear(30 * hidden_dim, 1))

    def forward(self, x):
        tokens = self.norm(self.value(x.unsqueeze(-1))) + self.feature  # (N, 30, H)
        return self.head(tokens).squeeze(-1)


def build_model(hidden_dim: int = 16):
    return FeatureTokens(hidden_dim)
