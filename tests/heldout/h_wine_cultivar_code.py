"""Wine classification whose feature table includes the winery's 'cultivar code' column,
which is the class itself (times 10, with a little measurement jitter)."""

import numpy as np
import torch
from sklearn.datasets import load_wine
from torch import nn
from torch.utils.data import TensorDataset

TASK = "classification"
EXPECTED = "TARGET_LEAK"
FAULT = "A 'cultivar code' column (= class x 10 + jitter) is kept among the features."
TWIN = "h_wine_labels_sorted_fixed"
SIZES = [2, 5]


def build_data():
    data = load_wine()
    order = np.random.default_rng(3).permutation(len(data.target))
    labels = data.target[order]
    code = labels * 10 + np.random.default_rng(4).normal(0, 0.5, len(labels))
    features = np.column_stack([data.data[order], code])  # bug: the class as a feature
    x = torch.tensor((features - features.mean(0)) / features.std(0), dtype=torch.float32)
    y = torch.tensor(labels)
    return TensorDataset(x[:130], y[:130]), TensorDataset(x[130:], y[130:])


def build_model(hidden_dim: int = 16):
    return nn.Sequential(nn.Linear(14, hidden_dim), nn.Tanh(), nn.Linear(hidden_dim, 3))
