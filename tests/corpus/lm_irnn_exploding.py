"""Char RNN with ReLU units and the recurrent matrix initialised to 2 x identity (an
'IRNN' with too much gain): the hidden state and its gradients grow ~2x per step."""


import torch
from corpus_data import LM_VOCAB as VOCAB
from corpus_data import lm_data
from torch import nn

TASK = "lm"
EXPECTED = "EXPLODING_GRADIENT"
FAULT = "A ReLU nn.RNN with weight_hh initialised to 2 * I: state and gradients grow geometrically over 32 steps."
SIZES = [1, 2, 5]
CONFIG = {"max_steps": 200}  # the user's own budget per run


def build_data():
    return lm_data()


class CharRNN(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.embed = nn.Embedding(len(VOCAB), 32)
        self.rnn = nn.RNN(32, hidden_dim, nonlinearity="relu", batch_first=True)
        with torch.no_grad():
            self.rnn.weight_hh_l0.copy_(2.0 * torch.eye(hidden_dim))  # bug: gain 2, not 1
        self.head = nn.Linear(hidden_dim, len(VOCAB))

    def forward(self, tokens):  # (N, T) -> (N, T, V)
        features, _ = self.rnn(self.embed(tokens))
        return self.head(features)


def build_model(hidden_dim: int = 64):
    return CharRNN(hidden_dim)
