"""Early stopping on the monitored quantity (`monitor`/`mode`: the validation loss by
default), with the best weights restored at the end.

The decision is a pure method over the history of monitored values, so it can be tested on
scripted sequences and the user sees why training stopped. Restoring reads best.pt (the
best checkpoint on disk), so it also holds after --resume; Lightning leaves the last
weights in place, which is the bookkeeping users most often get wrong.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

from ..engine import Callback, EvalRecord, Monitor, StopReason, StopTraining, Trainer
from ..engine.events import STOP
from .checkpoint import load_checkpoint

__all__ = ["EarlyStopping"]


class EarlyStopping(Callback):
    """Stop once `patience` evals in a row fail to beat the best monitored value by more
    than `min_delta` in the monitored direction (Lightning's rule: the reference best moves
    only on such an improvement). The history is the trainer's own eval list, so it is the
    same after --resume. It runs after the other callbacks (order STOP): its StopTraining
    ends the after_eval event, so the checkpoint of this eval is saved first."""

    order = STOP

    def __init__(self, patience: int, min_delta: float = 0.0, restore_best: bool = True,
                 best_path: Path | None = None,
                 on_event: Callable[..., None] | None = None,
                 monitor: Monitor | None = None):
        self.monitor = monitor or Monitor("val_loss", "min")
        self.patience = patience
        self.min_delta = min_delta
        self.restore_best = restore_best
        self.best_path = best_path
        self.on_event = on_event or (lambda *args, **kwargs: None)
        self.restored_step: int | None = None

    def should_stop(self, history: Sequence[float]) -> tuple[bool, str]:
        """(stop?, reason) after the monitored values in `history` (oldest first)."""
        if not history:
            return False, ""
        if not math.isfinite(history[-1]):
            return True, StopReason.EARLY_STOPPING.because(
                f"{self.monitor.key} is {history[-1]}")
        best, waited = None, 0
        for value in history:
            if self.monitor.improved(value, best, self.min_delta):
                best, waited = value, 0
            else:
                waited += 1
        if waited >= self.patience:
            return True, StopReason.EARLY_STOPPING.because(
                f"no improvement of {self.monitor.label} over {best:.4g} (min_delta "
                f"{self.min_delta:g}) in the last {waited} evals")
        return False, ""

    def after_eval(self, trainer: Trainer, result: EvalRecord) -> None:
        stop, reason = self.should_stop([record.monitored for record in trainer.evals])
        if stop:
            self.on_event("early_stop", trainer.step, reason=reason)
            raise StopTraining(reason)

    def after_fit(self, trainer: Trainer) -> None:
        if not self.restore_best or trainer.stop_reason == StopReason.INTERRUPTED:
            return  # an interrupted run keeps its last weights: it is meant to be resumed
        if self.best_path is None or not self.best_path.is_file():
            return
        best = load_checkpoint(self.best_path)
        trainer.model.load_state_dict(best["trainer"]["model"])
        self.restored_step = int(best["step"])
        self.on_event("restore_best", trainer.step, best_step=self.restored_step)

