"""Breast-cancer MLP whose feature table still holds the diagnosis column (the label,
encoded 0/1), because the columns were selected with data.columns[:-1] on a frame whose
label was not the last column."""

import torch
from binary_healthy import Net
from corpus_data import cancer_xy
from torch.utils.data import TensorDataset

TASK = "binary"
EXPECTED = "TARGET_LEAK"
FAULT = "The label column is left among the 31 input features."
TWIN = "binary_healthy"
SIZES = [2, 5]


class WideNet(Net):
    def __init__(self, hidden_dim: int):
        super().__init__(hidden_dim)
        self.body[0] = torch.nn.Linear(31, hidden_dim)


def build_data():
    x, y = cancer_xy()
    x = torch.cat([x[:, :10], y[:, None], x[:, 10:]], dim=1)  # bug: the label as feature 10
    return TensorDataset(x[:400], y[:400]), TensorDataset(x[400:], y[400:])


def build_model(hidden_dim: int = 16):
    return WideNet(hidden_dim)
