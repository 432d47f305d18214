"""The engine's events. Instruments, checks and reports are Callbacks that define only
the events they need; the loop itself is never edited to add one.

Order within one optimizer step:
    before_fit
    (before_batch -> forward -> after_loss -> backward) x grad_accum
    after_backward -> clip -> optimizer.step -> after_step
    [every eval_every steps: evaluate -> after_eval]
    after_fit (always, also after an exception or an interrupt)

To stop, raise StopTraining(reason) from any event; the reason is kept in the result.
Callbacks run in ascending `order` (ties keep the order they were given in): recorders
declare RECORD so they see every step before anything may stop it, callbacks that raise
StopTraining declare STOP so every other callback has seen the step and its eval.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from torch import Tensor

if TYPE_CHECKING:
    from ..tasks import Batch
    from .evaluate import EvalResult
    from .trainer import Trainer

__all__ = ["DEFAULT", "RECORD", "STOP", "Callback", "StopReason", "StopTraining",
           "reraise_interrupt"]


RECORD = -10  # Callback.order of recorders: they see a step before anything stops the run
DEFAULT = 0
STOP = 100  # Callback.order of callbacks that may raise StopTraining


class StopReason(str, Enum):
    """Why fit() ended: the first word of every stop reason. The full reason is text
    (`"diverged: non-finite loss"`), written as is in reports and logs; its kind is one of
    these, compared as a string, so JSON schemas hold the same strings as before."""

    MAX_STEPS = "max_steps"
    MAX_SECONDS = "max_seconds"
    MAX_EPOCHS = "max_epochs"
    MEMORIZED = "memorized"
    INTERRUPTED = "interrupted"  # Ctrl-C or SIGTERM
    DIVERGED = "diverged"
    PLATEAU = "plateau"
    EARLY_STOPPING = "early stopping"
    RANGE_TEST = "range test"

    def __str__(self) -> str:
        return self.value

    def because(self, detail: str) -> str:
        """The full reason text: `"<kind>: <detail>"`."""
        return f"{self.value}: {detail}"

    @classmethod
    def of(cls, reason: str | None) -> StopReason | None:
        """The kind of a full reason text; None for a user callback's own reason."""
        head = (reason or "").split(":", 1)[0].strip()
        try:
            return cls(head)
        except ValueError:
            return None


class StopTraining(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a callback to end fit() cleanly with a reason the user will see: a
    StopReason, `StopReason.X.because(detail)`, or any text of your own."""

    def __init__(self, reason: str):
        super().__init__(str(reason))
        self.reason = str(reason)


def reraise_interrupt(stop_reason: str) -> None:
    """The engine turns Ctrl-C into the stop reason "interrupted" so the run's files are
    closed; a command running several fits (ladder, sweeps, confirmations) calls this
    after each one to end itself too, as the user asked."""
    if stop_reason == StopReason.INTERRUPTED:
        raise KeyboardInterrupt


class Callback:
    """Base class with no-op events. State that must survive --resume goes through
    state_dict()/load_state_dict()."""

    #: key under which state_dict() is stored in a checkpoint; None = nothing to save
    state_key: str | None = None
    #: callbacks run in ascending order (RECORD, DEFAULT, STOP); ties keep the given order
    order: int = DEFAULT

    def before_fit(self, trainer: Trainer) -> None: ...
    def before_batch(self, trainer: Trainer, batch: Batch) -> None: ...
    def after_loss(self, trainer: Trainer, loss: Tensor, outputs: Tensor, batch: Batch) -> None: ...
    def after_backward(self, trainer: Trainer) -> None: ...
    def after_step(self, trainer: Trainer, loss: Tensor) -> None: ...
    def after_eval(self, trainer: Trainer, result: EvalResult) -> None: ...
    def after_fit(self, trainer: Trainer) -> None: ...

    def state_dict(self) -> dict[str, Any]:
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None: ...
