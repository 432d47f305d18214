"""CTC tagger returning softmax probabilities 'for easier decoding' instead of
log-probabilities: the loss sees values in [0, 1] and cannot sharpen the distribution."""

import torch
from corpus_data import CTC_FEATURES as FEATURES
from corpus_data import CTC_VOCAB as VOCAB
from corpus_data import ctc_data
from torch import nn

TASK = "ctc"
EXPECTED = "OUTPUT_ACTIVATION_MISMATCH"
FAULT = "forward() returns .softmax(-1) probabilities where CTC needs log-probabilities (log_softmax)."


def build_data():
    return ctc_data()


class FrameTagger(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.conv = nn.Conv1d(FEATURES, hidden_dim, kernel_size=3, padding=1)
        self.out = nn.Linear(hidden_dim, VOCAB)

    def forward(self, x):  # (N, T, F) -> (N, T, VOCAB)
        h = torch.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)
        return self.out(h).softmax(-1)  # bug: not log-probabilities


def build_model(hidden_dim: int = 32):
    return FrameTagger(hidden_dim)
