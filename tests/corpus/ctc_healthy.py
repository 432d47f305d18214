"""Healthy control: CTC on synthetic 'spoken digit strings'. Each label is a few frames of
its own prototype feature vector plus noise, with silence frames in between."""

import torch
from torch import nn

TASK = "ctc"
EXPECTED = None
FAULT = "none: healthy control"
VOCAB = 6  # blank + 5 symbols
FEATURES = 8


class Utterances(torch.utils.data.Dataset):
    def __init__(self, count: int, seed: int):
        g = torch.Generator().manual_seed(seed)
        prototypes = torch.randn(VOCAB, FEATURES, generator=torch.Generator().manual_seed(99))
        self.items = []
        for _ in range(count):
            labels = torch.randint(1, VOCAB, (int(torch.randint(2, 5, (1,), generator=g)),),
                                   generator=g)
            frames = []
            for label in labels:
                frames.append(torch.zeros(1, FEATURES))  # silence
                frames.append(prototypes[label].repeat(3, 1))
            frames.append(torch.zeros(1, FEATURES))
            x = torch.cat(frames) + 0.1 * torch.randn(len(torch.cat(frames)), FEATURES,
                                                      generator=g)
            self.items.append((x, labels))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return self.items[index]


def build_data():
    return Utterances(200, 0), Utterances(50, 1)


class FrameTagger(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.conv = nn.Conv1d(FEATURES, hidden_dim, kernel_size=3, padding=1)
        self.out = nn.Linear(hidden_dim, VOCAB)

    def forward(self, x):  # (N, T, F) -> (N, T, VOCAB) log-probabilities
        h = torch.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)
        return self.out(h).log_softmax(-1)


def build_model(hidden_dim: int = 32):
    return FrameTagger(hidden_dim)
