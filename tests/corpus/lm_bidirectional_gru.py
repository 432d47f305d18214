"""A character GRU LM made 'stronger' with bidirectional=True: the backward direction has
read the rest of the chunk, including the very token each position must predict."""

from corpus_data import LM_VOCAB as VOCAB
from corpus_data import lm_data
from torch import nn

TASK = "lm"
EXPECTED = "CAUSAL_LEAK"
FAULT = "nn.GRU(..., bidirectional=True) in a next-token LM: the backward pass reads the future."
TWIN = "lm_bidirectional_gru_twin"
SIZES = [2, 5]


def build_data():
    return lm_data()


class CharGRU(nn.Module):
    def __init__(self, hidden_dim: int, bidirectional: bool = True):  # bug: True in an LM
        super().__init__()
        self.embed = nn.Embedding(len(VOCAB), 32)
        self.rnn = nn.GRU(32, hidden_dim, batch_first=True, bidirectional=bidirectional)
        self.head = nn.Linear(hidden_dim * (2 if bidirectional else 1), len(VOCAB))

    def forward(self, tokens):  # (N, T) -> (N, T, V)
        features, _ = self.rnn(self.embed(tokens))
        return self.head(features)


def build_model(hidden_dim: int = 48):
    return CharGRU(hidden_dim)
