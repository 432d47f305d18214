"""Full training: `run_training()` with checkpoints, early stopping, resume, a manifest,
and the transition from a passed probe to a full-training config. `tp.train()` (in
api.py) runs it through workflows/ and then renders the run directory with views/."""

from .checkpoint import CheckpointCallback, load_checkpoint
from .early_stopping import EarlyStopping
from .run import TrainResult, run_training

__all__ = ["CheckpointCallback", "EarlyStopping", "TrainResult", "load_checkpoint",
           "run_training"]
