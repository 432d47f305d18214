"""A dataset that 'saves allocations' by writing every item into one preallocated tensor,
with on-the-fly noise augmentation: the same index gives a different item each time, and
every item returned earlier silently changes into the latest one."""

import torch
from sklearn.datasets import load_digits
from torch import nn

TASK = "classification"
EXPECTED = "DATA_NOT_DETERMINISTIC"
FAULT = "__getitem__ adds fresh noise into one shared, reused output buffer and returns it."


class NoisyDigits(torch.utils.data.Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y
        self.buffer = torch.empty(x.shape[1])  # bug: shared by every item returned

    def __len__(self):
        return len(self.x)

    def __getitem__(self, index):
        self.buffer.copy_(self.x[index])
        self.buffer.add_(0.05 * torch.randn_like(self.buffer))  # "augmentation"
        return self.buffer, int(self.y[index])


def build_data():
    digits = load_digits()
    x = torch.tensor(digits.data, dtype=torch.float32) / 16.0
    y = torch.tensor(digits.target, dtype=torch.long)
    return NoisyDigits(x[:400], y[:400]), None


def build_model(hidden_dim: int = 32):
    return nn.Sequential(nn.Linear(64, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 10))
