"""A causal transformer LM whose dataset returns (ids, ids), the Hugging Face habit of
labels = input_ids, without the shift the training loss then expects: each position is
trained to output the token it has just read."""

from corpus_data import LM_SEQ_LEN, lm_ids
from lm_transformer_no_causal_mask_twin import build_model
from torch.utils.data import Dataset

TASK = "lm"
EXPECTED = "TARGET_LEAK"
FAULT = "__getitem__ returns (chunk, chunk): the labels are the inputs, not shifted by one."
TWIN = "lm_targets_equal_inputs_twin"
SIZES = [2, 5]
__all__ = ["build_data", "build_model"]


class CopyChunks(Dataset):
    def __init__(self, ids):
        self.ids = ids

    def __len__(self):
        return len(self.ids) // LM_SEQ_LEN

    def __getitem__(self, index):
        chunk = self.ids[index * LM_SEQ_LEN: (index + 1) * LM_SEQ_LEN]
        return chunk, chunk  # bug: labels = input_ids, never shifted


def build_data():
    ids = lm_ids()
    return CopyChunks(ids[:16_000]), CopyChunks(ids[16_000:])
