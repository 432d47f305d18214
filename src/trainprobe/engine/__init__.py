"""The training engine: one loop (Trainer.fit), its events, and its configuration."""

from .config import TrainConfig, make_config
from .evaluate import EvalResult, evaluate
from .events import Callback, StopReason, StopTraining, reraise_interrupt
from .monitor import EvalRecord, Monitor
from .trainer import FitResult, Trainer

__all__ = ["Callback", "EvalRecord", "EvalResult", "Monitor", "FitResult", "StopReason", "StopTraining", "TrainConfig",
           "Trainer", "evaluate", "make_config", "reraise_interrupt"]
