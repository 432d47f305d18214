"""What every check needs to know about the run under diagnosis, gathered once.

A Context names the spec, the training set, the rung it looks at (the first failed rung,
else the largest), that rung's configuration, and facts derived from the user's loss.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from torch import nn

from ..engine.config import TrainConfig
from ..overfit.ladder import RungResult, rung_subset
from ..spec import Spec
from ..tasks import SampledItems, Task, TaskStats, make_task
from .seen_items import DataSample, data_sample

__all__ = ["Context", "STATS_BATCH", "label_smoothing", "loss_kind", "loss_modules"]

#: how many items the data checks read (the ladder's reference sample is 2048 too)
_DATA_SAMPLE = 2048
#: items in the one-batch pass: enough for per-unit statistics, cheap for any demo model
STATS_BATCH = 64


@dataclass
class Context:
    spec: Spec
    train_data: Sequence[Any]
    n: int
    config: TrainConfig
    seed: int = 0
    rung: RungResult | None = None  # the rung under diagnosis, None before training
    rungs: list[RungResult] = field(default_factory=list)
    loss_fn: Callable[..., Any] | None = None
    untrained_loss: float | None = None  # from the one-batch pass, for the dynamics rules
    val_data: Sequence[Any] | None = None  # the spec's validation set, when it has one
    #: what the checks could not measure and why (printed, never a finding)
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """True when the rung under diagnosis ran and did not memorize."""
        return self.rung is not None and not self.rung.passed

    @property
    def task_name(self) -> str:
        """For messages; checks read the task's capabilities instead of its name."""
        return self.spec.task.name

    @property
    def task(self) -> Task:
        return self.spec.task

    @functools.cached_property
    def stats(self) -> TaskStats:
        """The task's statistics of the whole training set, as the ladder computed them."""
        return self.task.prepare(SampledItems(self.train_data))

    @property
    def batch_size(self) -> int:
        """Items per optimizer step on this rung."""
        return min(self.config.batch_size, self.n)

    @functools.cached_property
    def data_sample(self) -> DataSample:
        """The data checks' sample (_DATA_SAMPLE items of the ladder's order), raw and as
        the model sees each item (through the spec's own collate, one item at a time).
        Read once: a collate may tokenize, so it is not run again per check."""
        return data_sample(self.spec, self.train_data, _DATA_SAMPLE, self.seed)

    def sample(self, limit: int = _DATA_SAMPLE) -> list[Any]:
        subset = rung_subset(self.train_data, min(limit, len(self.train_data)), self.seed)
        return [subset[i] for i in range(len(subset))]

    def hints(self) -> dict[str, Any]:
        return {"hidden_dim": self.config.hidden_dim, "dropout": self.config.dropout}


_LOSS_CLASSES: dict[str, str] = {
    "CrossEntropyLoss": "ce", "NLLLoss": "nll", "BCEWithLogitsLoss": "bce_logits",
    "BCELoss": "bce", "MSELoss": "mse", "L1Loss": "mse", "SmoothL1Loss": "mse",
    "HuberLoss": "mse", "CTCLoss": "ctc_logprobs", "KLDivLoss": "nll",
}
# searched in a loss function's source, most specific first
_LOSS_NAMES: tuple[tuple[str, str], ...] = (
    ("ctc_loss", "ctc_logprobs"), ("CTCLoss", "ctc_logprobs"),
    ("binary_cross_entropy_with_logits", "bce_logits"), ("BCEWithLogitsLoss", "bce_logits"),
    ("binary_cross_entropy", "bce"), ("BCELoss", "bce"), ("nll_loss", "nll"),
    ("NLLLoss", "nll"), ("cross_entropy", "ce"), ("CrossEntropyLoss", "ce"),
    ("mse_loss", "mse"), ("MSELoss", "mse"), ("l1_loss", "mse"), ("L1Loss", "mse"),
)


def loss_kind(loss_fn: Callable[..., Any] | None, task: Task | str) -> str | None:
    """What the loss wants from the model: 'ce' logits, 'nll' log-probabilities, 'bce'
    probabilities, 'bce_logits', 'mse' values, 'ctc_logprobs', 'ctc_any' (the task's own
    CTC loss applies log_softmax itself). None when a user function cannot be read."""
    if loss_fn is None:
        task = make_task(task) if isinstance(task, str) else task
        return task.default_loss_kind or None
    for module in loss_modules(loss_fn):
        kind = _LOSS_CLASSES.get(type(module).__name__)
        if kind:
            return kind
    try:
        source = inspect.getsource(loss_fn if inspect.isfunction(loss_fn) or
                                   inspect.ismethod(loss_fn) else type(loss_fn))
    except (OSError, TypeError):
        return None
    return next((kind for name, kind in _LOSS_NAMES if name in source), None)


def loss_modules(loss_fn: Callable[..., Any]) -> list[nn.Module]:
    """The loss itself if it is a torch loss module, else torch modules it closes over."""
    if isinstance(loss_fn, nn.Module):
        return [loss_fn]
    cells = getattr(loss_fn, "__closure__", None) or ()
    found = []
    for cell in cells:
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if isinstance(value, nn.Module):
            found.append(value)
    return found


def label_smoothing(loss_fn: Callable[..., Any] | None) -> float:
    if loss_fn is None:
        return 0.0
    return max((float(getattr(m, "label_smoothing", 0.0) or 0.0) for m in loss_modules(loss_fn)),
               default=0.0)
