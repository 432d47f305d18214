"""Digits MLP trained with CrossEntropyLoss(reduction="sum") at an SGD learning rate tuned
for the mean: the step grows with the batch size (x128 on a full batch)."""

from classification_healthy import build_data, build_model
from torch import nn

TASK = "classification"
EXPECTED = "LOSS_REDUCTION_SUM"
FAULT = "nn.CrossEntropyLoss(reduction='sum') with lr 0.1 tuned for the default mean."
TWIN = "classification_ce_reduction_sum_twin"
SIZES = [2, 5]
CONFIG = {"optimizer": "sgd", "lr": 0.1}
__all__ = ["build_data", "build_loss", "build_model"]


def build_loss():
    return nn.CrossEntropyLoss(reduction="sum")  # bug: scales with the batch
