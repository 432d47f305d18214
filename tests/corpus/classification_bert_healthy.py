"""Healthy control: the BERT pixel classifier of classification_bert_adamw_lr_high at the
ladder's preset learning rate. Its attention query/key gradients at init are ~1e-5 of the
classifier's (by design: the scores are q.k of two small projections), and that is not a
vanishing gradient."""

from classification_bert_adamw_lr_high import build_data, build_model

TASK = "classification"
EXPECTED = None
FAULT = "none: healthy control"
SIZES = [5]
__all__ = ["build_data", "build_model"]
