"""Forward hooks as objects: each owns one handle, is a context manager, and removal is
idempotent, so a hook can never outlive the measurement that added it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from torch import Tensor, nn

__all__ = ["ACTIVATIONS", "Hook", "HookFn", "Hooks", "activation_modules", "first_tensor", "hooked",
           "parameter_layers"]

HookFn = Callable[[nn.Module, tuple[Any, ...], Any], None]


class Hook:
    """A forward hook on one module. `Hook(module, fn)` registers; `.remove()` (or leaving
    the `with` block) unregisters, any number of times. `pre` adds a forward pre-hook
    removed with it; `always_call` runs `fn` also when the forward raises."""

    def __init__(self, module: nn.Module, fn: HookFn, *,
                 pre: Callable[[nn.Module, tuple[Any, ...]], None] | None = None,
                 always_call: bool = False):
        self.module = module
        self._pre: Any = module.register_forward_pre_hook(pre) if pre is not None else None
        self._handle: Any = module.register_forward_hook(fn, always_call=always_call)

    def remove(self) -> None:
        if self._handle is not None:
            self._handle.remove()
            self._handle = None
        if self._pre is not None:
            self._pre.remove()
            self._pre = None

    @property
    def active(self) -> bool:
        return self._handle is not None

    def __enter__(self) -> Hook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


class Hooks:
    """Several hooks removed together."""

    def __init__(self, hooks: Iterable[Hook]):
        self.hooks = list(hooks)

    def remove(self) -> None:
        for hook in self.hooks:
            hook.remove()

    def __enter__(self) -> Hooks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


@contextmanager
def hooked(modules: dict[str, nn.Module], make_fn: Callable[[str], HookFn]) -> Iterator[Hooks]:
    """`with hooked({name: module}, lambda name: fn) as hooks:` registers one hook per
    module and removes them all in `finally`, even if the forward pass raises."""
    hooks = Hooks(Hook(module, make_fn(name)) for name, module in modules.items())
    try:
        yield hooks
    finally:
        hooks.remove()


def first_tensor(output: Any) -> Tensor | None:
    """The tensor a module produced (the first one, for modules returning tuples)."""
    if isinstance(output, Tensor):
        return output
    if isinstance(output, (tuple, list)):
        return next((o for o in output if isinstance(o, Tensor)), None)
    return None


ACTIVATIONS = (nn.ReLU, nn.LeakyReLU, nn.ReLU6, nn.ELU, nn.SELU, nn.CELU, nn.GELU, nn.SiLU,
               nn.Mish, nn.Hardswish, nn.Tanh, nn.Sigmoid, nn.Hardsigmoid, nn.Softplus,
               nn.Hardtanh, nn.PReLU, nn.RReLU)
#: activation classes of libraries, by module and class name, so that none is imported:
#: transformers' GELUActivation, NewGELUActivation, GELUTanh, QuickGELUActivation,
#: SiLUActivation, MishActivation, ... and timm's GELU/Swish/... live in `*.activations`
_LIBRARY_ACTIVATION_MODULES = ("transformers.activations", "timm.layers.activations",
                              "timm.models.layers.activations")
_NOT_ACTIVATION_NAMES = ("LinearActivation", "Identity")


def _is_activation(module: nn.Module) -> bool:
    """A torch activation class, or a parameter-free leaf class from a library's
    activations module (an identity "activation" is not one)."""
    if isinstance(module, ACTIVATIONS):
        return True
    cls = type(module)
    return (cls.__module__.startswith(_LIBRARY_ACTIVATION_MODULES)
            and cls.__name__ not in _NOT_ACTIVATION_NAMES and not list(module.children()))


def activation_modules(model: nn.Module) -> dict[str, nn.Module]:
    """Named activation layers, the places where units can die or saturate."""
    return {name: m for name, m in model.named_modules() if _is_activation(m)}


def parameter_layers(model: nn.Module) -> dict[str, list[tuple[str, nn.Parameter]]]:
    """Parameters grouped by the module that owns them ("layer"), in model order."""
    layers: dict[str, list[tuple[str, nn.Parameter]]] = {}
    for name, parameter in model.named_parameters():
        layer = name.rsplit(".", 1)[0] if "." in name else "(root)"
        layers.setdefault(layer, []).append((name, parameter))
    return layers
