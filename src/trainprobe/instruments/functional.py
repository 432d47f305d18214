"""Seeing functional ops: `torch.relu(x)`, `F.gelu(x)`, `x.sigmoid()`, `F.dropout(x, p)`,
`torch.softmax(x, -1)` called inside a `forward` leave no module to hook, so dead units
behind a `torch.relu` and a final `torch.sigmoid` were invisible to the statistics and to
the output-op check. A `TorchFunctionMode` sees every torch call; a pair of global module
hooks keeps the stack of the model's modules whose `forward` is running, so each call is
reported with the module it ran in (`where`).

Both exist only while a measured forward runs (`FunctionalOps.active()`), never on the
other steps: the mode routes every torch call through Python and would cost time for
nothing there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from torch import Tensor, nn
from torch.nn.modules import module as module_hooks
from torch.overrides import TorchFunctionMode

__all__ = ["NOT_ACTIVATIONS", "FunctionalOps", "OnCall", "site_module"]

#: function name (torch.relu, F.relu, Tensor.relu and their in-place forms) -> op
_OPS = {"relu": "relu", "relu_": "relu", "relu6": "relu6", "gelu": "gelu", "silu": "silu",
       "mish": "mish", "leaky_relu": "leaky_relu", "leaky_relu_": "leaky_relu", "elu": "elu",
       "elu_": "elu", "selu": "selu", "celu": "celu", "softplus": "softplus",
       "hardswish": "hardswish", "sigmoid": "sigmoid", "sigmoid_": "sigmoid",
       "hardsigmoid": "hardsigmoid", "tanh": "tanh", "tanh_": "tanh", "hardtanh": "hardtanh",
       "hardtanh_": "hardtanh", "softmax": "softmax", "log_softmax": "log_softmax",
       "dropout": "dropout", "dropout_": "dropout", "dropout1d": "dropout",
       "dropout2d": "dropout", "dropout3d": "dropout", "alpha_dropout": "dropout",
       "feature_alpha_dropout": "dropout"}
#: ops that change no unit's sign or range class: skipped for the activation statistics
NOT_ACTIVATIONS = ("softmax", "log_softmax", "dropout")

#: called as on_call(where, op, output, training_flag) for every op in _OPS
OnCall = Callable[[str, str, Tensor, "bool | None"], None]


class _Mode(TorchFunctionMode):
    def __init__(self, on_call: Callable[[Any, tuple, dict, Any], None]):
        super().__init__()
        self.on_call = on_call

    def __torch_function__(self, func, types, args=(), kwargs=None):  # noqa: ANN001, ANN204
        kwargs = kwargs or {}
        result = func(*args, **kwargs)  # the mode is off inside: nested calls are not seen
        if getattr(func, "__name__", None) in _OPS:
            self.on_call(func, args, kwargs, result)
        return result


class FunctionalOps:
    """Report the functional ops of one model's forward, with the module they ran in.

    `names` maps the model's modules to their names; the root is reported as "(root)".
    A call of the same op twice in one forward of one module gets `#2`, `#3`, ... so two
    ReLUs in one `forward` are two sites.
    """

    def __init__(self, model: nn.Module, on_call: OnCall):
        self.names = {id(m): (name or "(root)") for name, m in model.named_modules()}
        self.on_call = on_call
        self._stack: list[tuple[str, dict[str, int]]] = []

    @contextmanager
    def active(self) -> Iterator[None]:
        """Record while the block runs: one forward pass of the model, entered from its
        forward pre-hook (so the root's own global pre-hook has already run: the root is
        the stack's base)."""
        self._stack = [("(root)", {})]
        pre = module_hooks.register_module_forward_pre_hook(self._enter)
        post = module_hooks.register_module_forward_hook(self._leave, always_call=True)
        try:
            with _Mode(self._call):
                yield
        finally:
            pre.remove()
            post.remove()
            self._stack = []

    def _enter(self, module: nn.Module, inputs: Any) -> None:
        name = self.names.get(id(module))
        if name is not None:
            self._stack.append((name, {}))

    def _leave(self, module: nn.Module, inputs: Any, output: Any) -> None:
        name = self.names.get(id(module))
        if name is not None and self._stack and self._stack[-1][0] == name:
            self._stack.pop()

    def _call(self, func: Any, args: tuple, kwargs: dict, result: Any) -> None:
        if not isinstance(result, Tensor) or not self._stack:
            return
        where, counts = self._stack[-1]
        op = _OPS[func.__name__]
        counts[op] = counts.get(op, 0) + 1
        site = f"{where}:{op}" if counts[op] == 1 else f"{where}:{op}#{counts[op]}"
        self.on_call(site, op, result, _training_flag(op, args, kwargs))


def _training_flag(op: str, args: tuple, kwargs: dict) -> bool | None:
    """For dropout: whether the call drops (F.dropout's `training`, default True)."""
    if op != "dropout":
        return None
    if "training" in kwargs:
        return bool(kwargs["training"])
    return bool(args[2]) if len(args) > 2 else True


def site_module(site: str) -> str:
    """The module part of a site name: 'blocks.0:relu#2' -> 'blocks.0'."""
    return site.split(":", 1)[0]
