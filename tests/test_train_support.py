"""Shared pieces of the train tests: a tiny spec written into tmp_path, and its config.
(No tests here; the other test_train_* modules import from it.)"""

from __future__ import annotations

from pathlib import Path

import torch

TINY_SPEC = '''
"""Tiny synthetic classification spec: 64 training items, 8 features, 3 classes."""
import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

TASK = "classification"


def build_data():
    g = torch.Generator().manual_seed(1)
    x = torch.randn(96, 8, generator=g)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    return TensorDataset(x[:64], y[:64]), TensorDataset(x[64:], y[64:])


def build_model(hidden_dim: int = 16, dropout: float = 0.0):
    return nn.Sequential(nn.Linear(8, hidden_dim), nn.ReLU(), nn.Dropout(dropout),
                         nn.Linear(hidden_dim, 3))


def build_augment():
    # random noise on training inputs: resume must restore the RNG to reproduce it
    return lambda x: x + 0.05 * torch.randn_like(x)
'''

# dropout and augmentation draw random numbers, and batches (16 of 64) are shuffled per
# epoch: all three must be restored for a resumed run to match an uninterrupted one
TINY_CONFIG = {"max_steps": 60, "eval_every": 10, "ckpt_every": 20, "batch_size": 16,
               "dropout": 0.2, "augment": True, "schedule": "cosine", "warmup_steps": 5,
               "lr": 1e-2, "seed": 3}


def write_spec(folder: Path, text: str = TINY_SPEC, name: str = "tiny.py") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def weights(path: Path) -> dict[str, torch.Tensor]:
    return torch.load(path, weights_only=True)["trainer"]["model"]


def same_weights(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)

