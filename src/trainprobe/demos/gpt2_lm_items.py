"""GPT2LMHeadModel from a tiny GPT2Config, Hugging Face LM items of varying length (needs transformers)."""

import torch
from transformers import GPT2Config, GPT2LMHeadModel

from trainprobe.demos._pydoc_text import encode, topic_words, vocabulary

TASK = "lm"  # labels == input_ids, unshifted (Hugging Face): trainprobe shifts them
MAX_LENGTH = 24


def build_data():
    words = topic_words("function") + topic_words("class")
    items, start, length = [], 0, 8
    while start + length < len(words):  # sentences of 8..24 words: padded per batch
        ids = torch.tensor(encode(words[start:start + length]))
        items.append({"input_ids": ids, "attention_mask": torch.ones_like(ids),
                      "labels": ids.clone()})
        start += length
        length = 8 + (length * 7) % (MAX_LENGTH - 7)
    return items[:70], items[70:]  # about 85 sentences in all


def build_model(hidden_dim: int = 32, dropout: float = 0.0):
    config = GPT2Config(vocab_size=len(vocabulary()) + 2, n_positions=MAX_LENGTH, n_embd=hidden_dim,
                        n_layer=1, n_head=2, resid_pdrop=dropout, embd_pdrop=dropout,
                        attn_pdrop=dropout)
    return GPT2LMHeadModel(config)
