"""Char GRU whose forward divides the logits by a sampling temperature of 1000 that was
meant only for generation: every prediction is close to uniform over the vocabulary."""


from corpus_data import LM_VOCAB as VOCAB
from corpus_data import lm_data
from torch import nn

TASK = "lm"
EXPECTED = "UNIFORM_OUTPUT"
FAULT = "forward() returns logits / 1000 (a generation temperature) during training, so outputs stay near uniform."
SIZES = [1, 2, 5]
CONFIG = {"max_steps": 200}  # the user's own budget per run


def build_data():
    return lm_data()


class CharGRU(nn.Module):
    def __init__(self, hidden_dim: int, temperature: float = 1000.0):
        super().__init__()
        self.embed = nn.Embedding(len(VOCAB), 32)
        self.rnn = nn.GRU(32, hidden_dim, batch_first=True)
        self.head = nn.Linear(hidden_dim, len(VOCAB))
        self.temperature = temperature

    def forward(self, tokens):  # (N, T) -> (N, T, V)
        features, _ = self.rnn(self.embed(tokens))
        return self.head(features) / self.temperature  # bug: sampling temperature in training


def build_model(hidden_dim: int = 64):
    return CharGRU(hidden_dim)
