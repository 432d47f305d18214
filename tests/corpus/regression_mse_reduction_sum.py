"""Diabetes MLP trained with MSELoss(reduction="sum") at a mean-tuned SGD learning rate."""

from regression_healthy import build_data, build_model
from torch import nn

TASK = "regression"
EXPECTED = "LOSS_REDUCTION_SUM"
FAULT = "nn.MSELoss(reduction='sum') with lr 0.01 tuned for the default mean."
TWIN = "regression_mse_reduction_sum_twin"
SIZES = [2, 5]
CONFIG = {"optimizer": "sgd", "lr": 0.01}
__all__ = ["build_data", "build_loss", "build_model"]


def build_loss():
    return nn.MSELoss(reduction="sum")  # bug: scales with the batch
