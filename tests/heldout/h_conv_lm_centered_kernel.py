"""A character LM of stacked 1-d convolutions (a WaveNet without dilation) whose
convolutions use padding=1 on both sides: the kernel at position t covers t+1."""

from pydoc_data.topics import topics

import torch
from torch import nn

TASK = "lm"
EXPECTED = "CAUSAL_LEAK"
FAULT = "nn.Conv1d(k=3, padding=1) in an LM: centred kernels read the next token."
TWIN = "h_conv_lm_centered_kernel_fixed"
SIZES = [2, 5]

TEXT = "".join(topics[k] for k in sorted(topics))[5000:17000]
CHARS = sorted(set(TEXT))


def build_data():
    ids = torch.tensor([CHARS.index(c) for c in TEXT])
    pairs = [(ids[i:i + 40], ids[i + 1:i + 41]) for i in range(0, len(ids) - 41, 40)]
    return pairs[:240], pairs[240:]


class ConvLM(nn.Module):
    def __init__(self, hidden_dim):
        super().__init__()
        self.embed = nn.Embedding(len(CHARS), hidden_dim)
        self.convs = nn.ModuleList(nn.Conv1d(hidden_dim, hidden_dim, 3, padding=1)  # bug
                                   for _ in range(3))
        self.out = nn.Linear(hidden_dim, len(CHARS))

    def forward(self, ids):
        h = self.embed(ids).transpose(1, 2)   # (N, H, T)
        for conv in self.convs:
            h = h + torch.relu(conv(h))
        return self.out(h.transpose(1, 2))


def build_model(hidden_dim: int = 48):
    return ConvLM(hidden_dim)
