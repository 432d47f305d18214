"""Activation statistics for the inspector: per activation layer, the fraction of dead
units and the mean |activation|, gathered by forward hooks that exist only on the steps
that are measured (a hook on every step would cost time for nothing).

A unit is one feature channel: dim 1 of (B, C) and (B, C, H, W) outputs, the last dim of
(B, T, C) sequence outputs. It is dead when its output is zero (|a| <= DEAD_EPS) for
every item and position the layer saw during the measured step.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor, nn

from .hooks import Hook, Hooks, first_tensor

DEAD_EPS = 1e-6


def unit_dim(ndim: int) -> int:
    """The dimension that indexes units (channels) for an output with `ndim` dims."""
    if ndim >= 4:
        return 1
    if ndim == 3:
        return 2  # (B, T, C): transformers and RNNs, the common case in trainprobe
    return ndim - 1  # (B, C) -> 1; (C,) -> 0


class ActivationStats:
    """Forward hooks on activation modules that accumulate, while armed, per-unit max |a|
    and the sum of |a| on the device; `collect()` turns them into 0-d tensors without a
    host sync and removes the hooks."""

    def __init__(self, modules: dict[str, nn.Module]):
        self.modules = modules
        self.names = list(modules)
        self._hooks: Hooks | None = None
        # name -> {unit shape -> per-unit max}, name -> [sum |a|, element count]
        self._unit_max: dict[str, dict[tuple[int, ...], Tensor]] = {}
        self._sums: dict[str, list[Any]] = {}

    @property
    def armed(self) -> bool:
        return self._hooks is not None

    def arm(self) -> None:
        self.disarm()
        self._unit_max = {name: {} for name in self.names}
        self._sums = {}
        self._hooks = Hooks(Hook(module, self._make_hook(name))
                            for name, module in self.modules.items())

    def disarm(self) -> None:
        if self._hooks is not None:
            self._hooks.remove()
            self._hooks = None

    def _make_hook(self, name: str):  # noqa: ANN202 - a torch hook signature
        def hook(module: nn.Module, inputs: tuple[Any, ...], output: Any) -> None:
            # only training forwards: an evaluation pass in between is not the step
            if not module.training or not torch.is_grad_enabled():
                return
            tensor = first_tensor(output)
            if tensor is None or tensor.ndim == 0:
                return
            self._observe(name, tensor.detach())

        return hook

    def _observe(self, name: str, output: Tensor) -> None:
        magnitude = output.abs()
        dim = unit_dim(magnitude.ndim)
        others = tuple(d for d in range(magnitude.ndim) if d != dim)
        unit_max = magnitude.amax(dim=others) if others else magnitude
        per_shape = self._unit_max[name]
        key = tuple(unit_max.shape)
        previous = per_shape.get(key)
        per_shape[key] = unit_max if previous is None else torch.maximum(previous, unit_max)
        total = magnitude.sum(dtype=torch.float32)
        acc = self._sums.get(name)
        if acc is None:
            self._sums[name] = [total, magnitude.numel()]
        else:
            acc[0] = acc[0] + total
            acc[1] += magnitude.numel()

    def collect(self) -> dict[str, Tensor]:
        """{"dead/<layer>": 0-d tensor, "act_mean/<layer>": 0-d tensor} for every layer
        that saw a training forward while armed; then disarm."""
        self.disarm()
        values: dict[str, Tensor] = {}
        for name in self.names:
            per_shape = self._unit_max.get(name) or {}
            if not per_shape:
                continue
            dead = sum((m <= DEAD_EPS).sum() for m in per_shape.values())
            units = sum(m.numel() for m in per_shape.values())
            values[f"dead/{name}"] = dead.float() / units
        for name in self.names:
            if name in self._sums:
                total, count = self._sums[name]
                values[f"act_mean/{name}"] = total / max(count, 1)
        self._unit_max, self._sums = {}, {}
        return values
