"""One pass over a dataset without gradients: loss, task metrics, memorized or not."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..tasks import Batch, Counts, Task
from ..tasks.base import TaskStats
from .forward import forward

__all__ = ["EvalResult", "evaluate"]


@dataclass
class EvalResult:
    loss: float
    metrics: dict[str, float]
    metric_name: str
    memorized: bool
    items: int

    @property
    def metric(self) -> float:
        return self.metrics[self.metric_name]


@torch.no_grad()
def evaluate(model: nn.Module, batches: Iterable[Batch], task: Task,
             loss_fn: Callable[..., Any] | None, device: torch.device,
             reference: dict[str, float] | None = None,
             stats: TaskStats | None = None) -> EvalResult:
    """`reference`: the task's data-only counts for this set (Task.reference_counts);
    `stats`: the training set's statistics (Task.prepare)."""
    stats = stats or TaskStats()
    was_training = model.training
    model.eval()
    counts = Counts(dict(reference or {}))
    try:
        for batch in batches:
            batch = batch.to(device)
            outputs, batch = forward(model, batch)
            loss = task.loss(outputs, batch, loss_fn)
            counts.add(task.score(outputs, batch))
            counts.add({"loss_sum": float(loss) * len(batch), "items": len(batch)})
    finally:
        model.train(was_training)
    items = int(counts.values.get("items", 0))
    mean_loss = counts.values["loss_sum"] / max(items, 1)
    metrics = task.summarize(counts.values, stats)
    memorized = math.isfinite(mean_loss) and task.memorized(mean_loss, metrics, stats)
    return EvalResult(mean_loss, metrics, task.metric_name, memorized, items)
