"""A word-piece-free LSTM language model over pydoc text whose loss sums the token
cross-entropies (reduction='sum') with SGD at a rate chosen for the per-token mean."""

from pydoc_data.topics import topics

import torch
import torch.nn.functional as F
from torch import nn

TASK = "lm"
EXPECTED = "LOSS_REDUCTION_SUM"
FAULT = "F.cross_entropy(..., reduction='sum') over N*T tokens with lr 0.5 tuned for the mean."
TWIN = "h_lm_token_loss_sum_fixed"
SIZES = [2, 5]
CONFIG = {"optimizer": "sgd", "lr": 0.5}

TEXT = "".join(topics[k] for k in sorted(topics))[30000:40000]
CHARS = sorted(set(TEXT))


def build_data():
    ids = torch.tensor([CHARS.index(c) for c in TEXT])
    pairs = [(ids[i:i + 24], ids[i + 1:i + 25]) for i in range(0, len(ids) - 25, 24)]
    return pairs[:300], pairs[300:]


class LSTMLM(nn.Module):
    def __init__(self, hidden_dim):
        super().__init__()
        self.embed = nn.Embedding(len(CHARS), 24)
        self.lstm = nn.LSTM(24, hidden_dim, batch_first=True)
        self.out = nn.Linear(hidden_dim, len(CHARS))

    def forward(self, ids):
        return self.out(self.lstm(self.embed(ids))[0])


def build_model(hidden_dim: int = 64):
    return LSTMLM(hidden_dim)


def build_loss():
    def token_loss(logits, targets):
        return F.cross_entropy(logits.flatten(0, 1), targets.flatten(), reduction="sum")  # bug
    return token_loss
