"""A small BERT classifier (BertForSequenceClassification from a BertConfig, no download)
over the 64 pixels of a digit as tokens (intensities 0..16), trained with AdamW at lr 1e-2:
ten times what transformers tolerate. The loss oscillates and the rung fails; at init the
attention query/key gradients are tiny by design, which must not be blamed."""

import torch
from corpus_data import digits_xy
from torch import nn
from torch.utils.data import TensorDataset

TASK = "classification"
EXPECTED = "LR_TOO_HIGH"
FAULT = "AdamW with lr=1e-2 for a transformer classifier (BERT is fine-tuned at 1e-5..1e-4)."
SIZES = [5]
CONFIG = {"optimizer": "adamw", "lr": 1e-2}


def build_data():
    x, y = digits_xy()
    ids = torch.round(x * 16)  # intensities 0..16 as token ids, float for the input contract
    return TensorDataset(ids[:400], y[:400]), TensorDataset(ids[400:600], y[400:600])


class PixelBert(nn.Module):
    """BertForSequenceClassification behind a module that takes a tensor of ids."""

    def __init__(self, hidden_dim: int):
        from transformers import BertConfig, BertForSequenceClassification

        super().__init__()
        config = BertConfig(vocab_size=17, hidden_size=hidden_dim, num_hidden_layers=2,
                            num_attention_heads=2, intermediate_size=2 * hidden_dim,
                            max_position_embeddings=64, num_labels=10,
                            hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
        self.bert = BertForSequenceClassification(config)

    def forward(self, ids):  # (N, 64) -> (N, 10) logits
        return self.bert(input_ids=ids.long()).logits


def build_model(hidden_dim: int = 64):
    return PixelBert(hidden_dim)
