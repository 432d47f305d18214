"""The BERT pixel classifier of classification_bert_adamw_lr_high at AdamW lr 0.5: the
loss jumps to ten times its start in the first steps and stalls far above zero."""

from classification_bert_adamw_lr_high import build_data
from classification_bert_adamw_lr_high import build_model as build_bert

TASK = "classification"
EXPECTED = "LR_TOO_HIGH"
FAULT = "AdamW with lr=0.5 for a transformer classifier."
SIZES = [5]
CONFIG = {"optimizer": "adamw", "lr": 0.5}
__all__ = ["build_data", "build_model"]


def build_model(hidden_dim: int = 32):
    return build_bert(hidden_dim)
