"""The fixed twin: attention weights normalized over the 8 rows of each digit."""

import torch
from sklearn.datasets import load_digits
from torch import nn
from torch.utils.data import TensorDataset

TASK = "classification"
EXPECTED = None
FAULT = "none: healthy twin of h_attention_pool_softmax_batch"
SIZES = [2, 5]


def build_data():
    d = load_digits()
    rows = torch.tensor(d.data, dtype=torch.float32).view(-1, 8, 8) / 16.0
    labels = torch.tensor(d.target)
    return TensorDataset(rows[:500], labels[:500]), TensorDataset(rows[500:700], labels[500:700])


class RowReader(nn.Module):
    def __init__(self, hidden_dim):
        super().__init__()
        self.gru = nn.GRU(8, hidden_dim, batch_first=True)
        self.score = nn.Linear(hidden_dim, 1)
        self.classify = nn.Linear(hidden_dim, 10)

    def forward(self, rows):
        states, _ = self.gru(rows)                            # (N, 8, H)
        weights = self.score(states).squeeze(-1).softmax(1)   # (N, 8): over the rows
        return self.classify((weights.unsqueeze(-1) * states).sum(1))


def build_model(hidden_dim: int = 32):
    return RowReader(hidden_dim)
