"""Healthy twin of regression_functional_dropout: dropout follows the module's mode."""

import torch.nn.functional as F
from regression_functional_dropout import DropoutRegressor, build_data

TASK = "regression"
EXPECTED = None
FAULT = "none: healthy twin of regression_functional_dropout"
SIZES = [2, 5]
__all__ = ["build_data", "build_model"]


class ModeAwareDropoutRegressor(DropoutRegressor):
    def drop(self, h):
        return F.dropout(h, 0.2, training=self.training)


def build_model(hidden_dim: int = 32):
    return ModeAwareDropoutRegressor(hidden_dim)
