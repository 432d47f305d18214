"""Wine classification where the preprocessing sorted the label column on its own
(`labels = np.sort(labels)` to 'tidy' it) after the rows had been shuffled."""

import numpy as np
import torch
from sklearn.datasets import load_wine
from torch import nn
from torch.utils.data import TensorDataset

TASK = "classification"
EXPECTED = "LABELS_NOT_LEARNABLE"
FAULT = "np.sort() applied to the label column alone, after the rows were shuffled."
TWIN = "h_wine_labels_sorted_fixed"
SIZES = [2, 5]


def build_data():
    data = load_wine()
    order = np.random.default_rng(3).permutation(len(data.target))
    features, labels = data.data[order], np.sort(data.target[order])  # bug: labels sorted
    x = torch.tensor((features - features.mean(0)) / features.std(0), dtype=torch.float32)
    y = torch.tensor(labels)
    return TensorDataset(x[:130], y[:130]), TensorDataset(x[130:], y[130:])


def build_model(hidden_dim: int = 16):
    return nn.Sequential(nn.Linear(13, hidden_dim), nn.Tanh(), nn.Linear(hidden_dim, 3))
