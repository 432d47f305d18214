"""A hand-written feature normalization keeps running statistics for eval mode, but
updates them out of place (`self.running_var.mul(...).add(...)` discards its result):
the running variance stays 0, and eval mode divides by sqrt(0) = 0."""

import torch
from corpus_data import digits_xy
from torch import nn
from torch.utils.data import TensorDataset

TASK = "classification"
EXPECTED = "TRAIN_EVAL_MISMATCH"
FAULT = "Running statistics updated with out-of-place mul/add, so eval mode divides by zero."
TWIN = "classification_running_norm_not_updated_twin"
SIZES = [2, 5]


def build_data():
    x, y = digits_xy()
    return TensorDataset(x[:400], y[:400]), TensorDataset(x[400:600], y[400:600])


class RunningNorm(nn.Module):
    def __init__(self, features: int, momentum: float = 0.1):
        super().__init__()
        self.momentum = momentum
        self.register_buffer("running_mean", torch.zeros(features))
        self.register_buffer("running_var", torch.zeros(features))

    def update(self, mean, var):
        self.running_mean.mul(1 - self.momentum).add(self.momentum * mean)  # bug: out of
        self.running_var.mul(1 - self.momentum).add(self.momentum * var)  # place, discarded

    def forward(self, h):  # (N, F)
        if self.training:
            mean, var = h.mean(0), h.var(0, unbiased=False)
            with torch.no_grad():
                self.update(mean, var)
            return (h - mean) / (var + 1e-5).sqrt()
        return (h - self.running_mean) / self.running_var.sqrt()


class NormedMLP(nn.Module):
    def __init__(self, hidden_dim: int, norm: type = RunningNorm):
        super().__init__()
        self.hidden = nn.Linear(64, hidden_dim)
        self.norm = norm(hidden_dim)
        self.head = nn.Linear(hidden_dim, 10)

    def forward(self, x):  # (N, 64) -> (N, 10)
        return self.head(self.norm(self.hidden(x)).relu())


def build_model(hidden_dim: int = 32):
    return NormedMLP(hidden_dim)
