"""A non-finite training loss ends the run (or is reported loudly), never passes silently.

Once the loss is NaN the gradients and then the weights are NaN, and every later step only
spends time: a run that ends "DONE (max_steps)" with null losses from step 2 hides the one
fact the user needs. With `on_nonfinite: stop` (the default) the run stops at that step
with stop reason `diverged: non-finite training loss at step N` and status "failed"; with `on_nonfinite: warn` it goes on
and the steps are counted. Either way the log gets a `nonfinite` event, the manifest's
`warnings` say when it began, and `trainprobe train` exits 1.

The check reads the losses the engine has already brought to the host (every step on the
CPU, every 16 steps on an accelerator), so it adds no device synchronisation.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..engine import Callback, StopReason, StopTraining, Trainer
from ..engine.events import RECORD

__all__ = ["NonFiniteGuard"]


class NonFiniteGuard(Callback):
    state_key = "nonfinite"
    order = RECORD + 1  # after the log has the step, before a checkpoint can save NaN weights

    def __init__(self, action: str = "stop", on_event: Callable[..., None] | None = None):
        self.action = action
        self.on_event = on_event or (lambda *args, **kwargs: None)
        self.first_step: int | None = None
        self.count = 0  # steps whose training loss was NaN or infinite
        self.seen = 0  # losses already checked (trainer.losses[i] is step i + 1)

    def after_step(self, trainer: Trainer, loss: Any) -> None:
        losses = trainer.losses
        bad = [step for step, value in enumerate(losses[self.seen:], start=self.seen + 1)
               if not math.isfinite(value)]
        self.seen = len(losses)
        if not bad:
            return
        self.count += len(bad)
        if self.first_step is None:
            self.first_step = bad[0]
            self.on_event("nonfinite", bad[0], action=self.action)
        if self.action == "stop":
            raise StopTraining(StopReason.DIVERGED.because(
                f"non-finite training loss at step {self.first_step}"))

    def warning(self) -> str | None:
        """The line the user must see, or None when every loss was finite."""
        if self.first_step is None:
            return None
        if self.action == "stop":
            return (f"training loss became non-finite (NaN/inf) at step {self.first_step}; "
                    "the run was stopped. Check the data for NaN/inf, lower lr or set "
                    "grad_clip (on_nonfinite: warn trains on)")
        return (f"training loss was non-finite (NaN/inf) at {self.count} step(s), from step "
                f"{self.first_step}; the weights are probably NaN. Check the data for NaN/inf, "
                "lower lr or set grad_clip")

    def state_dict(self) -> dict[str, Any]:
        return {"first_step": self.first_step, "count": self.count}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.first_step, self.count = state["first_step"], state["count"]

    def before_fit(self, trainer: Trainer) -> None:
        self.seen = len(trainer.losses)  # a resumed run's earlier losses were checked
