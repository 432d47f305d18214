"""A causal transformer LM that embeds positions but forgot to add the token embeddings:
`h = self.position(positions)` where `self.embed(tokens) + ...` was meant. Its outputs
are the same for every input; the loss still falls to the unigram entropy per position."""

import torch
from corpus_data import lm_data
from lm_transformer_no_causal_mask_twin import CausalCharTransformer

TASK = "lm"
EXPECTED = "INPUT_IGNORED"
FAULT = "features() returns self.position(positions) only: the tokens never enter the model."
TWIN = "lm_transformer_no_causal_mask_twin"
SIZES = [2, 5]
__all__ = ["build_data", "build_model"]


def build_data():
    return lm_data()


class PositionOnlyTransformer(CausalCharTransformer):
    def features(self, tokens):  # (N, T) -> (N, T, H)
        positions = torch.arange(tokens.shape[1], device=tokens.device)
        return self.position(positions).expand(tokens.shape[0], -1, -1)  # bug: no tokens


def build_model(hidden_dim: int = 32):
    return PositionOnlyTransformer(hidden_dim)
