"""A rung's stopping rule: succeed as soon as the rung is memorized, give up early once
the loss has clearly plateaued or diverged. A pure decision method keeps it testable."""

from __future__ import annotations

import math
from typing import Any

from ..engine import Callback, EvalResult, StopReason, StopTraining, Trainer
from ..engine.events import STOP

__all__ = ["RungWatcher"]


class RungWatcher(Callback):
    order = STOP  # every other callback sees the eval that ends the rung

    def __init__(self, plateau_steps: int = 300, plateau_gain: float = 0.01,
                 divergence_factor: float = 10.0):
        self.plateau_steps = plateau_steps
        self.plateau_gain = plateau_gain
        self.divergence_factor = divergence_factor

    def after_eval(self, trainer: Trainer, result: EvalResult) -> None:
        if result.memorized:
            raise StopTraining(StopReason.MEMORIZED)
        stop, reason = self.should_give_up(trainer.losses)
        if stop:
            raise StopTraining(reason)

    def should_give_up(self, losses: list[float]) -> tuple[bool, str]:
        """(True, reason) when the loss is non-finite, has diverged far above its start,
        or has not improved its best by `plateau_gain` (relative) in `plateau_steps`."""
        if not losses:
            return False, ""
        if not all(math.isfinite(v) for v in losses[-20:]):
            return True, StopReason.DIVERGED.because("non-finite loss")
        start = losses[0]
        recent = losses[-10:]
        if len(losses) > 20 and min(recent) > self.divergence_factor * max(start, 1e-3):
            return True, StopReason.DIVERGED.because(
                f"loss {min(recent):.3g} > {self.divergence_factor:g}x start")
        if len(losses) <= self.plateau_steps:
            return False, ""
        best_before = min(losses[: -self.plateau_steps])
        best_since = min(losses[-self.plateau_steps:])
        if best_since > best_before * (1 - self.plateau_gain):
            return True, StopReason.PLATEAU.because(
                f"best loss {best_before:.4g} not improved in {self.plateau_steps} steps")
        return False, ""

    def state_dict(self) -> dict[str, Any]:
        return {}
