"""What "better" means for a run: the monitored quantity and its direction, and the one
list of evaluations the trainer keeps.

`monitor` is `val_loss` (the default), `val_metric` (the task's own metric: accuracy,
WER, R²...) or `val/<name>` (any metric the task reports, e.g. `val/f1`, `val/cer`), as
Lightning's and Keras' `monitor` and Hugging Face's `metric_for_best_model`. `mode` is
`min` or `max`; left out, it follows the quantity: `min` for the loss, the task's
`higher_is_better` for its metric, and for another metric `min` when its name says it is
an error (wer, cer, perplexity, ...). The best checkpoint, early stopping and the plateau
schedule all read the same `EvalRecord.monitored` values through one `Monitor`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import ConfigError
from ..tasks import Task
from .evaluate import EvalResult

__all__ = ["LOWER_IS_BETTER", "EvalRecord", "Mode", "Monitor", "monitor_for"]

Mode = Literal["min", "max"]
#: metric names whose lower values are better (error rates, losses)
LOWER_IS_BETTER = {"wer", "cer", "mse", "mae", "rmse", "perplexity", "loss", "error"}


@dataclass
class EvalRecord(EvalResult):
    """One evaluation as the trainer keeps it: the EvalResult (loss, metrics, metric_name,
    memorized, items), the step it was taken at, and the monitored value. Callbacks get it
    in `after_eval`; checkpoints, early stopping and the ladder's rung results read
    `trainer.evals`, a list of these, and nothing else."""

    step: int = 0
    monitored: float = math.nan

    @classmethod
    def of(cls, step: int, result: EvalResult, monitored: float) -> EvalRecord:
        return cls(result.loss, dict(result.metrics), result.metric_name, result.memorized,
                   result.items, step=step, monitored=monitored)

    def state(self) -> dict[str, Any]:
        """Plain data for a checkpoint (read back with weights_only=True)."""
        return {"step": self.step, "loss": self.loss, "metrics": dict(self.metrics),
                "metric_name": self.metric_name, "memorized": self.memorized,
                "items": self.items, "monitored": self.monitored}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> EvalRecord:
        return cls(state["loss"], dict(state["metrics"]), state["metric_name"],
                   bool(state["memorized"]), int(state["items"]), step=int(state["step"]),
                   monitored=float(state["monitored"]))

    @classmethod
    def from_checkpoint_v1(cls, old: dict[str, Any]) -> EvalRecord:
        """An eval kept by a checkpoint callback before EvalRecord ({"step", "val_loss",
        "metric", "metric_name"}); it monitored the validation loss."""
        name = old.get("metric_name") or ""
        metrics = {name: old["metric"]} if name and old.get("metric") is not None else {}
        return cls(old["val_loss"], metrics, name, False, 0, step=int(old["step"]),
                   monitored=old["val_loss"])


@dataclass(frozen=True)
class Monitor:
    key: str  # "val_loss" | "val_metric" | "val/<name>"
    mode: Mode

    def value(self, result: EvalResult) -> float:
        """The monitored number of one evaluation."""
        if self.key == "val_loss":
            return result.loss
        name = result.metric_name if self.key == "val_metric" else self.key[len("val/"):]
        if name not in result.metrics:
            raise ConfigError(f"monitor: {self.key!r} is not a metric of this task (it "
                              f"reports {', '.join(sorted(result.metrics)) or 'none'})",
                              "use val_loss, val_metric, or val/<one of those names>")
        return float(result.metrics[name])

    def improved(self, value: float, best: float | None, min_delta: float = 0.0) -> bool:
        """Better than `best` by more than `min_delta` in the monitored direction. A NaN or
        infinite value never counts, an equal one neither."""
        if not math.isfinite(value):
            return False
        if best is None:
            return True
        return value < best - min_delta if self.mode == "min" else value > best + min_delta

    @property
    def label(self) -> str:
        return f"{self.key} ({self.mode})"


def monitor_for(key: str, mode: Mode | None, task: Task) -> Monitor:
    """The Monitor of a config's `monitor`/`mode`, with the mode defaulted as documented."""
    if mode is None:
        mode = _default_mode(key, task)
    return Monitor(key, mode)


def _default_mode(key: str, task: Task) -> Mode:
    if key == "val_loss":
        return "min"
    name = task.metric_name if key == "val_metric" else key[len("val/"):]
    if name == task.metric_name:
        return "max" if task.higher_is_better else "min"
    return "min" if name.lower() in LOWER_IS_BETTER else "max"
