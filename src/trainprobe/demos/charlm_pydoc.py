"""Char-level LM on Python's own docs (pydoc_data.topics): a tiny GPT that overfits.

The training text is kept small on purpose (about 40k characters), so that within a few
minutes on a CPU the model memorizes it: validation loss bottoms out and then rises while
training loss keeps falling. `trainprobe demo --train` runs it past convergence.
"""

import math
from pydoc_data import topics

import torch
from torch import nn
from torch.nn import functional as F

TASK = "lm"

CONTEXT = 64  # characters per training item
TRAIN_CHARS = 40_000  # small on purpose: the model can memorize it within the demo
VAL_CHARS = 16_000


def corpus() -> str:
    # sorted keys: the text (and so the split) is the same on every machine
    return "\n\n".join(topics.topics[key] for key in sorted(topics.topics))


class Windows(torch.utils.data.Dataset):
    """Non-overlapping windows: item i is (chars[i*T : i*T+T], the same shifted by one)."""

    def __init__(self, ids: torch.Tensor):
        self.ids = ids
        self.count = (len(ids) - 1) // CONTEXT

    def __len__(self):
        return self.count

    def __getitem__(self, index):
        start = index * CONTEXT
        chunk = self.ids[start:start + CONTEXT + 1]
        return chunk[:-1], chunk[1:]


def vocabulary(text: str) -> list[str]:
    return sorted(set(text))


def build_data():
    text = corpus()
    stoi = {ch: i for i, ch in enumerate(vocabulary(text))}
    ids = torch.tensor([stoi[ch] for ch in text], dtype=torch.long)
    # validation text comes from the middle of the corpus, far from the training slice
    middle = len(ids) // 2
    return Windows(ids[:TRAIN_CHARS]), Windows(ids[middle:middle + VAL_CHARS])


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.ln1 = nn.LayerNorm(dim)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.ln2 = nn.LayerNorm(dim)
        self.fc = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.fc_out = nn.Linear(4 * dim, dim)
        self.drop = nn.Dropout(dropout)
        self.dropout = dropout

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        # (B, T, C) -> (B, heads, T, C // heads)
        q, k, v = (t.view(B, T, self.heads, C // self.heads).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                           dropout_p=self.dropout if self.training else 0.0)
        x = x + self.drop(self.proj(y.transpose(1, 2).reshape(B, T, C)))
        return x + self.drop(self.fc_out(self.act(self.fc(self.ln2(x)))))


class TinyGPT(nn.Module):
    def __init__(self, vocab: int, dim: int, layers: int, heads: int, dropout: float):
        super().__init__()
        self.tok = nn.Embedding(vocab, dim)
        self.pos = nn.Embedding(CONTEXT, dim)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.Sequential(*(Block(dim, heads, dropout) for _ in range(layers)))
        self.ln = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, vocab)
        for name, p in self.named_parameters():
            if p.ndim >= 2:
                nn.init.normal_(p, std=0.02 / (math.sqrt(2 * layers) if "fc_out" in name else 1))

    def forward(self, tokens):  # (B, T) -> (B, T, vocab)
        positions = torch.arange(tokens.shape[1], device=tokens.device)
        x = self.drop(self.tok(tokens) + self.pos(positions))
        return self.head(self.ln(self.blocks(x)))


def build_model(hidden_dim: int = 128, dropout: float = 0.0):
    return TinyGPT(len(vocabulary(corpus())), hidden_dim, layers=2, heads=4, dropout=dropout)
