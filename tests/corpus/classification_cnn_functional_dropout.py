"""A small CNN on the 8x8 digits with F.dropout2d on its feature maps: without
training=self.training the maps are dropped in eval mode as well."""

import torch.nn.functional as F
from corpus_data import digits_xy
from torch import nn
from torch.utils.data import TensorDataset

TASK = "classification"
EXPECTED = "TRAIN_EVAL_MISMATCH"
FAULT = "F.dropout2d(h, 0.1) in forward without training=self.training."
TWIN = "classification_cnn_functional_dropout_twin"
SIZES = [2, 5]


def build_data():
    x, y = digits_xy()
    x = x.view(-1, 1, 8, 8)
    return TensorDataset(x[:400], y[:400]), TensorDataset(x[400:600], y[400:600])


class DigitsCNN(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.conv = nn.Conv2d(1, hidden_dim, 3, padding=1)
        self.head = nn.Linear(hidden_dim * 16, 10)

    def drop(self, h):
        return F.dropout2d(h, 0.1)  # bug: on in eval mode too

    def forward(self, x):  # (N, 1, 8, 8) -> (N, 10)
        h = F.max_pool2d(self.conv(x).relu(), 2)  # (N, C, 4, 4)
        return self.head(self.drop(h).flatten(1))


def build_model(hidden_dim: int = 8):
    return DigitsCNN(hidden_dim)
