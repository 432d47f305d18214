"""Char GRU with a .detach() left in forward from a truncated-BPTT experiment: the
embedding and the GRU never receive a gradient; only the output layer learns."""


from corpus_data import LM_VOCAB as VOCAB
from corpus_data import lm_data
from torch import nn

TASK = "lm"
EXPECTED = "NO_GRADIENT"
FAULT = "forward() calls .detach() on the GRU features, cutting the embedding and GRU off from the loss."
SIZES = [1, 2, 5]
CONFIG = {"max_steps": 200}  # the user's own budget per run


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
        return self.head(features.detach())  # bug: left over from truncated BPTT


def build_model(hidden_dim: int = 64):
    return CharGRU(hidden_dim)
