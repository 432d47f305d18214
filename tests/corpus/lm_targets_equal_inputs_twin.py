"""Healthy twin of lm_targets_equal_inputs: the labels are the next tokens."""

from corpus_data import lm_data
from lm_transformer_no_causal_mask_twin import build_model

TASK = "lm"
EXPECTED = None
FAULT = "none: healthy twin of lm_targets_equal_inputs"
SIZES = [2, 5]
__all__ = ["build_data", "build_model"]


def build_data():
    return lm_data()
