"""Fixes a confirmation experiment applies without editing the user's files: a model
transform (applied to each freshly built model), a dataset view, or a loss replacement.
They wrap the spec's factories, so the rung trains through the ladder as usual."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor, nn

from ..spec import Spec
from ..tasks.structure import call_model, map_tensors, output_tensor, tensor_leaves

__all__ = ["Mapped", "ModelFix", "add_log_softmax", "match_target_shape", "no_dropout",
           "no_label_smoothing", "remove_output_activation", "reset_parameters",
           "standardized_inputs", "standardized_targets", "unfreeze", "with_loss_fix",
           "with_model_fix"]

ModelFix = Callable[[nn.Module], nn.Module]

# inverses that turn a squashed output back into logits the loss can use
_INVERSES: dict[str, Callable[[Tensor], Tensor]] = {
    "softmax": lambda p: p.clamp_min(1e-12).log(),
    "sigmoid": lambda p: torch.logit(p, eps=1e-6),
    "tanh": lambda t: torch.atanh(t.clamp(-1 + 1e-6, 1 - 1e-6)),
}


class _Fixed(nn.Module):
    """`on_output(model(on_inputs(inputs)))`: a fix on either side of the user's model,
    which keeps its own output_lengths() rule for CTC. The inputs are rebuilt as the batch
    held them (call_model passed a dict as keywords, a tuple as positional arguments)."""

    def __init__(self, inner: nn.Module, *, on_inputs: Callable[[Any], Any] | None = None,
                 on_output: Callable[[Tensor], Tensor] | None = None):
        super().__init__()
        self.inner = inner
        self.on_inputs, self.on_output = on_inputs, on_output
        if callable(getattr(inner, "output_lengths", None)):
            self.output_lengths = inner.output_lengths

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        if self.on_inputs is None:
            outputs = self.inner(*args, **kwargs)
        else:
            inputs = kwargs if kwargs else args[0] if len(args) == 1 else args
            outputs = call_model(self.inner, self.on_inputs(inputs))
        return outputs if self.on_output is None else self.on_output(output_tensor(outputs))


def with_model_fix(spec: Spec, fix: ModelFix) -> Spec:
    """A copy of the spec whose build_model applies `fix` to every model it builds."""
    original = spec.model_factory

    @functools.wraps(original)  # keeps the signature, so the same hints are passed
    def build(**hints: Any) -> nn.Module:
        return fix(original(**hints))

    return spec.replaced(model_factory=build)


def with_loss_fix(spec: Spec, fix: Callable[[Any], Any]) -> Spec:
    if spec.loss_factory is None:
        return spec
    factory = spec.loss_factory
    return spec.replaced(loss_factory=lambda: fix(factory()))


def remove_output_activation(module_name: str | None, op: str) -> ModelFix | None:
    """Replace the module that applied `op` with Identity; for a functional op, undo it
    with its inverse. None when it cannot be undone (ReLU)."""
    def fix(model: nn.Module) -> nn.Module:
        if module_name and _replace_module(model, module_name, nn.Identity()):
            return model
        return _Fixed(model, on_output=_INVERSES[op])

    if not module_name and op not in _INVERSES:
        return None
    return fix


def _replace_module(model: nn.Module, name: str, new: nn.Module) -> bool:
    parent_name, _, child = name.rpartition(".")
    try:
        parent = model.get_submodule(parent_name) if parent_name else model
    except AttributeError:
        return False
    if not hasattr(parent, child):
        return False
    setattr(parent, child, new)
    return True


def add_log_softmax(model: nn.Module) -> nn.Module:
    return _Fixed(model, on_output=lambda out: out.log_softmax(-1))


def match_target_shape(item_shape: tuple[int, ...]) -> ModelFix:
    def fix(model: nn.Module) -> nn.Module:
        return _Fixed(model, on_output=lambda out: out.reshape(out.shape[0], *item_shape))
    return fix


def reset_parameters(model: nn.Module) -> nn.Module:
    """PyTorch's default init for every layer that has one."""
    for module in model.modules():
        reset = getattr(module, "reset_parameters", None)
        if callable(reset):
            reset()
    return model


def unfreeze(model: nn.Module) -> nn.Module:
    for parameter in model.parameters():
        parameter.requires_grad_(True)
    return model


def no_dropout(model: nn.Module) -> nn.Module:
    for module in model.modules():
        if isinstance(module, nn.modules.dropout._DropoutNd):
            module.p = 0.0
    return model


def no_label_smoothing(loss: Any) -> Any:
    if hasattr(loss, "label_smoothing"):
        loss = copy.copy(loss)
        loss.label_smoothing = 0.0
    return loss


class Mapped(torch.utils.data.Dataset):
    """A dataset view with inputs and/or targets transformed item by item."""

    def __init__(self, data: Sequence[Any], x_fn: Callable[[Tensor], Tensor] | None = None,
                 y_fn: Callable[[Any], Any] | None = None):
        self.data, self.x_fn, self.y_fn = data, x_fn, y_fn

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        x, y = self.data[index]
        return (self.x_fn(x) if self.x_fn else x, self.y_fn(y) if self.y_fn else y)


def standardized_inputs(values: dict[str, Tensor]) -> ModelFix:
    """A model fix: each floating input tensor, by its path in the input structure,
    standardized per feature (last dim) with the statistics of `values[path]` before the
    model sees it; other leaves (integer ids, masks) pass unchanged. On the model, not on
    the items: with the spec's own collate the items are not tensors until it has run."""
    scales = {path: (v.mean(0), v.std(0, unbiased=False).clamp_min(1e-8))
              for path, v in values.items()}

    def standardize(x: Any) -> Any:
        paths = iter([path for path, _ in tensor_leaves(x)])

        def leaf(t: Tensor) -> Tensor:
            path = next(paths)
            if path not in scales or not t.is_floating_point():
                return t
            mean, std = scales[path]
            return (t - mean.to(t.device)) / std.to(t.device)
        return map_tensors(leaf, x)

    return lambda model: _Fixed(model, on_inputs=standardize)


def standardized_targets(data: Sequence[Any], mean: float, std: float) -> Mapped:
    return Mapped(data, y_fn=lambda y: (y - mean) / std)
