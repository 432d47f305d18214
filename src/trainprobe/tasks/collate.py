"""Batching without a user collate: stack as `torch.utils.data.default_collate` does,
and right-pad tensors whose first dimension differs between items.

Inputs are padded with 0 (the id most vocabularies reserve for padding, and a zero
attention mask); token-level targets with IGNORE_INDEX, which every loss and metric of
trainprobe skips. A dict item's "labels" and a spec's `collate(items)` are handled in
items.py; this module only turns lists of values into tensors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import Tensor

from ..errors import SpecError
from .structure import key_text

__all__ = ["IGNORE_INDEX", "collate_values"]

IGNORE_INDEX = -100  # the Hugging Face / PyTorch cross_entropy convention


def collate_values(values: Sequence[Any], pad: float = 0, path: str = "inputs") -> tuple[Any, bool]:
    """(the values of one field across the items, collated; whether anything was padded)."""
    first = values[0]
    if isinstance(first, Mapping):
        padded = False
        result = {}
        for key in first:
            column = [_value_at(v, key, i, path) for i, v in enumerate(values)]
            result[key], was = collate_values(column, pad, f"{path}[{key_text(key)}]")
            padded |= was
        return result, padded
    if isinstance(first, (tuple, list)) and not _is_number_list(first):
        columns = list(zip(*values, strict=True)) if _same_lengths(values, path) else []
        parts = [collate_values(list(c), pad, f"{path}[{i}]") for i, c in enumerate(columns)]
        collated = [part for part, _ in parts]
        rebuilt = type(first)(*collated) if hasattr(first, "_fields") else type(first)(collated)
        return rebuilt, any(was for _, was in parts)
    tensors = [v if isinstance(v, Tensor) else torch.as_tensor(v) for v in values]
    if all(t.shape == tensors[0].shape for t in tensors):
        return torch.stack(tensors), False
    return _pad_first_dim(tensors, pad, path), True


def _is_number_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, (int, float)) for v in value)


def _value_at(item: Any, key: Any, index: int, path: str) -> Any:
    if not isinstance(item, Mapping) or key not in item:
        raise SpecError(f"item {index}: {path}[{key_text(key)}] is missing (item 0 has it)",
                        "return the same keys from every __getitem__ call")
    return item[key]


def _same_lengths(values: Sequence[Any], path: str) -> bool:
    for index, value in enumerate(values):
        if len(value) != len(values[0]):
            raise SpecError(f"item {index}: {path} has {len(value)} elements but item 0 has "
                            f"{len(values[0])}", "return the same structure from every item")
    return True


def _pad_first_dim(tensors: list[Tensor], pad: float, path: str) -> Tensor:
    """Right-pad the first dimension to the longest; other dimensions must agree."""
    rest = tensors[0].shape[1:]
    for index, tensor in enumerate(tensors):
        if tensor.ndim == 0 or tensor.shape[1:] != rest:
            raise SpecError(
                f"item {index}: {path} has shape {tuple(tensor.shape)} but item 0 has "
                f"{tuple(tensors[0].shape)}; only the first dimension may vary",
                "give every item the same shape past the first dimension, or define "
                "collate(items) in the spec")
    longest = max(t.shape[0] for t in tensors)
    out = tensors[0].new_full((len(tensors), longest, *rest), pad)
    for row, tensor in enumerate(tensors):
        out[row, : tensor.shape[0]] = tensor
    return out
