"""Held-out (a new user's spec): build_data returns DataLoaders whose collate_fn pads
variable-length float sequences and passes (padded, lengths) to forward(x, lengths)."""
import torch
from torch import nn
from torch.utils.data import DataLoader

TASK = "binary"


def make_items(count, seed):
    g = torch.Generator().manual_seed(seed)
    items = []
    for _ in range(count):
        length = int(torch.randint(3, 12, (1,), generator=g))
        label = int(torch.randint(0, 2, (1,), generator=g))
        seq = torch.randn(length, 3, generator=g) + (0.8 if label else -0.8)
        items.append((seq, label))
    return items


def pad_batch(batch):
    seqs = [s for s, _ in batch]
    lengths = torch.tensor([len(s) for s in seqs])
    padded = nn.utils.rnn.pad_sequence(seqs, batch_first=True)
    return (padded, lengths), torch.tensor([y for _, y in batch], dtype=torch.float32)


def build_data():
    return (DataLoader(make_items(200, 0), batch_size=16, shuffle=True, collate_fn=pad_batch),
            DataLoader(make_items(40, 1), batch_size=16, collate_fn=pad_batch))


class MeanPool(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.step = nn.Sequential(nn.Linear(3, hidden), nn.ReLU())
        self.out = nn.Linear(hidden, 1)

    def forward(self, x, lengths):
        mask = (torch.arange(x.shape[1])[None, :] < lengths[:, None]).unsqueeze(-1).float()
        pooled = (self.step(x) * mask).sum(1) / lengths[:, None].float()
        return self.out(pooled).squeeze(-1)


def build_model(hidden_dim: int = 32):
    return MeanPool(hidden_dim)
