"""Diabetes MLP whose validation set is a random sample of *all* rows, drawn after the
training set was already taken as all rows: every validation item is a training item."""

import torch
from corpus_data import diabetes_xy
from regression_healthy import build_model
from torch.utils.data import TensorDataset

TASK = "regression"
EXPECTED = "TRAIN_VAL_OVERLAP"
FAULT = "val = a random 20% of the rows, train = all rows: the sample was never removed."
TWIN = "regression_val_sampled_from_all_twin"
SIZES = [2, 5]
__all__ = ["build_data", "build_model"]


def build_data():
    x, y = diabetes_xy()
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(0))
    val = order[: len(x) // 5]
    return TensorDataset(x, y), TensorDataset(x[val], y[val])  # bug: train keeps val's rows
