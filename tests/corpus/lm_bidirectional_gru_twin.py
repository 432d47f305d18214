"""Healthy twin of lm_bidirectional_gru: the same GRU reading left to right only."""

from lm_bidirectional_gru import CharGRU, build_data

TASK = "lm"
EXPECTED = None
FAULT = "none: healthy twin of lm_bidirectional_gru"
SIZES = [2, 5]
__all__ = ["build_data", "build_model"]


def build_model(hidden_dim: int = 48):
    return CharGRU(hidden_dim, bidirectional=False)
