"""The fixed twin: causal convolutions, padded on the left only."""

from pydoc_data.topics import topics

import torch
import torch.nn.functional as F
from torch import nn

TASK = "lm"
EXPECTED = None
FAULT = "none: healthy twin of h_conv_lm_centered_kernel"
SIZES = [2, 5]

TEXT = "".join(topics[k] for k in sorted(topics))[5000:17000]
CHARS = sorted(set(TEXT))


def build_data():
    ids = torch.tensor([CHARS.index(c) for c in TEXT])
    pairs = [(ids[i:i + 40], ids[i + 1:i + 41]) for i in range(0, len(ids) - 41, 40)]
    return pairs[:240], pairs[240:]


class CausalConvLM(nn.Module):
    def __init__(self, hidden_dim):
        super().__init__()
        self.embed = nn.Embedding(len(CHARS), hidden_dim)
        self.convs = nn.ModuleList(nn.Conv1d(hidden_dim, hidden_dim, 3) for _ in range(3))
        self.out = nn.Linear(hidden_dim, len(CHARS))

    def forward(self, ids):
        h = self.embed(ids).transpose(1, 2)   # (N, H, T)
        for conv in self.convs:
            h = h + torch.relu(conv(F.pad(h, (2, 0))))  # left padding: t sees t-2..t
        return self.out(h.transpose(1, 2))


def build_model(hidden_dim: int = 48):
    return CausalConvLM(hidden_dim)
