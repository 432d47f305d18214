"""A diabetes MLP with dropout written as F.dropout(h, 0.2) in forward: without
training=self.training it stays on in eval mode, so every prediction is a random draw."""

import torch.nn.functional as F
from corpus_data import diabetes_xy
from torch import nn
from torch.utils.data import TensorDataset

TASK = "regression"
EXPECTED = "TRAIN_EVAL_MISMATCH"
FAULT = "F.dropout(h, 0.2) in forward without training=self.training: dropout in eval mode."
TWIN = "regression_functional_dropout_twin"
SIZES = [2, 5]


def build_data():
    x, y = diabetes_xy()
    return TensorDataset(x[:300], y[:300]), TensorDataset(x[300:], y[300:])


class DropoutRegressor(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.hidden = nn.Linear(10, hidden_dim)
        self.head = nn.Linear(hidden_dim, 1)

    def drop(self, h):
        return F.dropout(h, 0.2)  # bug: training defaults to True, also under model.eval()

    def forward(self, x):  # (N, 10) -> (N,)
        return self.head(self.drop(self.hidden(x).relu())).squeeze(-1)


def build_model(hidden_dim: int = 32):
    return DropoutRegressor(hidden_dim)
