"""What every task owns: collation, default loss, metric, success criterion, and the
loss an untrained model should give. The engine knows nothing task-specific."""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from ..errors import SpecError
from .collate import IGNORE_INDEX, collate_values
from .structure import check_inputs, map_tensors

__all__ = ["REFERENCE_ITEMS", "Batch", "Counts", "LossFn", "SampledItems", "Task", "TaskStats",
           "as_tensor", "is_integer_label"]

LossFn = Callable[..., Tensor]


@dataclass
class Batch:
    """A collated batch. `inputs` is a tensor or a tuple/list/dict of them (see
    structure.py); lengths are set only for variable-length tasks (ctc)."""

    inputs: Any
    targets: Tensor
    input_lengths: Tensor | None = None
    target_lengths: Tensor | None = None
    #: frames per item after the model, set by the engine from the model's own
    #: output_lengths(input_lengths) when it has one (engine/forward.py)
    output_lengths: Tensor | None = None
    #: True when the collate right-padded items of different lengths
    padded: bool = False

    def __len__(self) -> int:
        return int(self.targets.shape[0])

    def to(self, device: torch.device | str) -> Batch:
        def move(t: Tensor | None) -> Tensor | None:
            return None if t is None else t.to(device, non_blocking=True)

        inputs = map_tensors(lambda t: t.to(device, non_blocking=True), self.inputs)
        return Batch(inputs, move(self.targets), move(self.input_lengths),
                     move(self.target_lengths), move(self.output_lengths), self.padded)


@dataclass
class Counts:
    """Additive sums from which a metric is computed over many batches."""

    values: dict[str, float] = field(default_factory=dict)

    def add(self, other: dict[str, float]) -> None:
        for key, value in other.items():
            self.values[key] = self.values.get(key, 0.0) + float(value)


@dataclass(frozen=True)
class TaskStats:
    """Facts about the whole training set that a task's metric needs (regression's R²
    and its memorization bound are relative to the target variance). Computed once by
    Task.prepare and passed explicitly: a task never holds data-dependent state."""

    target_variance: float = 1.0
    target_mean_square: float = 1.0


