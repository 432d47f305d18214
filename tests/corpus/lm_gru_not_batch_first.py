"""A character GRU LM whose nn.GRU keeps the default batch_first=False while the data is
(N, T): the GRU runs along the batch, mixing the chunks of a batch and never reading a
chunk's own history."""

from corpus_data import LM_VOCAB as VOCAB
from corpus_data import lm_data
from torch import nn

TASK = "lm"
EXPECTED = "BATCH_MIXING"
FAULT = "nn.GRU(32, hidden) without batch_first=True is fed (N, T, E) embeddings."
TWIN = "lm_gru_not_batch_first_twin"
SIZES = [2, 5]


def build_data():
    return lm_data()


class CharGRU(nn.Module):
    def __init__(self, hidden_dim: int, batch_first: bool = False):  # bug: the default
        super().__init__()
        self.embed = nn.Embedding(len(VOCAB), 32)
        self.rnn = nn.GRU(32, hidden_dim, batch_first=batch_first)
        self.head = nn.Linear(hidden_dim, len(VOCAB))

    def forward(self, tokens):  # (N, T) -> (N, T, V)
        features, _ = self.rnn(self.embed(tokens))
        return self.head(features)


def build_model(hidden_dim: int = 64):
    return CharGRU(hidden_dim)
