"""Healthy twin of regression_mse_reduction_sum: the mean the lr was tuned for."""

from regression_healthy import build_data, build_model
from torch import nn

TASK = "regression"
EXPECTED = None
FAULT = "none: healthy twin of regression_mse_reduction_sum"
SIZES = [2, 5]
CONFIG = {"optimizer": "sgd", "lr": 0.01}
__all__ = ["build_data", "build_loss", "build_model"]


def build_loss():
    return nn.MSELoss()
