"""LM: a small causal transformer over characters of text that ships with Python
(pydoc_data.topics)."""

from pydoc_data.topics import topics

import torch
from torch import nn

TASK = "lm"
SEQ_LEN = 32


def corpus() -> str:
    return "\n".join(topics[key] for key in sorted(topics))


class Chunks(torch.utils.data.Dataset):
    """Non-overlapping chunks: item i is (text[i*L : (i+1)*L], the same shifted by one)."""

    def __init__(self, ids: torch.Tensor):
        self.ids = ids

    def __len__(self):
        return (len(self.ids) - 1) // SEQ_LEN

    def __getitem__(self, index):
        start = index * SEQ_LEN
        chunk = self.ids[start:start + SEQ_LEN + 1]
        return chunk[:-1], chunk[1:]


def build_data():
    text = corpus()[:200_000]
    vocab = sorted(set(text))
    index = {c: i for i, c in enumerate(vocab)}
    ids = torch.tensor([index[c] for c in text], dtype=torch.long)
    split = int(0.9 * len(ids))
    return Chunks(ids[:split]), Chunks(ids[split:])


def vocab_size() -> int:
    return len(set(corpus()[:200_000]))


class CharTransformer(nn.Module):
    def __init__(self, vocab: int, hidden_dim: int, dropout: float, layers: int = 2):
        super().__init__()
        self.embed = nn.Embedding(vocab, hidden_dim)
        self.position = nn.Parameter(torch.zeros(SEQ_LEN, hidden_dim))
        layer = nn.TransformerEncoderLayer(hidden_dim, nhead=4, dim_feedforward=2 * hidden_dim,
                                           dropout=dropout, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(hidden_dim, vocab)
        self.register_buffer("causal", nn.Transformer.generate_square_subsequent_mask(SEQ_LEN))

    def forward(self, tokens):  # (N, T) -> (N, T, V)
        length = tokens.shape[1]
        h = self.embed(tokens) + self.position[:length]  # (N, T, C)
        h = self.blocks(h, mask=self.causal[:length, :length], is_causal=True)
        return self.head(h)


def build_model(hidden_dim: int = 64, dropout: float = 0.0):
    return CharTransformer(vocab_size(), hidden_dim, dropout)
