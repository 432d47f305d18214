"""Activation statistics, one definition each, for the inspector and the diagnosis alike:
dead units, saturation and activation size per activation *site*.

A site is an activation module (nn.ReLU, nn.GELU, transformers' GELUActivation, ...; see
`hooks.activation_modules`), a tanh recurrent layer (LSTM/GRU/RNN outputs lie in (-1, 1)),
or a functional activation called inside a forward (`torch.relu(x)` in module `blocks.0`
is the site `blocks.0:relu`, see functional.py).

A unit is one feature channel: dim 1 of (B, C) and (B, C, H, W) outputs, the last dim of
(B, T, C) sequence outputs (`_unit_dim`).

- dead: a unit is dead when |a| <= _DEAD_EPS for every item and position the site saw in
  the measured forward passes; the statistic is the fraction of dead units.
- saturated: for bounded sites (sigmoid, tanh, hardtanh, recurrent layers) the fraction
  of values within _SATURATION_MARGIN of the range from a bound.
- act_mean: the mean |a| over every value.

`ActivationStats` gathers what these need with forward hooks (and the functional-op mode)
that exist only while armed, accumulating on the device without a host sync.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from ..engine.distributed import Distributed
from .functional import NOT_ACTIVATIONS, FunctionalOps, site_module
from .hooks import Hook, Hooks, activation_modules, first_tensor
from .quantities import Quantity, Schedule

__all__ = ["ActivationSize", "ActivationStats", "DeadUnits", "Saturation", "Site", "SiteStats",
           "activation_quantities"]

#: One threshold for "the unit passes nothing", used by the inspector and the diagnosis.
#: Not 0: GELU, SiLU, Mish and ELU never output an exact zero, and a unit whose every
#: output is below 1e-6 (GELU at x < -5.3, SiLU at x < -17) passes neither signal nor
#: gradient worth the name. Not larger: 1e-6 is below float32's resolution for activations
#: of order 1, so a live but small unit (|a| ~ 1e-3 after a bad init) is never called dead.
#: For ReLU it is the same as "== 0".
_DEAD_EPS = 1e-6
#: within 2% of the range from a bound counts as saturated (sigmoid > 0.98 or < 0.02)
_SATURATION_MARGIN = 0.02
_BOUNDS = {"sigmoid": (0.0, 1.0), "hardsigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0),
          "hardtanh": (-1.0, 1.0), "recurrent": (-1.0, 1.0)}
_MODULE_KINDS = {nn.Sigmoid: "sigmoid", nn.Hardsigmoid: "hardsigmoid", nn.Tanh: "tanh",
                nn.Hardtanh: "hardtanh", nn.RNNBase: "recurrent"}


def _unit_dim(ndim: int) -> int:
    """The dimension that indexes units (channels) for an output with `ndim` dims."""
    if ndim >= 4:
        return 1  # (B, C, H, W): conv channels
    if ndim == 3:
        return 2  # (B, T, C): transformers and RNNs, the common case in trainprobe
    return ndim - 1  # (B, C) -> 1; (C,) -> 0


def _unit_max(output: Tensor) -> Tensor:
    """Per unit, the largest |a| over every item and position: shape (C,)."""
    magnitude = output.detach().abs()
    dim = _unit_dim(magnitude.ndim)
    others = tuple(d for d in range(magnitude.ndim) if d != dim)
    return magnitude.amax(dim=others) if others else magnitude


def _near_bounds(output: Tensor, bounds: tuple[float, float]) -> Tensor:
    """How many values lie within _SATURATION_MARGIN of the range from a bound (0-d)."""
    low, high = bounds
    margin = _SATURATION_MARGIN * (high - low)
    values = output.detach()
    return ((values <= low + margin) | (values >= high - margin)).sum()


def _site_kind(module: nn.Module) -> str:
    kind = next((k for cls, k in _MODULE_KINDS.items() if isinstance(module, cls)), None)
    return kind or type(module).__name__.lower()


def _bounded_recurrent(model: nn.Module) -> dict[str, nn.Module]:
    """LSTM/GRU (and tanh RNN) outputs lie in (-1, 1): saturated gates show there."""
    return {name: m for name, m in model.named_modules() if isinstance(m, nn.RNNBase)
            and getattr(m, "nonlinearity", "tanh") == "tanh"}


@dataclass
class Site:
    """What one site saw while armed, kept on the device."""

    kind: str
    unit_max: dict[tuple[int, ...], Tensor] = field(default_factory=dict)  # by unit shape
    abs_sum: Tensor | None = None
    near: Tensor | None = None
    values: int = 0
    per_unit: int = 0  # observations of each unit (items x positions)

    @property
    def bounds(self) -> tuple[float, float] | None:
        return _BOUNDS.get(self.kind)

    def observe(self, output: Tensor) -> None:
        largest = _unit_max(output)
        key = tuple(largest.shape)
        previous = self.unit_max.get(key)
        self.unit_max[key] = largest if previous is None else torch.maximum(previous, largest)
        total = output.detach().abs().sum(dtype=torch.float32)
        self.abs_sum = total if self.abs_sum is None else self.abs_sum + total
        if self.bounds is not None:
            near = _near_bounds(output, self.bounds)
            self.near = near if self.near is None else self.near + near
        self.values += output.numel()
        self.per_unit += output.numel() // max(largest.numel(), 1)


def _merge_sites(sites: dict[str, Site], group: Distributed,
                device: torch.device) -> dict[str, Site]:
    """Under torchrun each rank sees its shard of the global batch: the sites of all ranks
    as one, what the global batch shows (largest |a| per unit: max; sums and counts: sum).
    A collective: every rank calls it at the same step, with the sites it saw (maybe none)."""
    layouts = group.gather({name: (site.kind, list(site.unit_max), site.values, site.per_unit)
                            for name, site in sites.items()})
    merged: dict[str, Site] = {}
    for layout in layouts:  # the same union, in the same order, on every rank
        for name, (kind, shapes, values, per_unit) in layout.items():
            site = merged.setdefault(name, Site(kind))
            for shape in shapes:
                site.unit_max.setdefault(shape, torch.zeros(shape, device=device))
            site.values += values
            site.per_unit += per_unit
    if not merged:
        return {}
    zero = torch.zeros((), dtype=torch.float64, device=device)
    maxima: list[Tensor] = []
    sums: list[Tensor] = []
    for name, site in merged.items():  # this rank's values, zeros where it saw nothing
        own = sites.get(name, Site(site.kind))
        maxima += [own.unit_max.get(shape, zeros).flatten()
                   for shape, zeros in site.unit_max.items()]
        sums += [zero if value is None else value.double() for value in (own.abs_sum, own.near)]
    flat_max = group.reduce_(torch.cat(maxima), "max")
    flat_sum = group.reduce_(torch.stack(sums), "sum")
    offset = 0
    for index, site in enumerate(merged.values()):
        for shape, zeros in site.unit_max.items():
            site.unit_max[shape] = flat_max[offset:offset + zeros.numel()].view(shape)
            offset += zeros.numel()
        site.abs_sum = flat_sum[2 * index].float()
        site.near = flat_sum[2 * index + 1] if site.bounds is not None else None
    return merged


# --- the quantities: each a key, and a compute over one site -----------------------------
class DeadUnits(Quantity):
    key = "dead"

    def compute(self, site: Site) -> Tensor | None:
        """None when each unit was seen once (one item): "dead for every item" says
        nothing then."""
        if site.per_unit < 2 or not site.unit_max:
            return None
        dead = sum((m <= _DEAD_EPS).sum() for m in site.unit_max.values())
        units = sum(m.numel() for m in site.unit_max.values())
        return dead.float() / units


class Saturation(Quantity):
    key = "saturated"

    def compute(self, site: Site) -> Tensor | None:
        if site.near is None or not site.values:
            return None
        return site.near.float() / site.values


class ActivationSize(Quantity):
    key = "act_mean"

    def compute(self, site: Site) -> Tensor | None:
        if site.abs_sum is None or not site.values:
            return None
        return site.abs_sum / site.values


def activation_quantities(schedule: int | Schedule = 1) -> tuple[Quantity, ...]:
    """Dead units, saturation and activation size, all on one schedule."""
    return DeadUnits(schedule), Saturation(schedule), ActivationSize(schedule)


@dataclass
class SiteStats:
    """One site's statistics as host numbers (the diagnosis reads these)."""

    layer: str  # the site: a module name, or "module:op" for a functional call
    kind: str
    dead: float | None = None
    saturated: float | None = None
    act_mean: float | None = None


