"""CTC tagger trained with plain SGD at lr 1e-4, a value taken from an Adam recipe."""

import torch
from corpus_data import CTC_FEATURES as FEATURES
from corpus_data import CTC_VOCAB as VOCAB
from corpus_data import ctc_data
from torch import nn

TASK = "ctc"
EXPECTED = "LR_TOO_LOW"
FAULT = "CONFIG sets SGD with lr=1e-4 and no momentum: the loss barely moves from its start."
CONFIG = {"optimizer": "sgd", "lr": 1e-4, "momentum": 0.0, "max_steps": 500}


def build_data():
    return ctc_data()


class FrameTagger(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.conv = nn.Conv1d(FEATURES, hidden_dim, kernel_size=3, padding=1)
        self.out = nn.Linear(hidden_dim, VOCAB)

    def forward(self, x):  # (N, T, F) -> (N, T, VOCAB)
        h = torch.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)
        return self.out(h).log_softmax(-1)


def build_model(hidden_dim: int = 32):
    return FrameTagger(hidden_dim)
