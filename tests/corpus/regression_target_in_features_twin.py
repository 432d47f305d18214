"""Healthy twin of regression_target_in_features: the eleventh column is an honest
measurement (a noisy copy of another feature), not the target."""

import torch
from corpus_data import diabetes_xy
from regression_target_in_features import build_model
from torch.utils.data import TensorDataset

TASK = "regression"
EXPECTED = None
FAULT = "none: healthy twin of regression_target_in_features"
SIZES = [2, 5]
__all__ = ["build_data", "build_model"]


def build_data():
    x, y = diabetes_xy()
    noise = torch.randn(len(x), generator=torch.Generator().manual_seed(0))
    x = torch.cat([x, (x[:, 2] + noise)[:, None]], dim=1)
    return TensorDataset(x[:300], y[:300]), TensorDataset(x[300:], y[300:])
