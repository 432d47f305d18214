"""BertForSequenceClassification from a tiny BertConfig, tokenizer-style dict items (needs transformers)."""

import torch
from transformers import BertConfig, BertForSequenceClassification

from trainprobe.demos._pydoc_text import TOPICS, encode, vocabulary, windows

TASK = "classification"  # the target is under "labels"; the other keys go to forward(**inputs)
LENGTH = 16


def build_data():
    items = []
    for words, label in windows(LENGTH, per_topic=60, stride=LENGTH // 2):
        ids = torch.tensor(encode(words))
        items.append({"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": label})
    generator = torch.Generator().manual_seed(0)
    order = torch.randperm(len(items), generator=generator).tolist()
    items = [items[i] for i in order]
    return items[:200], items[200:]


def build_model(hidden_dim: int = 32, dropout: float = 0.0, classes: int = len(TOPICS)):
    config = BertConfig(vocab_size=len(vocabulary()) + 2, hidden_size=hidden_dim,
                        num_hidden_layers=1, num_attention_heads=2, intermediate_size=2 * hidden_dim,
                        max_position_embeddings=LENGTH, num_labels=classes,
                        hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout)
    return BertForSequenceClassification(config)  # built from a config: no weights downloaded
