"""The engine's events. Instruments, checks and reports are Callbacks that define only
the events they need; the loop itself is never edited to add one.

Order within one optimizer step:
    before_fit
    (before_batch -> forward -> after_loss -> backward) x grad_accum
    after_backward -> clip -> optimizer.step -> after_step
    [every eval_every steps: evaluate -> after_eval]
    after_fit (always, also after an exception or an interrupt)

To stop, raise StopTraining(reason) from any event; the reason is kept in the result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from torch import Tensor

if TYPE_CHECKING:
    from ..tasks import Batch
    from .evaluate import EvalResult
    from .trainer import Trainer


class StopTraining(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a callback to end fit() cleanly with a reason the user will see."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Callback:
    """Base class with no-op events. State that must survive --resume goes through
    state_dict()/load_state_dict()."""

    #: key under which state_dict() is stored in a checkpoint; None = nothing to save
    state_key: str | None = None

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
