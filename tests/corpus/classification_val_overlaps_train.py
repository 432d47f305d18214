"""Digits MLP whose validation slice was cut with an off-by-a-hundred index: x[300:500]
while training uses x[:400], so 100 validation items are training items."""

from classification_healthy import build_model
from corpus_data import digits_xy
from torch.utils.data import TensorDataset

TASK = "classification"
EXPECTED = "TRAIN_VAL_OVERLAP"
FAULT = "The validation split is x[300:500] while training is x[:400]: 100 items in both."
TWIN = "classification_healthy"
SIZES = [2, 5]
__all__ = ["build_data", "build_model"]


def build_data():
    x, y = digits_xy()
    return TensorDataset(x[:400], y[:400]), TensorDataset(x[300:500], y[300:500])  # bug
