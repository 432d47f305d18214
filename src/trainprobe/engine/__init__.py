"""The training engine: one loop (Trainer.fit), its events, and its configuration."""

from .config import TrainConfig, make_config
from .evaluate import EvalResult, evaluate
from .events import Callback, StopReason, StopTraining, reraise_interrupt
from .trainer import FitResult, Trainer

__all__ = ["Callback", "EvalResult", "FitResult", "StopReason", "StopTraining", "TrainConfig",
           "Trainer", "evaluate", "make_config", "reraise_interrupt"]
