"""Healthy twin of regression_functional_relu_dead: PyTorch's default bias init."""

from regression_functional_relu_dead import FunctionalRegressor, build_data

TASK = "regression"
EXPECTED = None
FAULT = "none: healthy twin of regression_functional_relu_dead"
CONFIG = {"max_steps": 600}
__all__ = ["build_data", "build_model"]


def build_model(hidden_dim: int = 32):
    return FunctionalRegressor(hidden_dim, bias=None)
