"""The data checks' sample of training items, as the model sees each of them.

Without a collate of the spec's own, an item is what the dataset returns: tensors already
(the task's collate only stacks and pads them), so the checks read the items as they are.
With `collate(items)` (the spec's, or a DataLoader's collate_fn) the items may be anything
that collate accepts: text, lists of floats, class names. Each sampled item is then
collated on its own and its batch dimension dropped, so NaN, label range, scale and
identical-input checks read the tensors and labels training really uses. One item alone
is never padded against a longer one, so batch padding counts in no check; -100 labels
are left out by the checks themselves.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from ..errors import TrainprobeError
from ..overfit.ladder import rung_subset
from ..spec import Spec
from ..tasks import Batch
from ..tasks.structure import map_tensors, tensor_leaves

__all__ = ["DataSample", "data_sample"]

#: the checks that read single items, named in the note when they cannot run
_ITEM_CHECKS = ("NONFINITE", "LABEL_OUT_OF_RANGE", "INPUT_SCALE", "TARGET_SCALE",
                "CONSTANT_INPUT", "CONFLICTING_LABELS")


@dataclass
class DataSample:
    """A seeded sample of training items: `raw` as the dataset returns them; `items` as
    `(inputs, target)` tensors the model sees (None when the spec's collate cannot
    collate one item alone; `problem` then says why)."""

    indices: list[int]
    raw: list[Any]
    items: list[Any] | None
    problem: str | None = None
    collated: bool = False  # items went through the spec's own collate one by one

    @property
    def note(self) -> str | None:
        """What the diagnosis prints when the single-item checks could not run."""
        if self.problem is None:
            return None
        return f"single-item data checks ({', '.join(_ITEM_CHECKS)}) skipped: {self.problem}"


def data_sample(spec: Spec, train_data: Sequence[Any], limit: int, seed: int) -> DataSample:
    """The first `limit` items of the ladder's seeded order (rung n's items come first)."""
    subset = rung_subset(train_data, min(limit, len(train_data)), seed)
    indices = list(subset.indices)
    raw = [train_data[i] for i in indices]
    if spec.user_collate() is None:
        return DataSample(indices, raw, raw)
    items = []
    with _kept_random_state():  # a collate that draws (masking) must not shift later checks
        for index, item in zip(indices, raw):
            seen, problem = _collated_alone(spec, item, index)
            if problem is not None:
                return DataSample(indices, raw, None, problem, collated=True)
            items.append(seen)
    return DataSample(indices, raw, items, collated=True)


def _collated_alone(spec: Spec, item: Any, index: int) -> tuple[Any, str | None]:
    """`(inputs, target)` of one item through the spec's collate, batch dimension dropped;
    or the reason it cannot be had. A collate that raises on one item is the user's
    business (rung 1 will show it), never a crash of the diagnosis."""
    try:
        batch = spec.collate_items([item])
    except TrainprobeError as error:  # UserCodeError, or SpecError for a bad return value
        return None, f"train_dataset[{index}] collated alone: {error.problem}"
    except Exception as error:  # noqa: BLE001 - trainprobe's finish() on the user's value
        return None, (f"train_dataset[{index}] collated alone: {type(error).__name__}: "
                      f"{error}")
    problem = _not_one_item(batch)
    if problem is not None:
        return None, f"collate([train_dataset[{index}]]) returned {problem}, not a batch of one"
    return (map_tensors(_first_row, batch.inputs), batch.targets[0]), None


def _not_one_item(batch: Batch) -> str | None:
    """Why `batch` is not one item with a leading batch dimension (e.g. a squeeze())."""
    targets, leaves = batch.targets, tensor_leaves(batch.inputs)
    if not isinstance(targets, Tensor) or targets.ndim == 0 or targets.shape[0] != 1:
        shape = tuple(targets.shape) if isinstance(targets, Tensor) else type(targets).__name__
        return f"targets of shape {shape}"
    if not leaves or leaves[0][1].ndim == 0 or leaves[0][1].shape[0] != 1:
        return "inputs without a batch dimension of 1" if leaves else "inputs without tensors"
    return None


def _first_row(value: Tensor) -> Tensor:
    return value[0] if value.ndim and value.shape[0] == 1 else value


@contextmanager
def _kept_random_state() -> Iterator[None]:
    """torch's and Python's global random state, restored on exit."""
    torch_state, python_state = torch.random.get_rng_state(), random.getstate()
    try:
        yield
    finally:
        torch.random.set_rng_state(torch_state)
        random.setstate(python_state)
