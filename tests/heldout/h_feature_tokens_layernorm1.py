"""A feature-tokenizer model for the breast-cancer set (each of the 30 features becomes a
token): the user normalizes each scalar with nn.LayerNorm(1) before embedding it, and a
LayerNorm over one value always returns its bias: every input becomes the same."""

import torch
from sklearn.datasets import load_breast_cancer
from torch import nn
from torch.utils.data import TensorDataset

TASK = "binary"
EXPECTED = "INPUT_IGNORED"
FAULT = "nn.LayerNorm(1) on (N, 30, 1) feature values: normalizes each value to 0."
TWIN = "h_feature_tokens_layernorm1_fixed"
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
        self.norm = nn.LayerNorm(1)  # bug: normalizes over a single value
        self.value = nn.Linear(1, hidden_dim)
        self.feature = nn.Parameter(torch.randn(30, hidden_dim) * 0.1)
        self.head = nn.Sequential(nn.GELU(), nn.Flatten(1), nn.Linear(30 * hidden_dim, 1))

    def forward(self, x):
        tokens = self.value(self.norm(x.unsqueeze(-1))) + self.feature  # (N, 30, H)
        return self.head(tokens).squeeze(-1)


def build_model(hidden_dim: int = 16):
    return FeatureTokens(hidden_dim)
