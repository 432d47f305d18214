"""A small BERT classifier (BertForSequenceClassification from a BertConfig, no download)
over the 64 pixels of a digit as tokens (intensities 0..16), in tokenizer-style dict items,
trained with AdamW at lr 1e-2: ten times what transformers tolerate. The loss oscillates
and the rung fails; at init the attention query/key gradients are tiny by design, which
must not be blamed."""

import torch
from corpus_data import digits_xy

TASK = "classification"
EXPECTED = "LR_TOO_HIGH"
FAULT = "AdamW with lr=1e-2 for a transformer classifier (BERT is fine-tuned at 1e-5..1e-4)."
SIZES = [5]
CONFIG = {"optimizer": "adamw", "lr": 1e-2}


def build_data():
    x, y = digits_xy()
    ids = torch.round(x * 16).long()  # pixel intensities 0..16 as token ids
    items = [{"input_ids": row, "attention_mask": torch.ones_like(row), "labels": int(label)}
             for row, label in zip(ids, y)]
    return items[:400], items[400:600]


def build_model(hidden_dim: int = 64):
    from transformers import BertConfig, BertForSequenceClassification

    config = BertConfig(vocab_size=17, hidden_size=hidden_dim, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=2 * hidden_dim,
                        max_position_embeddings=64, num_labels=10,
                        hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    return BertForSequenceClassification(config)
