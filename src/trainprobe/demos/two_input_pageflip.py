"""A model with two inputs, forward(images, motion_features): items are ((image, motion), label)."""

import torch
from sklearn.datasets import load_digits
from torch import nn

TASK = "classification"


def build_data():
    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32)[:, None] / 16.0  # (N, 1, 8, 8)
    # "motion features": how the ink moves across the rows and the columns, (N, 16)
    motion = torch.cat([images.mean(3).flatten(1), images.mean(2).flatten(1)], dim=1)
    motion = (motion - motion.mean(0)) / motion.std(0).clamp_min(1e-6)
    labels = torch.tensor(digits.target)
    items = [((images[i], motion[i]), int(labels[i])) for i in range(len(labels))]
    return items[:1500], items[1500:]


class PageFlip(nn.Module):
    def __init__(self, hidden_dim: int):
        super().__init__()
        self.images = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Flatten())
        self.motion = nn.Sequential(nn.Linear(16, hidden_dim), nn.ReLU())
        self.head = nn.Linear(8 * 8 * 8 + hidden_dim, 10)

    def forward(self, images, motion_features):  # (N, 1, 8, 8), (N, 16) -> (N, 10)
        return self.head(torch.cat([self.images(images), self.motion(motion_features)], dim=1))


def build_model(hidden_dim: int = 32):
    return PageFlip(hidden_dim)
