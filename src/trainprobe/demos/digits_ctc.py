"""CTC: read lines of 1-4 handwritten digits (bundled 8x8 digits, one pixel row per frame)
with a small temporal CNN; labels are digit + 1, 0 is the blank."""

import torch
from sklearn.datasets import load_digits
from torch import nn

TASK = "ctc"
VOCAB = 11  # blank + 10 digits


class DigitLines(torch.utils.data.Dataset):
    """Utterance i: a fixed, seeded choice of 1-4 digit images laid side by side in time."""

    def __init__(self, images, labels, count, seed):
        generator = torch.Generator().manual_seed(seed)
        self.items = []
        for _ in range(count):
            length = int(torch.randint(1, 5, (1,), generator=generator))
            picks = torch.randint(len(images), (length,), generator=generator)
            frames = torch.cat([images[i] for i in picks])  # (8 * length, 8)
            self.items.append((frames, labels[picks] + 1))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return self.items[index]


def build_data():
    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32) / 16.0  # (1797, 8, 8)
    labels = torch.tensor(digits.target, dtype=torch.long)
    return DigitLines(images[:1500], labels[:1500], 800, 0), \
        DigitLines(images[1500:], labels[1500:], 200, 1)


class Reader(nn.Module):
    """Three 1-d convolutions over time (receptive field 13 frames > one 8-frame digit)."""

    def __init__(self, hidden_dim: int, dropout: float):
        super().__init__()
        self.convs = nn.Sequential(
            nn.Conv1d(8, hidden_dim, 5, padding=2), nn.ReLU(), nn.Dropout(dropout),
            nn.Conv1d(hidden_dim, hidden_dim, 5, padding=2), nn.ReLU(), nn.Dropout(dropout),
            nn.Conv1d(hidden_dim, hidden_dim, 5, padding=2), nn.ReLU(),
        )
        self.out = nn.Linear(hidden_dim, VOCAB)

    def forward(self, x):  # (N, T, 8) -> (N, T, VOCAB) log-probabilities
        features = self.convs(x.transpose(1, 2)).transpose(1, 2)  # Conv1d wants (N, C, T)
        return self.out(features).log_softmax(-1)


def build_model(hidden_dim: int = 64, dropout: float = 0.0):
    return Reader(hidden_dim, dropout)
