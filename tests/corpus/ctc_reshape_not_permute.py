"""A CTC tagger with a sequence-first LSTM: the (N, T, H) conv features are turned into
(T, N, H) with reshape instead of permute, which reinterprets memory and deals frames of
different utterances into one sequence."""

import torch
from corpus_data import CTC_FEATURES as FEATURES
from corpus_data import CTC_VOCAB as VOCAB
from corpus_data import ctc_data
from torch import nn

TASK = "ctc"
EXPECTED = "BATCH_MIXING"
FAULT = "h.reshape(T, N, H) instead of h.permute(1, 0, 2) before a sequence-first nn.LSTM."
TWIN = "ctc_reshape_not_permute_twin"
SIZES = [2, 5]


def build_data():
    return ctc_data()


class ConvLSTMTagger(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.conv = nn.Conv1d(FEATURES, hidden_dim, kernel_size=3, padding=1)
        self.rnn = nn.LSTM(hidden_dim, hidden_dim)  # sequence-first: (T, N, H)
        self.out = nn.Linear(hidden_dim, VOCAB)

    def time_major(self, h):  # (N, T, H) -> (T, N, H)
        n, t, hidden = h.shape
        return h.reshape(t, n, hidden)  # bug: a reshape is not a transpose

    def forward(self, x):  # (N, T, F) -> (N, T, VOCAB)
        h = torch.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)
        features, _ = self.rnn(self.time_major(h))
        return self.out(features.transpose(0, 1))


def build_model(hidden_dim: int = 32):
    return ConvLSTMTagger(hidden_dim)
