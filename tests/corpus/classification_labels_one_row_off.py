"""Digits whose labels were read one row off (the label file has a header line the
loader did not skip): item i carries the label of image i + 1. Unique images memorize
any labels, so the ladder passes; validation sits at chance."""

import torch
from classification_healthy import build_model
from corpus_data import digits_xy
from torch.utils.data import TensorDataset

TASK = "classification"
EXPECTED = "LABELS_NOT_LEARNABLE"
FAULT = "labels = torch.roll(labels, -1): every image carries its neighbour's label."
TWIN = "classification_healthy"
SIZES = [2, 5]
__all__ = ["build_data", "build_model"]


def build_data():
    x, y = digits_xy()
    y = torch.roll(y, -1)  # bug: one row off
    return TensorDataset(x[:400], y[:400]), TensorDataset(x[400:600], y[400:600])
