"""Regression: MSE, R², memorized when the loss is below 1e-3 of the target variance."""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from ..errors import SpecError
from .base import Batch, Task, TaskStats, as_tensor
from .classification import describe

__all__ = ["Regression"]


class Regression(Task):
    name = "regression"
    metric_name = "r2"
    relative_threshold = 1e-3
    default_loss_kind = "mse"
    real_targets = True
    # reshapes_outputs stays False: the default loss does reshape (N, 1) to (N,), but an
    # (N, 1) output is still reported, since the user's own loss or metric would broadcast

    def check_item(self, item: Any, index: int) -> None:
        super().check_item(item, index)
        y = item[1]
        if not (isinstance(y, float) or (isinstance(y, Tensor) and y.is_floating_point())
                or (isinstance(y, numbers.Real) and not isinstance(y, numbers.Integral))):
            raise SpecError(
                f"dataset item {index}: target is {describe(y)}, expected a float tensor",
                "return y as torch.tensor(value, dtype=torch.float32) for TASK='regression'",
            )

    def prepare(self, items: Iterable[Any]) -> TaskStats:
        targets = torch.stack([as_tensor(y).float() for _, y in items])
        mean_square = float(targets.pow(2).mean())
        # The variance over the *whole* training set: a rung of one sample has none.
        variance = float(targets.var(unbiased=False)) if len(targets) > 1 else 0.0
        return TaskStats(target_variance=variance if variance > 0 else max(mean_square, 1e-12),
                         target_mean_square=mean_square)

    def loss_bound(self, stats: TaskStats) -> float:
        return self.relative_threshold * stats.target_variance

    def finish(self, batch: Batch) -> Batch:
        return replace(batch, targets=batch.targets.float())

    @staticmethod
    def predictions(outputs: Tensor, batch: Batch) -> Tensor:
        """(N, 1) outputs for (N,) targets are reshaped, never broadcast to (N, N)."""
        truth = batch.targets
        return outputs.reshape(truth.shape) if outputs.numel() == truth.numel() else outputs

    def default_loss(self, outputs: Tensor, batch: Batch) -> Tensor:
        return F.mse_loss(self.predictions(outputs, batch), batch.targets)

    def score(self, outputs: Tensor, batch: Batch) -> dict[str, float]:
        truth = batch.targets.float()
        predicted = self.predictions(outputs, batch)
        predicted = predicted.expand_as(truth) if predicted.shape != truth.shape else predicted
        return {
            "sse": (predicted - truth).pow(2).sum().item(),
            "count": truth.numel(),
        }

    def summarize(self, counts: dict[str, float], stats: TaskStats) -> dict[str, float]:
        """R² = 1 - MSE / Var(y) with Var(y) of the *training set*, not of the evaluated
        items: a rung of one or two samples has (almost) no variance of its own, which
        would make its R² meaningless."""
        mse = counts["sse"] / max(counts["count"], 1)
        return {"r2": 1 - mse / stats.target_variance, "mse": mse}

    def memorized(self, loss: float, metrics: dict[str, float], stats: TaskStats) -> bool:
        return metrics["mse"] < self.loss_bound(stats)

    def untrained_loss(self, outputs: Tensor, batch: Batch, stats: TaskStats) -> float | None:
        # An untrained net outputs values near zero, so its MSE is about E[y^2].
        return stats.target_mean_square
