"""Healthy twin of regression_val_sampled_from_all: the sample is removed from training."""

import torch
from corpus_data import diabetes_xy
from regression_healthy import build_model
from torch.utils.data import TensorDataset

TASK = "regression"
EXPECTED = None
FAULT = "none: healthy twin of regression_val_sampled_from_all"
SIZES = [2, 5]
__all__ = ["build_data", "build_model"]


def build_data():
    x, y = diabetes_xy()
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    val, train = order[: len(x) // 5], order[len(x) // 5:]
    return TensorDataset(x[train], y[train]), TensorDataset(x[val], y[val])
