"""A character transformer LM built on nn.TransformerEncoder, called without a mask: every
position attends to the whole chunk, including the token it must predict."""

import torch
from corpus_data import LM_SEQ_LEN, lm_data
from corpus_data import LM_VOCAB as VOCAB
from torch import nn

TASK = "lm"
EXPECTED = "CAUSAL_LEAK"
FAULT = "nn.TransformerEncoder is called without mask=/is_causal=, so position t sees t+1."
TWIN = "lm_transformer_no_causal_mask_twin"
SIZES = [2, 5]


def build_data():
    return lm_data()


class CharTransformer(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.embed = nn.Embedding(len(VOCAB), hidden_dim)
        self.position = nn.Embedding(LM_SEQ_LEN, hidden_dim)
        layer = nn.TransformerEncoderLayer(hidden_dim, 2, 2 * hidden_dim, dropout=0.0,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = nn.Linear(hidden_dim, len(VOCAB))

    def features(self, tokens):  # (N, T) -> (N, T, H)
        positions = torch.arange(tokens.shape[1], device=tokens.device)
        return self.embed(tokens) + self.position(positions)

    def forward(self, tokens):  # (N, T) -> (N, T, V)
        return self.head(self.encoder(self.features(tokens)))  # bug: no causal mask


def build_model(hidden_dim: int = 32):
    return CharTransformer(hidden_dim)
