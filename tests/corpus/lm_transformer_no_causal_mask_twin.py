"""Healthy twin of lm_transformer_no_causal_mask: the same transformer with a causal mask."""

from lm_transformer_no_causal_mask import CharTransformer, build_data
from torch import nn

TASK = "lm"
EXPECTED = None
FAULT = "none: healthy twin of lm_transformer_no_causal_mask"
SIZES = [2, 5]
__all__ = ["build_data", "build_model"]


class CausalCharTransformer(CharTransformer):
    def forward(self, tokens):  # (N, T) -> (N, T, V)
        mask = nn.Transformer.generate_square_subsequent_mask(tokens.shape[1],
                                                              device=tokens.device)
        return self.head(self.encoder(self.features(tokens), mask=mask, is_causal=True))


def build_model(hidden_dim: int = 32):
    return CausalCharTransformer(hidden_dim)
