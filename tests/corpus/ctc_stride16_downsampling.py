"""CTC tagger with two stride-4 convolutions 'to make it fast': 16x fewer output frames
than input frames, fewer than the labels each utterance must emit."""

import torch
from corpus_data import CTC_FEATURES as FEATURES
from corpus_data import CTC_VOCAB as VOCAB
from corpus_data import ctc_data
from torch import nn

TASK = "ctc"
EXPECTED = "CTC_INFEASIBLE"
FAULT = "Two stride-4 convolutions shrink T to about T/16, shorter than the label sequences: no valid CTC alignment."


def build_data():
    return ctc_data()


class FrameTagger(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.down1 = nn.Conv1d(FEATURES, hidden_dim, kernel_size=4, stride=4)  # bug: 4x ...
        self.down2 = nn.Conv1d(hidden_dim, hidden_dim, kernel_size=4, stride=4, padding=2)  # x4
        self.out = nn.Linear(hidden_dim, VOCAB)

    def output_lengths(self, input_lengths):
        return (input_lengths // 4 + 2 * 2 - 4) // 4 + 1

    def forward(self, x):  # (N, T, F) -> (N, ~T/16, VOCAB)
        h = torch.relu(self.down1(x.transpose(1, 2)))
        h = torch.relu(self.down2(h)).transpose(1, 2)
        return self.out(h).log_softmax(-1)


def build_model(hidden_dim: int = 32):
    return FrameTagger(hidden_dim)
