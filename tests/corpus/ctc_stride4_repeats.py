"""CTC tagger with one stride-4 convolution: about L + 1 output frames for L labels. Enough
for most utterances, but a label repeated back to back needs a blank between the
copies: an utterance with one repeat fits exactly, one with two repeats has no valid
alignment (the first such utterance is in rung 10)."""

import torch
from corpus_data import CTC_FEATURES as FEATURES
from corpus_data import CTC_VOCAB as VOCAB
from corpus_data import ctc_data
from torch import nn

TASK = "ctc"
EXPECTED = "CTC_INFEASIBLE"
FAULT = "A stride-4 convolution leaves ~L+1 frames, too few once a label sequence holds two back-to-back repeats (each needs a blank)."


def build_data():
    return ctc_data()


class FrameTagger(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.down = nn.Conv1d(FEATURES, hidden_dim, kernel_size=4, stride=4, padding=2)  # bug
        self.out = nn.Linear(hidden_dim, VOCAB)

    def output_lengths(self, input_lengths):
        return (input_lengths + 2 * 2 - 4) // 4 + 1

    def forward(self, x):  # (N, T, F) -> (N, ~T/4, VOCAB)
        h = torch.relu(self.down(x.transpose(1, 2))).transpose(1, 2)
        return self.out(h).log_softmax(-1)


def build_model(hidden_dim: int = 32):
    return FrameTagger(hidden_dim)
