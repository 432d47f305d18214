"""Tiny healthy CTC model: each label k (1..4) is a 3-frame burst on feature k."""
import torch
from torch import nn

TASK = "ctc"


class Bursts(torch.utils.data.Dataset):
    def __init__(self, count):
        g = torch.Generator().manual_seed(3)
        self.items = []
        for _ in range(count):
            labels = torch.randint(1, 5, (int(torch.randint(1, 4, (1,), generator=g)),),
                                   generator=g)
            frames = []
            for label in labels:
                block = torch.zeros(4, 6)
                block[:3, label] = 1.0
                frames.append(block)
            x = torch.cat(frames) + 0.05 * torch.randn(4 * len(labels), 6, generator=g)
            self.items.append((x, labels))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def build_data():
    return Bursts(100), Bursts(20)


class Net(nn.Module):
    def __init__(self, hidden_dim):
        super().__init__()
        self.conv = nn.Conv1d(6, hidden_dim, 3, padding=1)
        self.out = nn.Linear(hidden_dim, 5)

    def forward(self, x):  # (N, T, 6) -> (N, T, 5)
        return self.out(torch.relu(self.conv(x.transpose(1, 2))).transpose(1, 2))


def build_model(hidden_dim: int = 32):
    return Net(hidden_dim)
