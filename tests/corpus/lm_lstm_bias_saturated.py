"""Char LSTM where the 'forget-gate bias trick' was applied to every bias, with a value
of 10: all gates and cell inputs sit saturated near 1 whatever the input."""


from corpus_data import LM_VOCAB as VOCAB
from corpus_data import lm_data
from torch import nn

TASK = "lm"
EXPECTED = "SATURATED_ACTIVATIONS"
FAULT = "Every LSTM bias is set to 10 (meant: forget-gate bias 1), saturating all gates and the cell input."
SIZES = [1, 2, 5, 10]


def build_data():
    return lm_data()


class CharLSTM(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.embed = nn.Embedding(len(VOCAB), 32)
        self.rnn = nn.LSTM(32, hidden_dim, batch_first=True)
        for name, p in self.rnn.named_parameters():
            if "bias" in name:
                nn.init.constant_(p, 10.0)  # bug: meant only the forget gate, and 1.0
        self.head = nn.Linear(hidden_dim, len(VOCAB))

    def forward(self, tokens):  # (N, T) -> (N, T, V)
        features, _ = self.rnn(self.embed(tokens))
        return self.head(features)


def build_model(hidden_dim: int = 64):
    return CharLSTM(hidden_dim)
