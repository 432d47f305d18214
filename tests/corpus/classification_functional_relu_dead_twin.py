"""Healthy twin of classification_functional_relu_dead: PyTorch's default bias init."""

from classification_functional_relu_dead import FunctionalMLP, build_data

TASK = "classification"
EXPECTED = None
FAULT = "none: healthy twin of classification_functional_relu_dead"
CONFIG = {"max_steps": 600}
__all__ = ["build_data", "build_model"]


def build_model(hidden_dim: int = 32):
    return FunctionalMLP(hidden_dim, bias=None)
