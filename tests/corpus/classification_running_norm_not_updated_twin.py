"""Healthy twin of classification_running_norm_not_updated: in-place updates, so the
running statistics follow the batches and eval mode divides by a real variance."""

from classification_running_norm_not_updated import NormedMLP, RunningNorm, build_data

TASK = "classification"
EXPECTED = None
FAULT = "none: healthy twin of classification_running_norm_not_updated"
SIZES = [2, 5]
__all__ = ["build_data", "build_model"]


class UpdatedRunningNorm(RunningNorm):
    def __init__(self, features: int, momentum: float = 0.1):
        super().__init__(features, momentum)
        self.running_var.fill_(1.0)

    def update(self, mean, var):
        self.running_mean.mul_(1 - self.momentum).add_(self.momentum * mean)
        self.running_var.mul_(1 - self.momentum).add_(self.momentum * var)


def build_model(hidden_dim: int = 32):
    return NormedMLP(hidden_dim, norm=UpdatedRunningNorm)
