"""Healthy twin of ctc_inverted_padding_mask: the mask is True on padded frames."""

from ctc_inverted_padding_mask import TransformerTagger, build_data

TASK = "ctc"
EXPECTED = None
FAULT = "none: healthy twin of ctc_inverted_padding_mask"
SIZES = [5, 10]
__all__ = ["build_data", "build_model"]


class PaddingMaskedTagger(TransformerTagger):
    def padding_mask(self, x):  # (N, T, F) -> (N, T) bool, True where padded
        return (x == 0).all(-1)


def build_model(hidden_dim: int = 32):
    return PaddingMaskedTagger(hidden_dim)
