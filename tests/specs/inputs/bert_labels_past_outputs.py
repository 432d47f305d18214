"""Broken: tokenizer-style dict items with labels 0..3, but the classifier has 2 outputs."""
from trainprobe.demos import bert_dict_items as healthy
from trainprobe.demos.bert_dict_items import TASK, build_data  # noqa: F401


def build_model(hidden_dim: int = 32, dropout: float = 0.0):
    return healthy.build_model(hidden_dim, dropout, classes=2)
