"""CTC tagger whose raw scores go straight into the user's nn.CTCLoss, which expects
log-probabilities: the loss can fall below zero without the right labels winning."""

import torch
from torch import nn

TASK = "ctc"
EXPECTED = "OUTPUT_ACTIVATION_MISMATCH"
FAULT = "The model returns raw scores (no log_softmax) and build_loss() hands them to nn.CTCLoss."
CONFIG = {"max_steps": 400}  # the user's own budget per run
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

    def forward(self, x):  # (N, T, F) -> (N, T, VOCAB)
        h = torch.relu(self.conv(x.transpose(1, 2))).transpose(1, 2)
        return self.out(h)  # bug: no .log_softmax(-1)


def build_model(hidden_dim: int = 32):
    return FrameTagger(hidden_dim)


def build_loss():
    ctc = nn.CTCLoss(blank=0)

    def loss(scores, targets, output_lengths, target_lengths):
        return ctc(scores.transpose(0, 1), targets, output_lengths, target_lengths)
    return loss
