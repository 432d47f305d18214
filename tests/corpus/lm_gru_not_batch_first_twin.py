"""Healthy twin of lm_gru_not_batch_first: the GRU told that dimension 0 is the batch."""

from lm_gru_not_batch_first import CharGRU, build_data

TASK = "lm"
EXPECTED = None
FAULT = "none: healthy twin of lm_gru_not_batch_first"
SIZES = [2, 5]
__all__ = ["build_data", "build_model"]


def build_model(hidden_dim: int = 64):
    return CharGRU(hidden_dim, batch_first=True)
