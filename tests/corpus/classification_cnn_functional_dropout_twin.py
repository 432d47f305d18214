"""Healthy twin of classification_cnn_functional_dropout: dropout follows the mode."""

import torch.nn.functional as F
from classification_cnn_functional_dropout import DigitsCNN, build_data

TASK = "classification"
EXPECTED = None
FAULT = "none: healthy twin of classification_cnn_functional_dropout"
SIZES = [2, 5]
__all__ = ["build_data", "build_model"]


class ModeAwareDigitsCNN(DigitsCNN):
    def drop(self, h):
        return F.dropout2d(h, 0.1, training=self.training)


def build_model(hidden_dim: int = 8):
    return ModeAwareDigitsCNN(hidden_dim)
