"""Full training: `train()` with checkpoints, early stopping, resume, a manifest, and the
transition from a passed probe to a full-training config."""

from .checkpoint import CheckpointCallback, load_checkpoint
from .early_stopping import EarlyStopping
from .run import TrainResult, train

__all__ = ["CheckpointCallback", "EarlyStopping", "TrainResult", "load_checkpoint", "train"]
