"""Healthy twin of binary_zero_feature_mask: the mask starts from ones."""

import torch
from binary_zero_feature_mask import MaskedNet, build_data

TASK = "binary"
EXPECTED = None
FAULT = "none: healthy twin of binary_zero_feature_mask"
SIZES = [2, 5]
__all__ = ["build_data", "build_model"]


def build_model(hidden_dim: int = 16):
    return MaskedNet(hidden_dim, mask_init=torch.ones)
