"""CTC over synthetic 'spoken' symbol strings whose validation set is generated with the
same seed as the training set: the first 40 validation utterances are training ones."""

import torch
from torch import nn

TASK = "ctc"
EXPECTED = "TRAIN_VAL_OVERLAP"
FAULT = "make_utterances(40, seed=7) for validation, the seed of make_utterances(160, seed=7)."
TWIN = "h_ctc_val_same_seed_fixed"
SIZES = [2, 5]

SYMBOLS, FEATURES = 5, 6


def make_utterances(count, seed):
    g = torch.Generator().manual_seed(seed)
    codebook = torch.randn(SYMBOLS + 1, FEATURES, generator=torch.Generator().manual_seed(1))
    out = []
    for _ in range(count):
        labels = torch.randint(1, SYMBOLS + 1, (int(torch.randint(1, 4, (1,), generator=g)),),
                               generator=g)
        frames = torch.cat([codebook[label].expand(2, FEATURES) for label in labels])
        out.append((frames + 0.05 * torch.randn(frames.shape, generator=g), labels))
    return out


def build_data():
    return make_utterances(160, seed=7), make_utterances(40, seed=7)  # bug: same seed


class Tagger(nn.Module):
    def __init__(self, hidden_dim):
        super().__init__()
        self.rnn = nn.GRU(FEATURES, hidden_dim, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden_dim, SYMBOLS + 1)

    def forward(self, frames):
        return self.out(self.rnn(frames)[0])


def build_model(hidden_dim: int = 24):
    return Tagger(hidden_dim)
