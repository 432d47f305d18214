"""Live progress for long work: a rich progress bar fed by an engine callback."""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from ..engine import Callback, EvalResult, Trainer

REFRESH_SECONDS = 0.1  # update the bar at most this often: a redraw costs more than a step


def make_progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[status]}"), TimeElapsedColumn(), TimeRemainingColumn(),
        console=console, transient=True, disable=not console.is_terminal,
    )


class ProgressCallback(Callback):
    """Shows steps, the latest train loss and the latest eval on one bar."""

    def __init__(self, progress: Progress, description: str):
        self.progress = progress
        self.description = description
        self.task_id: Any = None
        self.last_draw = 0.0
        self.eval_text = ""

    def before_fit(self, trainer: Trainer) -> None:
        self.task_id = self.progress.add_task(self.description, total=trainer.config.max_steps,
                                              completed=trainer.step, status="")

    def after_step(self, trainer: Trainer, loss: Any) -> None:
        now = time.perf_counter()
        if now - self.last_draw < REFRESH_SECONDS:
            return
        self.last_draw = now
        latest = trainer.losses[-1] if trainer.losses else float("nan")
        self.progress.update(self.task_id, completed=trainer.step,
                             status=f"loss {latest:.4g}{self.eval_text}")

    def after_eval(self, trainer: Trainer, result: EvalResult) -> None:
        self.eval_text = f"  val {result.loss:.4g} {result.metric_name} {result.metric:.3g}"

    def after_fit(self, trainer: Trainer) -> None:
        if self.task_id is not None:
            self.progress.remove_task(self.task_id)
            self.task_id = None
