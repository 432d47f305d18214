"""Digits read as 8 rows of 8 pixels by a GRU, pooled with learned attention: the
attention weights are normalized with softmax(dim=0), across the batch, not over rows."""

import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import TensorDataset

TASK = "classification"
EXPECTED = "BATCH_MIXING"
FAULT = "scores.softmax(dim=0) on (N, T) attention scores: weights shared across the batch."
TWIN = "h_attention_pool_softmax_batch_fixed"
SIZES = [2, 5]

POOL_DIM = 0  # the bug: 0 is the batch axis; the rows are axis 1


def build_data():
    d = load_digits()
    rows = torch.tensor(d.data, dtype=torch.float32).view(-1, 8, 8) / 16.0
    labels = torch.tensor(d.target)
    return TensorDataset(rows[:500], labels[:500]), TensorDataset(rows[500:700], labels[500:700])


class RowReader(nn.Module):
    def __init__(self, hidden_dim, pool_dim):
        super().__init__()
        self.gru = nn.GRU(8, hidden_dim, batch_first=True)
        self.score = nn.Linear(hidden_dim, 1)
        self.classify = nn.Linear(hidden_dim, 10)
        self.pool_dim = pool_dim

    def forward(self, rows):
        states, _ = self.gru(rows)                                     # (N, 8, H)
        weights = self.score(states).squeeze(-1).softmax(self.pool_dim)  # (N, 8)
        return self.classify((weights.unsqueeze(-1) * states).sum(1))


def build_model(hidden_dim: int = 32):
    return RowReader(hidden_dim, POOL_DIM)
