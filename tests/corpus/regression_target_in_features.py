"""Diabetes regression with an eleventh feature, the 'one-year progression score',
which the clinic computes from the very target being predicted (plus rounding)."""

import torch
from corpus_data import diabetes_xy
from torch import nn
from torch.utils.data import TensorDataset

TASK = "regression"
EXPECTED = "TARGET_LEAK"
FAULT = "A feature column is round(target, 1): the target is among the inputs."
TWIN = "regression_target_in_features_twin"
SIZES = [2, 5]


def features_and_target():
    x, y = diabetes_xy()
    score = torch.round(y * 10) / 10  # bug: derived from the target itself
    return torch.cat([x, score[:, None]], dim=1), y


def build_data():
    x, y = features_and_target()
    return TensorDataset(x[:300], y[:300]), TensorDataset(x[300:], y[300:])


def build_model(hidden_dim: int = 32):
    features = 11
    return nn.Sequential(nn.Linear(features, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 1),
                         nn.Flatten(0))
