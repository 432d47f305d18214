"""Breast-cancer classifier whose loss uses the opposite label convention (sklearn: 1 =
benign; the team's loss was written for 1 = malignant) and flips the targets."""

import torch
import torch.nn.functional as F
from sklearn.datasets import load_breast_cancer
from torch import nn
from torch.utils.data import TensorDataset

TASK = "binary"
EXPECTED = "LOSS_TASK_MISMATCH"
FAULT = "build_loss() computes BCE against 1 - y, so the loss falls while accuracy goes to 0."
CONFIG = {"max_steps": 500}  # the user's own budget per run


def build_data():
    data = load_breast_cancer()
    x = torch.tensor(data.data, dtype=torch.float32)
    x = (x - x.mean(0)) / x.std(0)
    y = torch.tensor(data.target, dtype=torch.float32)
    return TensorDataset(x[:400], y[:400]), None


def build_model(hidden_dim: int = 16):
    return nn.Sequential(nn.Linear(30, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 1),
                         nn.Flatten(0))


def build_loss():
    def malignant_bce(logits, benign):
        return F.binary_cross_entropy_with_logits(logits, 1 - benign)  # bug: flipped target
    return malignant_bce
