"""Inputs and outputs of any structure: the one place that knows how a batch's inputs
reach the model and how the model's outputs become the tensor the loss reads.

An input is a tensor, a tuple/list of inputs (called as `model(*inputs)`) or a dict of
inputs (called as `model(**inputs)`), nested at will. An output is a tensor, a tuple/list
(its first element counts) or a dict / Hugging Face `ModelOutput` (its `"logits"`).
Everything else in trainprobe that touches `Batch.inputs` goes through these functions,
so no check, rerun or instrument assumes one float tensor.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from torch import Tensor, nn

from ..errors import SpecError

__all__ = ["all_leaves", "batch_size_of", "call_model", "check_inputs", "first_tensor", "key_text",
           "map_tensors", "output_tensor", "tensor_leaves"]


def call_model(model: nn.Module | Callable[..., Any], inputs: Any) -> Any:
    """`model(x)`, `model(*inputs)` or `model(**inputs)`, by the structure of `inputs`."""
    args, kwargs = ((), dict(inputs)) if isinstance(inputs, Mapping) else \
        (tuple(inputs), {}) if isinstance(inputs, (tuple, list)) else ((inputs,), {})
    try:
        return model(*args, **kwargs)
    except TypeError as error:
        _check_signature(model, args, kwargs, error)
        raise


def _check_signature(model: Any, args: tuple[Any, ...], kwargs: dict[str, Any],
                    error: TypeError) -> None:
    """A TypeError because forward() cannot take these inputs becomes one line naming
    the inputs and the signature; any other TypeError is the user's own and re-raised."""
    forward = getattr(model, "forward", model)
    try:
        signature = inspect.signature(forward)
    except (TypeError, ValueError):
        return
    try:
        signature.bind(*args, **kwargs)
    except TypeError:
        given = (f"keys {', '.join(kwargs)}" if kwargs else f"{len(args)} positional input(s)")
        raise SpecError(f"{type(model).__name__}.forward{signature} does not accept the "
                        f"inputs ({given})",
                        "make the dict keys match forward's parameters (set TARGET_KEY if the "
                        "target is under another key), or return inputs forward accepts"
                        ) from error


def output_tensor(outputs: Any) -> Tensor:
    """The tensor the loss and the metric read: the output itself, the first element of a
    tuple/list, or the `logits` of a dict / Hugging Face ModelOutput."""
    if isinstance(outputs, Tensor):
        return outputs
    if isinstance(outputs, Mapping):  # ModelOutput is an OrderedDict
        logits = outputs.get("logits")
        if isinstance(logits, Tensor):
            return logits
        raise SpecError(
            f"the model returned a {type(outputs).__name__} without a 'logits' tensor "
            f"(keys: {', '.join(map(str, outputs.keys())) or 'none'})",
            "return the logits tensor, or a dict / ModelOutput holding it under 'logits'")
    if isinstance(outputs, (tuple, list)) and outputs:
        return output_tensor(outputs[0])
    raise SpecError(f"the model returned {type(outputs).__name__}, not a tensor",
                    "return the logits tensor from forward() (or a tuple/dict whose first "
                    "element / 'logits' is it)")


def map_tensors(fn: Callable[[Tensor], Any], inputs: Any) -> Any:
    """The same structure with `fn` applied to every tensor leaf (other leaves kept)."""
    if isinstance(inputs, Tensor):
        return fn(inputs)
    if isinstance(inputs, Mapping):
        return {key: map_tensors(fn, value) for key, value in inputs.items()}
    if isinstance(inputs, tuple) and hasattr(inputs, "_fields"):  # a namedtuple
        return type(inputs)(*(map_tensors(fn, value) for value in inputs))
    if isinstance(inputs, (tuple, list)):
        return type(inputs)(map_tensors(fn, value) for value in inputs)
    return inputs


def tensor_leaves(inputs: Any, path: str = "inputs") -> list[tuple[str, Tensor]]:
    """Every tensor leaf with a readable path: `inputs`, `inputs[1]`,
    `inputs["input_ids"]`, `inputs["pixels"][0]`; in structure order."""
    return [(where, leaf) for where, leaf in all_leaves(inputs, path) if isinstance(leaf, Tensor)]


def all_leaves(inputs: Any, path: str = "inputs") -> list[tuple[str, Any]]:
    """Every leaf (tensor or not) with its path, in the order map_tensors visits them."""
    if isinstance(inputs, Mapping):
        return [leaf for key, value in inputs.items()
                for leaf in all_leaves(value, f"{path}[{key_text(key)}]")]
    if isinstance(inputs, (tuple, list)) and not isinstance(inputs, Tensor):
        return [leaf for index, value in enumerate(inputs)
                for leaf in all_leaves(value, f"{path}[{index}]")]
    return [(path, inputs)]


#: tokenizer outputs that run along input_ids and must have its length
_TOKEN_ALIGNED = ("attention_mask", "token_type_ids", "position_ids", "special_tokens_mask")


def check_inputs(inputs: Any, index: int) -> None:
    """One item's inputs: every leaf a tensor; tokenizer fields as long as input_ids."""
    for path, leaf in all_leaves(inputs):
        if not isinstance(leaf, Tensor):
            raise SpecError(f"item {index}: {path} is {type(leaf).__name__}, not a torch.Tensor",
                            "return torch.tensor(...) inputs from __getitem__")
    if not isinstance(inputs, Mapping) or not isinstance(inputs.get("input_ids"), Tensor):
        return
    ids = inputs["input_ids"]
    for key in _TOKEN_ALIGNED:
        value = inputs.get(key)
        if isinstance(value, Tensor) and value.ndim and ids.ndim and \
                value.shape[0] != ids.shape[0]:
            raise SpecError(f'item {index}: inputs["{key}"] has length {value.shape[0]} but '
                            f'inputs["input_ids"] has {ids.shape[0]}',
                            "return the tokenizer's fields unchanged (same length per item)")


def key_text(key: Any) -> str:
    return f'"{key}"' if isinstance(key, str) else repr(key)


def batch_size_of(inputs: Any) -> int:
    """Items in a collated batch: the first dimension of its first tensor leaf."""
    leaves = tensor_leaves(inputs)
    if not leaves or leaves[0][1].ndim == 0:
        raise SpecError("a collated batch holds no tensor with a batch dimension",
                        "make collate return tensors of shape (N, ...)")
    return int(leaves[0][1].shape[0])


def first_tensor(inputs: Any) -> Tensor:
    """The first tensor leaf: the one whose length a ratio such as CTC's T'/T refers to."""
    leaves = tensor_leaves(inputs)
    if not leaves:
        raise SpecError("the inputs hold no tensor", "return tensors from __getitem__")
    return leaves[0][1]
