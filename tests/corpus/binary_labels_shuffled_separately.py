"""Breast-cancer MLP whose 'shuffle before splitting' permuted the features and the
labels with two different permutations: labels no longer belong to their rows."""

import torch
from binary_healthy import build_model
from corpus_data import cancer_xy
from torch.utils.data import TensorDataset

TASK = "binary"
EXPECTED = "LABELS_NOT_LEARNABLE"
FAULT = "x[torch.randperm(n)] and y[torch.randperm(n)]: two shuffles, labels detached from rows."
TWIN = "binary_healthy"
SIZES = [2, 5]
__all__ = ["build_data", "build_model"]


def build_data():
    x, y = cancer_xy()
    g = torch.Generator().manual_seed(0)
    x = x[torch.randperm(len(x), generator=g)]
    y = y[torch.randperm(len(y), generator=g)]  # bug: a second, different permutation
    return TensorDataset(x[:400], y[:400]), TensorDataset(x[400:], y[400:])
