"""Classification (C-way logits) and binary (one logit) tasks."""

from __future__ import annotations

import math
import numbers
from dataclasses import replace
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from ..errors import SpecError
from .base import Batch, Task, TaskStats, is_integer_label

__all__ = ["Binary", "Classification", "describe"]


class Classification(Task):
    name = "classification"
    metric_name = "accuracy"
    default_loss_kind = "ce"
    class_scores = True
    uniform_untrained_loss = True

    def label_range(self, outputs: int) -> tuple[str, int, int] | None:
        return ("label", 0, outputs - 1)

    def check_item(self, item: Any, index: int) -> None:
        super().check_item(item, index)
        if not is_integer_label(item[1]):
            raise SpecError(
                f"dataset item {index}: label is {describe(item[1])}, expected an int class index",
                "return y as a Python int (or a 0-d int64 tensor) for TASK='classification'",
            )

    def finish(self, batch: Batch) -> Batch:
        return replace(batch, targets=batch.targets.long())

    def default_loss(self, outputs: Tensor, batch: Batch) -> Tensor:
        return F.cross_entropy(outputs, batch.targets)

    def score(self, outputs: Tensor, batch: Batch) -> dict[str, float]:
        predicted = outputs.argmax(dim=-1)
        return {"correct": (predicted == batch.targets).sum().item(), "total": len(batch)}

    def summarize(self, counts: dict[str, float], stats: TaskStats) -> dict[str, float]:
        return {"accuracy": counts["correct"] / max(counts["total"], 1)}

    def memorized(self, loss: float, metrics: dict[str, float], stats: TaskStats) -> bool:
        return metrics["accuracy"] >= 1.0 and loss < self.loss_threshold

    def untrained_loss(self, outputs: Tensor, batch: Batch, stats: TaskStats) -> float | None:
        return math.log(outputs.shape[-1]) if outputs.ndim == 2 else None


class Binary(Task):
    name = "binary"
    metric_name = "accuracy"
    default_loss_kind = "bce_logits"
    reshapes_outputs = True

    def check_item(self, item: Any, index: int) -> None:
        super().check_item(item, index)
        y = item[1]
        value = float(y) if isinstance(y, numbers.Real) or (
            isinstance(y, Tensor) and y.numel() == 1) else None
        if value not in (0.0, 1.0):
            raise SpecError(
                f"dataset item {index}: label is {describe(y)}, expected 0 or 1",
                "return y as 0 or 1 for TASK='binary' (use 'classification' for more classes)",
            )

    def finish(self, batch: Batch) -> Batch:
        return replace(batch, targets=batch.targets.float().reshape(len(batch)))

    @staticmethod
    def logits(outputs: Tensor, batch: Batch) -> Tensor:
        # The contract allows (N,) or (N, 1); reshape explicitly so an (N, 1) output is
        # never broadcast against an (N,) target into an (N, N) loss.
        return outputs.reshape(batch.targets.shape) if outputs.numel() == len(batch) else outputs

    def default_loss(self, outputs: Tensor, batch: Batch) -> Tensor:
        return F.binary_cross_entropy_with_logits(self.logits(outputs, batch), batch.targets)

    def score(self, outputs: Tensor, batch: Batch) -> dict[str, float]:
        predicted = (self.logits(outputs, batch) > 0).float()
        truth = batch.targets
        return {
            "correct": (predicted == truth).sum().item(),
            "total": len(batch),
            "tp": (predicted * truth).sum().item(),
            "fp": (predicted * (1 - truth)).sum().item(),
            "fn": ((1 - predicted) * truth).sum().item(),
        }

    def summarize(self, counts: dict[str, float], stats: TaskStats) -> dict[str, float]:
        tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
        f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn > 0 else 1.0
        return {"accuracy": counts["correct"] / max(counts["total"], 1), "f1": f1}

    def memorized(self, loss: float, metrics: dict[str, float], stats: TaskStats) -> bool:
        return metrics["accuracy"] >= 1.0 and loss < self.loss_threshold

    def untrained_loss(self, outputs: Tensor, batch: Batch, stats: TaskStats) -> float | None:
        return math.log(2.0)



def describe(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"a {value.dtype} tensor of shape {tuple(value.shape)}"
    return f"{type(value).__name__} {value!r}"[:60]
