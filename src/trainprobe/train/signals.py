"""Ctrl-C and SIGTERM during a run: stop cleanly, save a checkpoint, close the log.

The first signal asks for a graceful stop: training ends at the next step boundary (after
the step's eval, when one is due), so the checkpoint saved on the way out resumes exactly.
A second signal raises KeyboardInterrupt at once, which the engine also turns into the
stop reason "interrupted" (after_fit still runs and the last complete step is saved).
The previous handlers are restored when the run ends.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from ..engine import Callback, EvalResult, StopReason, StopTraining, Trainer
from ..engine.events import STOP

__all__ = ["GracefulStop", "StopRequest", "stop_on_signals"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StopRequest:
    """Set by the signal handler, read by GracefulStop at the next step boundary."""

    def __init__(self) -> None:
        self.requested: str | None = None  # the signal's name

    def handler(self, signum: int, frame: FrameType | None) -> None:
        if self.requested is not None:
            raise KeyboardInterrupt  # second signal: stop now
        self.requested = signal.Signals(signum).name


@contextmanager
def stop_on_signals(request: StopRequest) -> Iterator[StopRequest]:
    """Route SIGINT and SIGTERM to `request` for the duration of the block.

    Signal handlers can only be set from the main thread; elsewhere (a notebook worker, a
    test runner thread) the block runs with the process's own handlers unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield request
        return
    previous: dict[int, Any] = {}
    try:
        for signum in _SIGNALS:
            previous[signum] = signal.signal(signum, request.handler)
        yield request
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


class GracefulStop(Callback):
    """Ends fit() with reason "interrupted" once a stop was requested, at a step boundary.
    It runs after every other callback, so they have all seen the step and its eval (and
    a run that early stopping ends at this eval is finished, not interrupted)."""

    order = STOP + 1

    def __init__(self, request: StopRequest):
        self.request = request

    def after_step(self, trainer: Trainer, loss: Any) -> None:
        if trainer.step % trainer.config.eval_every != 0:
            self.check()

    def after_eval(self, trainer: Trainer, result: EvalResult) -> None:
        self.check()

    def check(self) -> None:
        if self.request.requested is not None:
            raise StopTraining(StopReason.INTERRUPTED)