class Task:
    """Base class; one subclass per TASK string. A task is stateless: everything that
    depends on the data arrives as TaskStats or on the Batch. What differs between tasks
    is declared as capabilities below, so the diagnosis never switches on the name."""

    name: str = ""
    metric_name: str = ""
    higher_is_better: bool = True
    #: memorization needs the loss below this (regression overrides with a relative bound)
    loss_threshold: float = 0.1
    # --- capabilities the diagnosis reads ----------------------------------------------
    #: what the default loss wants from the model (diagnose.context.loss_kind)
    default_loss_kind: str = ""
    #: targets hold one label per position (padded with IGNORE_INDEX by the collate)
    token_level_targets: bool = False
    #: outputs are scores over classes (argmax is the prediction)
    class_scores: bool = False
    #: an untrained model's loss is log(classes): a loss stuck there means uniform output
    uniform_untrained_loss: bool = False
    #: one target per item, so two equal inputs with different targets conflict
    item_targets: bool = True
    #: targets are real values whose scale matters (TARGET_SCALE)
    real_targets: bool = False
    #: outputs are frame sequences aligned to labels (CTC feasibility)
    aligned_frames: bool = False
    #: the default loss reshapes (N, 1) outputs to (N,) targets itself
    reshapes_outputs: bool = False

    def prepare(self, items: Iterable[Any]) -> TaskStats:
        """Dataset-level facts (e.g. target variance), read before training. `items` may
        be a lazy view: tasks that need nothing never read it."""
        return TaskStats()

    def label_range(self, outputs: int) -> tuple[str, int, int] | None:
        """(what a target value is called, lowest, highest) valid for a model with
        `outputs` scores per position, or None when targets are not class indices."""
        return None

    def loss_bound(self, stats: TaskStats) -> float:
        """The loss below which a rung can count as memorized."""
        return self.loss_threshold

    # --- data ---------------------------------------------------------------------------
    def check_item(self, item: Any, index: int) -> None:
        """Items arrive as pairs (dict items were split by items.PairView). Inputs may be
        tensors of any dtype in any structure: integer tensors are ids."""
        if not isinstance(item, (tuple, list)) or len(item) != 2:
            raise SpecError(
                f"dataset item {index} is {type(item).__name__}, not a pair (x, y)",
                f"make __getitem__ return (input, target), or a dict with \"labels\", for "
                f"TASK={self.name!r}",
            )
        check_inputs(item[0], index)

    @property
    def target_pad(self) -> int:
        """What pads targets of different lengths: token-level targets are ignored there."""
        return IGNORE_INDEX if self.token_level_targets else 0

    def collate(self, items: Sequence[tuple[Any, Any]]) -> Batch:
        """Stack like default_collate; right-pad first dimensions that differ."""
        inputs, inputs_padded = collate_values([x for x, _ in items], 0, "inputs")
        targets, targets_padded = collate_values([y for _, y in items], self.target_pad,
                                                 "targets")
        return self.finish(Batch(inputs, targets, padded=inputs_padded or targets_padded))

    def stacked(self, items: Sequence[tuple[Any, Any]]) -> Batch | None:
        """All items as one batch when they stack without padding, else None: then every
        row is one item as it is (padding would make equal items differ)."""
        try:
            batch = self.collate(items)
        except (RuntimeError, ValueError, TypeError, SpecError):
            return None  # variable shapes, or items only the spec's own collate reads
        return batch if batch.input_lengths is None and not batch.padded else None

    def finish(self, batch: Batch) -> Batch:
        """The task's dtypes and conventions on a collated batch (ours or the user's)."""
        return batch

    # --- loss and metric ----------------------------------------------------------------
    def default_loss(self, outputs: Tensor, batch: Batch) -> Tensor:
        raise NotImplementedError

    def loss(self, outputs: Tensor, batch: Batch, user_loss: LossFn | None) -> Tensor:
        if user_loss is None:
            return self.default_loss(outputs, batch)
        return user_loss(outputs, batch.targets)

    def score(self, outputs: Tensor, batch: Batch) -> dict[str, float]:
        raise NotImplementedError

    def reference_counts(self, batches: Iterable[Batch]) -> dict[str, float]:
        """Counts that depend on the evaluated data alone (not the model), computed once
        per evaluation set and added to every evaluation's counts."""
        return {}

    def summarize(self, counts: dict[str, float], stats: TaskStats) -> dict[str, float]:
        """Metric values from summed counts; the first key is the headline metric."""
        raise NotImplementedError

    def memorized(self, loss: float, metrics: dict[str, float], stats: TaskStats) -> bool:
        raise NotImplementedError

    def untrained_loss(self, outputs: Tensor, batch: Batch, stats: TaskStats) -> float | None:
        """The loss a model that knows nothing should give (e.g. log C), or None."""
        return None



def as_tensor(value: Any) -> Tensor:
    return value if isinstance(value, Tensor) else torch.as_tensor(value)


def is_integer_label(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Integral):  # int and numpy integer scalars
        return True
    return isinstance(value, Tensor) and value.ndim == 0 and not value.is_floating_point() \
        and value.dtype != torch.bool



REFERENCE_ITEMS = 2048  # items read for dataset-level statistics (target variance)


class SampledItems(Sequence[Any]):
    """Up to `count` items spread evenly over a dataset, read only when accessed: a task
    whose prepare() needs nothing never reads an item."""

    def __init__(self, dataset: Sequence[Any], count: int = REFERENCE_ITEMS):
        length = len(dataset)
        self.dataset = dataset
        self.indices = (list(range(length)) if length <= count else
                        torch.linspace(0, length - 1, count).round().long().tolist())

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> Any:  # type: ignore[override]
        return self.dataset[self.indices[index]]