class ActivationStats:
    """Forward hooks on the model's activation sites that accumulate, while armed, what
    DeadUnits, Saturation and ActivationSize need. Only training-mode forwards with
    gradients enabled count: an evaluation pass in between is not the measured step.

    functional=True also records functional activations (functional.py) through a pair
    of hooks on the root module, so only the model's own forward is seen.

    group: under torchrun, `collect` merges every rank's share (`_merge_sites`), so the
    statistics are those of the global batch; every rank must then arm and collect at the
    same steps (rank 0's Inspector, the others' `ActivationShare`).
    """

    def __init__(self, model: nn.Module, *, functional: bool = True,
                 quantities: tuple[Quantity, ...] | None = None,
                 group: Distributed | None = None):
        self.model = model
        self.group = group or Distributed()
        self.quantities = quantities or activation_quantities()
        self.modules = {**activation_modules(model), **_bounded_recurrent(model)}
        self.names = list(self.modules)  # known before any forward; functional sites add on
        self.functional = FunctionalOps(model, self._functional_call) if functional else None
        self.op_outputs: dict[int, tuple[str, str]] = {}  # grad_fn id -> (site, op)
        self.sites: dict[str, Site] = {}
        self._hooks: Hooks | None = None
        self._root_context: Any = None

    @property
    def armed(self) -> bool:
        return self._hooks is not None

    def arm(self) -> None:
        """Hooks on; accumulators cleared."""
        self.disarm()
        self.sites, self.op_outputs = {}, {}
        hooks = [Hook(module, self._make_hook(name, _site_kind(module)))
                 for name, module in self.modules.items()]
        if self.functional is not None:
            hooks.append(Hook(self.model, self._root_leave, pre=self._root_enter,
                              always_call=True))
        self._hooks = Hooks(hooks)

    def disarm(self) -> None:
        if self._hooks is not None:
            self._hooks.remove()
            self._hooks = None
        self._close_root()

    @contextmanager
    def recording(self) -> Iterator[ActivationStats]:
        """`with stats.recording(): model(x)`: armed for the block, removed in finally."""
        self.arm()
        try:
            yield self
        finally:
            self.disarm()

    @staticmethod
    def _counts(module: nn.Module) -> bool:
        return module.training and torch.is_grad_enabled()

    def _make_hook(self, name: str, kind: str):  # noqa: ANN202 - a torch hook signature
        def hook(module: nn.Module, inputs: tuple[Any, ...], output: Any) -> None:
            tensor = first_tensor(output)
            if tensor is not None and tensor.ndim > 0 and self._counts(module):
                self._observe(name, kind, tensor)

        return hook

    def _observe(self, name: str, kind: str, output: Tensor) -> None:
        site = self.sites.get(name)
        if site is None:
            site = self.sites[name] = Site(kind)
        site.observe(output)

    # --- functional ops: the mode is on only inside the root module's forward --------
    def _root_enter(self, module: nn.Module, inputs: Any) -> None:
        self._close_root()
        if self.functional is not None and self._counts(module):
            self._root_context = self.functional.active()
            self._root_context.__enter__()

    def _root_leave(self, module: nn.Module, inputs: Any, output: Any) -> None:
        self._close_root()

    def _close_root(self) -> None:
        context, self._root_context = self._root_context, None
        if context is not None:
            context.__exit__(None, None, None)

    def _functional_call(self, site: str, op: str, output: Tensor, drops: bool | None) -> None:
        if output.grad_fn is not None:
            self.op_outputs[id(output.grad_fn)] = (site, op)
        if op in NOT_ACTIVATIONS or site_module(site) in self.modules or output.ndim == 0:
            return  # nn.ReLU calls F.relu: its module hook already counts it
        if site not in self.names:
            self.names.append(site)
        self._observe(site, op, output)

    # --- results -------------------------------------------------------------------------
    def _device(self) -> torch.device:
        parameter = next(self.model.parameters(), None)
        return parameter.device if parameter is not None else torch.device("cpu")

    def wanted(self, step: int) -> bool:
        """Whether any of the quantities is scheduled at `step` (arm the hooks then)."""
        return any(q.schedule(step) for q in self.quantities)

    def collect(self, step: int | None = None) -> dict[str, dict[str, Tensor]]:
        """{quantity key: {site: 0-d tensor}} for every site that saw a counted forward
        (only the quantities scheduled at `step`, when given), without a host sync; then
        disarm and clear."""
        self.disarm()
        if self.group.enabled:
            self.sites = _merge_sites(self.sites, self.group, self._device())
            self.names += [name for name in self.sites if name not in self.names]
        due = [q for q in self.quantities if step is None or q.schedule(step)]
        values: dict[str, dict[str, Tensor]] = {q.key: {} for q in due}
        for name, site in self.sites.items():
            for quantity in due:
                value = quantity.compute(site)
                if value is not None:
                    values[quantity.key][name] = value
        self.sites = {}
        return values

    def summary(self) -> list[SiteStats]:
        """Host values per site, in site order (one sync per value: for the diagnosis)."""
        kinds = {name: site.kind for name, site in self.sites.items()}
        values = self.collect()
        return [SiteStats(name, kinds[name],
                          **{key: float(values[key][name]) if name in values[key] else None
                             for key in values})
                for name in self.names if name in kinds]
