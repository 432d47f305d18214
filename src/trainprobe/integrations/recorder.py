"""What the Lightning and Hugging Face callbacks share: one `tp.Inspector` on the main
process, and at the end the same analysis and pages that `trainprobe train` writes.

The callbacks only translate their framework's events into `Inspector` calls; the log
format, the gap analysis and the dashboard are trainprobe's own, so `trainprobe
dashboard RUN_DIR` and `trainprobe compare` read these runs like any other.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

from torch import Tensor, nn

from ..api import report_run
from ..errors import TrainprobeError
from ..instruments.inspector import DEFAULT_STATS_EVERY, Inspector


def require(module: str, extra: str) -> ModuleType:
    """Import an optional dependency, or stop with the line that installs it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise TrainprobeError(f"{module} is not installed",
                              f"pip install 'trainprobe[{extra}]'") from None


class RunRecorder:
    """Records one training run into `log_dir` when `main` (rank 0); a no-op elsewhere,
    so that under data-parallel training only one process writes."""

    def __init__(self, log_dir: str | Path, stats_every: int = DEFAULT_STATS_EVERY,
                 grad_every: int = 1):
        self.log_dir = Path(log_dir)
        self.stats_every = stats_every
        self.grad_every = grad_every
        self.inspector: Inspector | None = None
        self.last_step = 0  # optimizer steps already recorded
        self.grads_step = 0  # step whose gradients were measured before clipping
        self.dashboard: Path | None = None
        self.summary: dict[str, Any] | None = None

    def start(self, model: nn.Module, main: bool) -> None:
        if main and self.inspector is None:
            self.inspector = Inspector(model, self.log_dir, stats_every=self.stats_every,
                                       grad_every=self.grad_every)

    def grads(self, step: int) -> None:
        """Measure the gradients now, for optimizer step `step` (before clipping)."""
        if self.inspector is not None:
            self.inspector.record_grads(step)
            self.grads_step = step

    def step(self, step: int, loss: Tensor | float | None, lr: float | None) -> None:
        """One optimizer step done; each step is recorded once."""
        if self.inspector is not None and step > self.last_step:
            self.inspector.step(loss=loss, lr=lr, step=step)
            self.last_step = step

    def eval(self, step: int, metrics: dict[str, Any], loss_key: str | None,
             metric_key: str | None) -> None:
        """A validation result read from the framework's metrics dict."""
        if self.inspector is None or loss_key is None or loss_key not in metrics:
            return
        metric = metrics.get(metric_key) if metric_key else None
        self.inspector.eval(val_loss=as_number(metrics[loss_key]),
                            val_metric=as_number(metric) if metric is not None else None,
                            metric_name=metric_name(metric_key) if metric is not None else None,
                            step=step)

    def close(self) -> None:
        if self.inspector is not None:
            self.inspector.close()

    def finish(self) -> Path | None:
        """Close the log, then write summary.json, gap-analysis.md and dashboard.html."""
        if self.inspector is None:
            return None
        self.close()
        self.summary, self.dashboard = report_run(self.log_dir)
        return self.dashboard


def as_number(value: Any) -> float | None:
    if value is None:
        return None
    return float(value.detach().float().mean()) if isinstance(value, Tensor) else float(value)


def metric_name(key: str | None) -> str | None:
    """`val_acc`, `val/acc`, `eval_accuracy` -> `acc`, `acc`, `accuracy`."""
    if key is None:
        return None
    for prefix in ("val_", "val/", "valid_", "validation_", "eval_", "eval/"):
        if key.startswith(prefix):
            return key[len(prefix):]
    return key


def first_key(metrics: dict[str, Any], candidates: tuple[str, ...]) -> str | None:
    return next((key for key in candidates if key in metrics), None)


def guess_metric(metrics: dict[str, Any], prefixes: tuple[str, ...],
                 skip: set[str]) -> str | None:
    """The first validation value that is not a loss or a timing (`eval_runtime`)."""
    timings = ("runtime", "per_second", "epoch", "loss")
    for key in metrics:
        if key in skip or not key.startswith(prefixes) or any(t in key for t in timings):
            continue
        return key
    return None
