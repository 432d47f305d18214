"""Broken: the two-input model ends with a softmax before cross-entropy."""
from torch import nn

from trainprobe.demos.two_input_pageflip import TASK, PageFlip, build_data  # noqa: F401


class Squashed(PageFlip):
    def __init__(self, hidden_dim):
        super().__init__(hidden_dim)
        self.squash = nn.Softmax(dim=-1)

    def forward(self, images, motion_features):
        return self.squash(super().forward(images, motion_features))


def build_model(hidden_dim: int = 32):
    return Squashed(hidden_dim)
