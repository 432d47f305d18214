"""The fixed twin: labels shuffled together with their rows."""

import numpy as np
import torch
from sklearn.datasets import load_wine
from torch import nn
from torch.utils.data import TensorDataset

TASK = "classification"
EXPECTED = None
FAULT = "none: healthy twin of h_wine_labels_sorted"
SIZES = [2, 5]


def build_data():
    data = load_wine()
    order = np.random.default_rng(3).permutation(len(data.target))
    features, labels = data.data[order], data.target[order]
    x = torch.tensor((features - features.mean(0)) / features.std(0), dtype=torch.float32)
    y = torch.tensor(labels)
    return TensorDataset(x[:130], y[:130]), TensorDataset(x[130:], y[130:])


def build_model(hidden_dim: int = 16):
    return nn.Sequential(nn.Linear(13, hidden_dim), nn.Tanh(), nn.Linear(hidden_dim, 3))
