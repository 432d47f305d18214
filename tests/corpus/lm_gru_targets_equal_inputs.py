"""A character GRU LM trained on (x, x) pairs: the training script builds its items as
`(chunk, chunk)` and shifts in the model's own loss later, which trainprobe's next-token
loss does not do, so the GRU learns to echo its input."""

from corpus_data import LM_SEQ_LEN, lm_ids
from lm_gru_not_batch_first_twin import build_model

TASK = "lm"
EXPECTED = "TARGET_LEAK"
FAULT = "The dataset yields (chunk, chunk.clone()): targets equal the inputs position by position."
TWIN = "lm_healthy"
SIZES = [2, 5]
__all__ = ["build_data", "build_model"]


def build_data():
    ids = lm_ids()
    chunks = ids[: len(ids) // LM_SEQ_LEN * LM_SEQ_LEN].view(-1, LM_SEQ_LEN)
    items = [(chunk, chunk.clone()) for chunk in chunks]  # bug: no shift by one
    return items[:500], items[500:]
