"""Healthy twin of classification_ce_reduction_sum: the mean the lr was tuned for."""

from classification_healthy import build_data, build_model
from torch import nn

TASK = "classification"
EXPECTED = None
FAULT = "none: healthy twin of classification_ce_reduction_sum"
SIZES = [2, 5]
CONFIG = {"optimizer": "sgd", "lr": 0.1}
__all__ = ["build_data", "build_loss", "build_model"]


def build_loss():
    return nn.CrossEntropyLoss()
