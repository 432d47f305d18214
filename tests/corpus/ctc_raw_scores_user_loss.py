"""CTC tagger whose raw scores go straight into the user's nn.CTCLoss, which expects
log-probabilities: the loss can fall below zero without the right labels winning."""

import torch
from corpus_data import CTC_FEATURES as FEATURES
from corpus_data import CTC_VOCAB as VOCAB
from corpus_data import ctc_data
from torch import nn

TASK = "ctc"
EXPECTED = "OUTPUT_ACTIVATION_MISMATCH"
FAULT = "The model returns raw scores (no log_softmax) and build_loss() hands them to nn.CTCLoss."
CONFIG = {"max_steps": 400}  # the user's own budget per run


def build_data():
    return ctc_data()


class FrameTagger(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.conv = nn.Conv1d(FEATURES, hidden_dim, kernel_size=3, padding=1)
        self.out = nn.Linear(hidden_dim, VOCAB)

    def forward(self, x):  # (N, T, F) -> (N, T, VOCAB)
        h = torch.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)
        return self.out(h)  # bug: no .log_softmax(-1)


def build_model(hidden_dim: int = 32):
    return FrameTagger(hidden_dim)


def build_loss():
    ctc = nn.CTCLoss(blank=0)

    def loss(scores, targets, output_lengths, target_lengths):
        return ctc(scores.transpose(0, 1), targets, output_lengths, target_lengths)
    return loss
