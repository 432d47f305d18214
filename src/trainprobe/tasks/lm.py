"""Language modelling: next-token cross-entropy, token accuracy, perplexity."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from ..errors import SpecError
from .base import Batch, Task, TaskStats
from .collate import IGNORE_INDEX
from .structure import first_tensor

__all__ = ["LanguageModel", "token_ids"]


class LanguageModel(Task):
    name = "lm"
    metric_name = "token_accuracy"
    default_loss_kind = "ce"
    class_scores = True
    uniform_untrained_loss = True
    token_level_targets = True
    item_targets = False

    def label_range(self, outputs: int) -> tuple[str, int, int] | None:
        return ("next-token id", 0, outputs - 1)

    def check_item(self, item: Any, index: int) -> None:
        super().check_item(item, index)
        tokens, next_tokens = token_ids(item[0]), item[1]
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

    def finish(self, batch: Batch) -> Batch:
        """Hugging Face items ({"input_ids", "labels"} of one length) hold unshifted labels:
        position t predicts labels[t+1]. Shift them here; `(tokens, next_tokens)` items
        are already shifted and stay as they are."""
        if _unshifted_labels(batch.inputs, batch.targets):
            return replace(batch, targets=batch.targets[:, 1:].contiguous())
        return batch

    @staticmethod
    def aligned(outputs: Tensor, batch: Batch) -> Tensor:
        """Outputs one position longer than shifted labels: the last predicts past the end."""
        if outputs.ndim == 3 and outputs.shape[1] == batch.targets.shape[1] + 1:
            return outputs[:, :-1]
        return outputs

    def loss(self, outputs: Tensor, batch: Batch, user_loss: Any) -> Tensor:
        return super().loss(self.aligned(outputs, batch), batch, user_loss)

    def default_loss(self, outputs: Tensor, batch: Batch) -> Tensor:
        # (N, T, V) -> (N*T, V) against (N*T,); IGNORE_INDEX positions (padding) skipped
        return F.cross_entropy(outputs.reshape(-1, outputs.shape[-1]), batch.targets.reshape(-1),
                               ignore_index=IGNORE_INDEX)

    def score(self, outputs: Tensor, batch: Batch) -> dict[str, float]:
        predicted = self.aligned(outputs, batch).argmax(dim=-1)
        counted = batch.targets != IGNORE_INDEX
        return {"correct": ((predicted == batch.targets) & counted).sum().item(),
                "total": counted.sum().item()}

    def reference_counts(self, batches: Iterable[Batch]) -> dict[str, float]:
        # over the whole evaluated set at once: a prefix shared across two batches is
        # still one prefix
        keys = torch.cat([_prefix_keys(token_ids(b.inputs)[:, :b.targets.shape[1]], b.targets)
                          for b in batches])
        keys = keys[keys[:, -1] != IGNORE_INDEX]  # padding is never predicted
        return {"achievable": _best_continuations(keys) if len(keys) else 0}

    def summarize(self, counts: dict[str, float], stats: TaskStats) -> dict[str, float]:
        mean_loss = counts.get("loss_sum", 0.0) / max(counts.get("items", 1), 1)
        total = max(counts["total"], 1)
        return {"token_accuracy": counts["correct"] / total,
                # without reference counts every token counts as predictable
                "achievable_accuracy": counts.get("achievable", total) / total,
                "perplexity": _perplexity(mean_loss)}

    def memorized(self, loss: float, metrics: dict[str, float], stats: TaskStats) -> bool:
        """Token accuracy >= 0.99 of what any causal model could reach: sequences that
        share a prefix but continue differently (indented text, repeated phrases) cannot
        all be predicted from that prefix."""
        target = 0.99 * metrics["achievable_accuracy"]
        return metrics["token_accuracy"] >= target and loss < self.loss_threshold

    def untrained_loss(self, outputs: Tensor, batch: Batch, stats: TaskStats) -> float | None:
        return math.log(outputs.shape[-1])


def token_ids(inputs: Any) -> Tensor:
    """The token tensor of an LM input: itself, its "input_ids", or its first tensor."""
    if isinstance(inputs, Mapping) and isinstance(inputs.get("input_ids"), Tensor):
        return inputs["input_ids"]
    return first_tensor(inputs)


def _unshifted_labels(inputs: Any, targets: Any) -> bool:
    """The Hugging Face convention: dict inputs with input_ids, labels of the same length."""
    return isinstance(inputs, Mapping) and isinstance(targets, Tensor) and \
        targets.shape == token_ids(inputs).shape


def _perplexity(loss: float) -> float:
    return math.exp(min(loss, 50.0))


# Two independent polynomial hashes of each prefix; products stay below 2**62.
_HASHES = ((1_000_003, 2_147_483_647), (999_983, 2_147_483_629))


def _achievable_correct(tokens: Tensor, next_tokens: Tensor) -> int:
    """How many next tokens a deterministic causal predictor can get right: for every
    distinct prefix tokens[:t+1], only its most frequent continuation."""
    return _best_continuations(_prefix_keys(tokens, next_tokens))


def _prefix_keys(tokens: Tensor, next_tokens: Tensor) -> Tensor:
    """(N*T, 3): two hashes of each prefix tokens[n, :t+1], and the token that follows."""
    columns = []
    for base, modulus in _HASHES:
        running = torch.zeros(tokens.shape[0], dtype=torch.int64, device=tokens.device)
        per_position = []
        for t in range(tokens.shape[1]):  # (N,) per step: T small vector ops
            running = (running * base + tokens[:, t] + 1) % modulus
            per_position.append(running)
        columns.append(torch.stack(per_position, dim=1).reshape(-1))  # (N*T,)
    return torch.stack([*columns, next_tokens.reshape(-1)], dim=1)


def _best_continuations(keys: Tensor) -> int:
    """Sum over distinct prefixes of the count of their most frequent next token."""
    pairs, pair_counts = torch.unique(keys, dim=0, return_counts=True)
    _, prefix_ids = torch.unique(pairs[:, :2], dim=0, return_inverse=True)
    best = torch.zeros(int(prefix_ids.max()) + 1, dtype=pair_counts.dtype,
                       device=pair_counts.device)
    best.scatter_reduce_(0, prefix_ids, pair_counts, reduce="amax")
    return int(best.sum())
