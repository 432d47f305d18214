"""Char GRU whose loss shifts the targets once more, as a HuggingFace-style loss would:
the dataset already returns next tokens, so the model learns to predict two ahead."""


import torch.nn.functional as F
from corpus_data import LM_VOCAB as VOCAB
from corpus_data import lm_data
from torch import nn

TASK = "lm"
EXPECTED = "LOSS_TASK_MISMATCH"
FAULT = "build_loss() shifts targets again (outputs[:, :-1] vs targets[:, 1:]) although they are already next tokens."
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
        return self.head(features)


def build_model(hidden_dim: int = 64):
    return CharGRU(hidden_dim)


def build_loss():
    def causal_lm_loss(logits, labels):
        # bug: copied from a recipe where labels == inputs; here labels are already shifted
        shifted = logits[:, :-1].reshape(-1, logits.shape[-1])
        return F.cross_entropy(shifted, labels[:, 1:].reshape(-1))
    return causal_lm_loss
