"""Language modelling: next-token cross-entropy, token accuracy, perplexity."""

from __future__ import annotations

import math
from typing import Any

import torch.nn.functional as F
from torch import Tensor

from ..errors import SpecError
from .base import Batch, Task


class LanguageModel(Task):
    name = "lm"
    metric_name = "token_accuracy"

    def check_item(self, item: Any, index: int) -> None:
        super().check_item(item, index)
        tokens, next_tokens = item
        for label, tensor in (("tokens", tokens), ("next_tokens", next_tokens)):
            if not isinstance(tensor, Tensor) or tensor.ndim != 1 or tensor.is_floating_point():
                raise SpecError(
                    f"dataset item {index}: {label} must be a 1-d int64 tensor",
                    "return (tokens[:-1], tokens[1:]) as torch.long tensors of shape (T,)",
                )
        if tokens.shape != next_tokens.shape:
            raise SpecError(
                f"dataset item {index}: tokens {tuple(tokens.shape)} and next_tokens "
                f"{tuple(next_tokens.shape)} differ in length",
                "shift one sequence by one token: (seq[:-1], seq[1:])",
            )

    def default_loss(self, outputs: Tensor, batch: Batch) -> Tensor:
        # (N, T, V) -> (N*T, V) against (N*T,)
        return F.cross_entropy(outputs.reshape(-1, outputs.shape[-1]), batch.targets.reshape(-1))

    def score(self, outputs: Tensor, batch: Batch) -> dict[str, float]:
        predicted = outputs.argmax(dim=-1)
        return {"correct": (predicted == batch.targets).sum().item(),
                "total": batch.targets.numel()}

    def summarize(self, counts: dict[str, float]) -> dict[str, float]:
        mean_loss = counts.get("loss_sum", 0.0) / max(counts.get("items", 1), 1)
        return {"token_accuracy": counts["correct"] / max(counts["total"], 1),
                "perplexity": perplexity(mean_loss)}

    def memorized(self, loss: float, metrics: dict[str, float]) -> bool:
        return metrics["token_accuracy"] >= 0.99 and loss < self.loss_threshold

    def untrained_loss(self, outputs: Tensor, batch: Batch) -> float | None:
        return math.log(outputs.shape[-1])


def perplexity(loss: float) -> float:
    return math.exp(min(loss, 50.0))
