"""Char GRU trained with nn.CrossEntropyLoss on (N, T, V) logits and (N, T) targets:
CrossEntropyLoss expects the class dimension second, (N, V, T)."""


from corpus_data import LM_VOCAB as VOCAB
from corpus_data import lm_data
from torch import nn

TASK = "lm"
EXPECTED = "TARGET_SHAPE_MISMATCH"
FAULT = "nn.CrossEntropyLoss gets (N, T, V) logits without a transpose/reshape to (N, V, T) or (N*T, V)."
SIZES = [1, 2, 5, 10]


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


def build_loss():
    return nn.CrossEntropyLoss()  # bug: wants (N, V, T) logits for (N, T) targets
