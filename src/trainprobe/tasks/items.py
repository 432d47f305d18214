"""The item forms a spec may use, reduced to the one trainprobe works with.

A dataset item is a pair `(inputs, target)` or a dict whose target sits under
TARGET_KEY ("labels", the Hugging Face convention) and whose other keys are the inputs.
PairView shows dict items as pairs, so tasks, checks and confirmation reruns see one
form; a spec's own `collate(items)` still receives the items in the user's form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from torch.utils.data import DataLoader, Dataset, default_collate

from ..errors import SpecError
from .base import Batch, Task

__all__ = ["DEFAULT_TARGET_KEY", "PairView", "as_user_item", "batch_from_collated", "is_dict_item",
           "loader_parts"]

DEFAULT_TARGET_KEY = "labels"


class PairView(Dataset):
    """`dataset[i]` as `(inputs, target)`: a dict item is split at `target_key`; a pair
    passes unchanged."""

    def __init__(self, data: Sequence[Any], target_key: str = DEFAULT_TARGET_KEY):
        self.data = data
        self.target_key = target_key

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> Any:
        return _as_pair(self.data[index], index, self.target_key)


def _as_pair(item: Any, index: int, target_key: str) -> Any:
    if not isinstance(item, Mapping):
        return item
    if target_key not in item:
        keys = ", ".join(map(str, item)) or "none"
        raise SpecError(f'item {index}: "{target_key}" missing from the dict (keys: {keys}); '
                        "set TARGET_KEY",
                        f'put the target under "{target_key}", or name its key with '
                        'TARGET_KEY = "..." in the spec')
    return {k: v for k, v in item.items() if k != target_key}, item[target_key]


def as_user_item(pair: Any, target_key: str) -> dict[str, Any]:
    """The dict item a pair came from, for a collate written against dict items."""
    inputs, target = pair
    return {**inputs, target_key: target}


def is_dict_item(item: Any) -> bool:
    return isinstance(item, Mapping)


def batch_from_collated(result: Any, target_key: str, task: Task) -> Batch:
    """A user collate's return value as a Batch: `(inputs, targets)` or a dict holding the
    targets under target_key (the other keys are the inputs)."""
    if isinstance(result, Mapping):
        if target_key not in result:
            keys = ", ".join(map(str, result)) or "none"
            raise SpecError(f'collate() returned a dict without "{target_key}" (keys: {keys})',
                            f'return (inputs, targets), or a dict with the targets under '
                            f'"{target_key}" (TARGET_KEY)')
        inputs = {k: v for k, v in result.items() if k != target_key}
        return task.finish(Batch(inputs, result[target_key]))
    if isinstance(result, (tuple, list)) and len(result) == 2:
        return task.finish(Batch(result[0], result[1]))
    raise SpecError(f"collate() returned {type(result).__name__}, not (inputs, targets)",
                    f'return (inputs, targets) or a dict with "{target_key}"')


def loader_parts(value: Any) -> tuple[Any, Callable[[list[Any]], Any] | None]:
    """A DataLoader from build_data(): its dataset, and its collate_fn unless it is
    PyTorch's default (the ladder keeps its own subsets and batch sizes)."""
    if not isinstance(value, DataLoader):
        return value, None
    collate = value.collate_fn
    return value.dataset, None if collate is default_collate else collate
