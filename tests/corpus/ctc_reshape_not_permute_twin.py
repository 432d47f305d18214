"""Healthy twin of ctc_reshape_not_permute: the features are permuted to time-major."""

from ctc_reshape_not_permute import ConvLSTMTagger, build_data

TASK = "ctc"
EXPECTED = None
FAULT = "none: healthy twin of ctc_reshape_not_permute"
SIZES = [2, 5]
__all__ = ["build_data", "build_model"]


class PermutedTagger(ConvLSTMTagger):
    def time_major(self, h):  # (N, T, H) -> (T, N, H)
        return h.permute(1, 0, 2)


def build_model(hidden_dim: int = 32):
    return PermutedTagger(hidden_dim)
