"""Healthy control: a character-level GRU on text that ships with Python (pydoc_data)."""


from corpus_data import LM_VOCAB as VOCAB
from corpus_data import lm_data
from torch import nn

TASK = "lm"
EXPECTED = None
FAULT = "none: healthy control"
SIZES = [1, 2, 5, 10]  # rung 20 would cost seconds; prefixes shared by chunks cap accuracy there


def build_data():
    return lm_data()


class CharGRU(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.embed = nn.Embedding(len(VOCAB), 32)
        self.rnn = nn.GRU(32, hidden_dim, batch_first=True)
        self.head = nn.Linear(hidden_dim, len(VOCAB))

    def forward(self, tokens):  # (N, T) -> (N, T, V)
        features, _ = self.rnn(self.embed(tokens))
        return self.head(features)


def build_model(hidden_dim: int = 64):
    return CharGRU(hidden_dim)
