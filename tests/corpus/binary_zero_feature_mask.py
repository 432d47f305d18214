"""Breast-cancer MLP with a feature mask meant to switch off one unreliable column; the
mask was created with torch.zeros instead of torch.ones, so every feature is switched
off and the model predicts from its biases alone."""

import torch
from binary_healthy import build_data
from torch import nn

TASK = "binary"
EXPECTED = "INPUT_IGNORED"
FAULT = "mask = torch.zeros(30); mask[7] = 0.0  (meant torch.ones): every input is multiplied by 0."
TWIN = "binary_zero_feature_mask_twin"
SIZES = [2, 5]
__all__ = ["build_data", "build_model"]


class MaskedNet(nn.Module):
    def __init__(self, hidden_dim: int, mask_init=torch.zeros):  # bug: meant torch.ones
        super().__init__()
        mask = mask_init(30)
        mask[7] = 0.0  # the unreliable column
        self.register_buffer("mask", mask)
        self.body = nn.Sequential(nn.Linear(30, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 1))

    def forward(self, x):  # (N, 30) -> (N,)
        return self.body(x * self.mask).squeeze(-1)


def build_model(hidden_dim: int = 16):
    return MaskedNet(hidden_dim)
