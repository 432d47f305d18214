"""Deterministic batches: epoch e's order is a permutation seeded by (seed, e), so a
resumed run sees exactly the batches an uninterrupted one would."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch

from ..errors import SpecError, UserCodeError
from ..tasks import Batch, Task
from ..tasks.structure import map_tensors

__all__ = ["BatchStream"]

_CACHE_LIMIT = 50_000  # items kept in memory after the first read (no augmentation)


class BatchStream:
    """An endless stream of collated batches over `dataset`.

    Items are read once and cached when the dataset is small and there is no
    augmentation; when the task stacks fixed-shape items, the whole set is collated once
    and batches are index_select-ed from it (the cheap path a hand-written loop uses).
    """

    def __init__(self, dataset: Sequence[Any], task: Task, batch_size: int, seed: int,
                 shuffle: bool = True, augment: Callable[[Any], Any] | None = None,
                 collate: Callable[[list[Any]], Batch] | None = None):
        self.dataset = dataset
        self.task = task
        self.collate_items = collate or task.collate
        self.batch_size = min(batch_size, len(dataset))
        self.seed = seed
        self.shuffle = shuffle
        self.augment = augment
        self.epoch = 0
        self.position = 0  # batches already taken from the current epoch
        self._items: list[Any] | None = None
        self._stacked: Batch | None = None
        if augment is None and len(dataset) <= _CACHE_LIMIT:
            self._items = [_read_item(dataset, i) for i in range(len(dataset))]
            self._stacked = self._try_stack(self._items)
            if self._stacked is not None:
                self._items = None  # the stacked copy serves every batch
        self._order: tuple[int, torch.Tensor] | None = None  # (epoch, its permutation)

    @property
    def batches_per_epoch(self) -> int:
        return -(-len(self.dataset) // self.batch_size)

    def order(self, epoch: int) -> torch.Tensor:
        if not self.shuffle:
            return torch.arange(len(self.dataset))
        generator = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
        return torch.randperm(len(self.dataset), generator=generator)

    def __iter__(self) -> Iterator[Batch]:
        return self

    def __next__(self) -> Batch:
        if self.position >= self.batches_per_epoch:
            self.epoch += 1
            self.position = 0
        if self.batches_per_epoch == 1 and self._stacked is not None:
            # full batch: the order of items within it does not change the gradient
            self.position += 1
            return self._stacked
        start = self.position * self.batch_size
        if self._order is None or self._order[0] != self.epoch:
            self._order = (self.epoch, self.order(self.epoch))  # once per epoch, not per batch
        indices = self._order[1][start:start + self.batch_size]
        self.position += 1
        return self.collate(indices)

    def collate(self, indices: torch.Tensor, augment: bool = True) -> Batch:
        if self._stacked is not None:
            return _select(self._stacked, indices)
        items = [self.item(int(i), augment) for i in indices]
        return self.collate_items(items)

    def item(self, index: int, augment: bool = True) -> Any:
        item = self._items[index] if self._items is not None else _read_item(self.dataset, index)
        if augment and self.augment is not None:
            x, y = item
            item = (self.augment(x), y)
        return item

    def all_batches(self) -> Iterator[Batch]:
        """One pass in dataset order, for evaluation: never augmented."""
        for start in range(0, len(self.dataset), self.batch_size):
            stop = min(start + self.batch_size, len(self.dataset))
            yield self.collate(torch.arange(start, stop), augment=False)

    def _try_stack(self, items: list[Any]) -> Batch | None:
        """The whole set as one batch, when items stack without padding."""
        if self.collate_items != self.task.collate:
            return None  # a user's collate may do anything per batch
        return self.task.stacked(items)  # else variable shapes: collate per batch instead

    def state_dict(self) -> dict[str, int]:
        return {"epoch": self.epoch, "position": self.position}

    def load_state_dict(self, state: dict[str, int]) -> None:
        self.epoch, self.position = state["epoch"], state["position"]


def _select(batch: Batch, indices: torch.Tensor) -> Batch:
    return Batch(map_tensors(lambda t: t[indices], batch.inputs), batch.targets[indices])


def _read_item(dataset: Sequence[Any], index: int) -> Any:
    try:
        return dataset[index]
    except SpecError:  # a dict item without its target (PairView)
        raise
    except Exception as error:
        raise UserCodeError(f"dataset[{index}]", error) from error
