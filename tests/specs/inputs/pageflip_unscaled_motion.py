"""Broken: the motion features (the second input) are in raw units, 1000x the images."""
from trainprobe.demos import two_input_pageflip as healthy
from trainprobe.demos.two_input_pageflip import TASK, build_model  # noqa: F401


def build_data():
    train, val = healthy.build_data()
    return [((image, 1000 * motion + 500), y) for (image, motion), y in train], None
