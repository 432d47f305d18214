"""Differential experiments on one batch: change one thing about the inputs, run the
model again, and measure how much the outputs (or the loss) moved.

These are the measurements behind the silent-bug codes (silent.py judges them): bugs that
do not stop memorization, so the ladder alone passes them. Every experiment runs in eval
mode (dropout off, BatchNorm on its running statistics, which `settle_batchnorm` first
sets to this batch's statistics), without gradients unless it measures gradients, on the
one-batch pass's model and batch. Inputs may be any structure (structure.py): integer
leaves (token ids) are only ever swapped for other ids seen in the batch, never noised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import torch
from torch import Tensor, nn

from ..engine.forward import forward
from ..instruments.functional import FunctionalOps
from ..tasks import Batch
from ..tasks.lm import token_ids
from ..tasks.structure import batch_size_of, map_tensors, tensor_leaves

__all__ = ["Measurement", "batch_mixing", "causal_leak", "eval_loss", "eval_repeat",
           "input_dependence", "not_applicable", "reduction_ratio", "settle_batchnorm"]

_TINY = 1e-12


@dataclass
class Measurement:
    """One experiment's numbers; `applicable` is False (with `why`) when it could not run."""

    value: float | None = None
    applicable: bool = True
    why: str = ""
    extra: dict[str, Any] | None = None


def not_applicable(why: str) -> Measurement:
    return Measurement(applicable=False, why=why)


def _relative_change(before: Tensor, after: Tensor) -> float:
    """max |after - before| over the finite entries, relative to the mean |before|: 0 for
    an exact repeat, ~1e-7 for float noise, ~0.1-1 for a real dependence."""
    before, after = before.detach().float(), after.detach().float()
    finite = torch.isfinite(before) & torch.isfinite(after)
    if not bool(finite.any()):
        return 0.0
    scale = float(before[finite].abs().mean()) + _TINY
    return float((after - before)[finite].abs().max()) / scale


def _select(batch: Batch, index: Tensor) -> Batch:
    """The batch's items in the order `index` (repeats allowed), every structure leaf
    indexed along its batch dimension."""
    size = len(batch)

    def pick(t: Tensor | None) -> Tensor | None:
        if t is None or t.ndim == 0 or t.shape[0] != size:
            return t
        return t[index.to(t.device)]

    return replace(batch, inputs=map_tensors(pick, batch.inputs), targets=pick(batch.targets),
                   input_lengths=pick(batch.input_lengths),
                   target_lengths=pick(batch.target_lengths),
                   output_lengths=pick(batch.output_lengths))


def _with_inputs(batch: Batch, change: Callable[[Tensor], Tensor]) -> Batch:
    return replace(batch, inputs=map_tensors(change, batch.inputs))


@torch.no_grad()
def _eval_outputs(model: nn.Module, batch: Batch) -> Tensor:
    model.eval()
    outputs, _ = forward(model, batch)
    return outputs.detach()


@torch.no_grad()
def settle_batchnorm(model: nn.Module, batch: Batch) -> None:
    """Give BatchNorm running statistics equal to this batch's (a cumulative average over
    one train-mode pass): at init they are 0 and 1, so eval mode would see unnormalized
    activations and every eval-mode comparison would blame a healthy model."""
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
             and m.track_running_stats]
    if not norms or len(batch) < 2:
        return
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average: one pass sets the batch's statistics
    model.train()
    forward(model, batch)
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum
    model.eval()


def _ids_leaf(batch: Batch) -> tuple[str, Tensor] | None:
    """The token-id input: `input_ids` of a dict, else the first integer (N, T) leaf."""
    ids = token_ids(batch.inputs)
    if ids.is_floating_point() or ids.dtype == torch.bool or ids.ndim != 2:
        return None
    path = next((p for p, leaf in tensor_leaves(batch.inputs) if leaf is ids), "inputs")
    return path, ids


def _swapped_ids(ids: Tensor, start: int, seed: int = 0) -> Tensor:
    """Every id at positions >= start replaced by a different id seen in the batch."""
    seen = torch.unique(ids)
    if seen.numel() < 2:
        return ids
    g = torch.Generator().manual_seed(seed)
    position = torch.searchsorted(seen, ids[:, start:].contiguous())
    shift = torch.randint(1, seen.numel(), position.shape, generator=g).to(ids.device)
    changed = ids.clone()
    changed[:, start:] = seen[(position + shift) % seen.numel()]
    return changed


def causal_leak(model: nn.Module, batch: Batch) -> Measurement:
    """Swap every token after position t (the middle) and measure how much the outputs at
    positions <= t move: zero for a causal model."""
    found = _ids_leaf(batch)
    if found is None:
        return not_applicable("no (N, T) token-id input")
    path, ids = found
    length = ids.shape[1]
    if length < 2:
        return not_applicable("sequences of one token")
    t = length // 2 - 1
    before = _eval_outputs(model, batch)
    if before.ndim < 2 or before.shape[1] != length:
        return not_applicable(f"outputs {tuple(before.shape)} are not one per token")
    changed = _swapped_ids(ids, t + 1)
    after = _eval_outputs(model, _with_inputs(batch, lambda leaf: changed if leaf is ids else leaf))
    per_position = [_relative_change(before[:, p], after[:, p]) for p in range(t + 1)]
    return Measurement(max(per_position), extra={"position": t, "changed_from": t + 1,
                                                 "input": path, "per_position": per_position})


def batch_mixing(model: nn.Module, batch: Batch) -> Measurement:
    """Split the batch into halves A and B and forward A+B, A+A and B+B: each half's
    outputs must not depend on what sits beside it. Both directions are needed, since a
    recurrence run over the batch axis makes later items depend on earlier ones only."""
    half = len(batch) // 2
    if half < 1:
        return not_applicable("a batch of one item")
    first, second = torch.arange(half), torch.arange(half, 2 * half)
    original = _eval_outputs(model, _select(batch, torch.cat([first, second])))
    firsts = _eval_outputs(model, _select(batch, torch.cat([first, first])))
    seconds = _eval_outputs(model, _select(batch, torch.cat([second, second])))
    if original.shape[:1] != (2 * half,) or firsts.shape != original.shape \
            or seconds.shape != original.shape:
        return not_applicable(f"outputs {tuple(original.shape)} have no batch dimension first")
    change = max(_relative_change(original[:half], firsts[:half]),
                 _relative_change(original[half:], seconds[half:]))
    try:
        share = max(_gradient_mixing(model, batch, item) or 0.0 for item in (0, len(batch) - 1))
    except RuntimeError:  # e.g. an op without a derivative: the forward test still counts
        share = None
    return Measurement(change, extra={"items": 2 * half, "gradient": share})


def _gradient_mixing(model: nn.Module, batch: Batch, item: int) -> float | None:
    """Backprop from one item's output alone: the share of the input gradient that lands
    on the *other* items (0 when samples are independent). Float inputs are followed
    directly, token ids through the first embedding's output."""
    size = len(batch)
    watched: list[Tensor] = []

    def watch(t: Tensor) -> Tensor:
        if t.is_floating_point() and t.ndim > 0 and t.shape[0] == size:
            t = t.detach().clone().requires_grad_(True)
            watched.append(t)
        return t

    def keep(module: nn.Module, args: Any, output: Tensor) -> None:
        if not watched and isinstance(output, Tensor) and output.requires_grad:
            output.retain_grad()
            watched.append(output)

    embedding = next((m for m in model.modules() if isinstance(m, nn.Embedding)), None)
    handle = embedding.register_forward_hook(keep) if embedding is not None else None
    model.eval()
    try:
        with torch.enable_grad():
            outputs, _ = forward(model, _with_inputs(batch, watch))
            if not outputs.requires_grad or outputs.shape[0] != size:
                return None
            direction = torch.randn(outputs[item].shape,
                                    generator=torch.Generator().manual_seed(item))
            (outputs[item].float() * direction.to(outputs.device)).sum().backward()
    finally:
        if handle is not None:
            handle.remove()
    grads = [t.grad.float() for t in watched if t.grad is not None and t.shape[0] == size]
    if not grads:
        return None
    own = sum(float(g[item].abs().sum()) for g in grads)
    total = sum(float(g.abs().sum()) for g in grads)
    return (total - own) / (total + _TINY)


def eval_repeat(model: nn.Module, batch: Batch) -> Measurement:
    """Two eval-mode passes over one batch: any difference is randomness left on in eval
    (F.dropout without training=self.training, noise in forward). When they differ, a
    third pass records the dropout calls that drop although the model is in eval mode,
    with the module they ran in: in train mode every call drops, so only an eval pass can
    name the culprit. (Not during the two compared passes: a torch function mode turns
    off the transformer fast path, whose padded outputs differ.)"""
    change = _relative_change(_eval_outputs(model, batch), _eval_outputs(model, batch))
    dropping: list[str] = []

    def seen(site: str, op: str, output: Tensor, drops: bool | None) -> None:
        if drops and site not in dropping:
            dropping.append(site)

    if change > 0:
        with FunctionalOps(model, seen).active():
            _eval_outputs(model, batch)
    return Measurement(change, extra={"dropping_in_eval": dropping})


@torch.no_grad()
def eval_loss(model: nn.Module, batch: Batch, loss: Callable[[Tensor, Batch], Tensor]) -> float:
    model.eval()
    outputs, batch = forward(model, batch)
    return float(loss(outputs, batch))


def reduction_ratio(model: nn.Module, batch: Batch,
                    loss: Callable[[Tensor, Batch], Tensor]) -> Measurement:
    """Loss of the batch repeated twice / loss of the batch: 1 for a mean, 2 for a sum."""
    single = eval_loss(model, batch, loss)
    if not abs(single) > 1e-8 or single != single:
        return not_applicable(f"the loss of the batch is {single:.3g}")
    index = torch.arange(len(batch))
    double = eval_loss(model, _select(batch, torch.cat([index, index])), loss)
    return Measurement(double / single, extra={"loss": single, "loss_doubled_batch": double})


def input_dependence(model: nn.Module, batch: Batch) -> Measurement:
    """How much the outputs move when each item gets another item's inputs (a roll by
    one) and, for float inputs, when the inputs are zeroed. The smaller of the two
    changes is the value: an input-ignoring model moves under neither."""
    if len(batch) < 2:
        return not_applicable("a batch of one item")
    if batch_size_of(batch.inputs) != len(batch):
        return not_applicable("inputs without a batch dimension first")
    before = _eval_outputs(model, batch)
    rolled = torch.roll(torch.arange(len(batch)), 1)
    moved = _select(batch, rolled)
    permuted = _eval_outputs(model, replace(batch, inputs=moved.inputs,
                                            input_lengths=moved.input_lengths))
    if permuted.shape != before.shape:
        return not_applicable("outputs change shape with the inputs")
    changes = {"permuted": _relative_change(before, permuted)}
    floats = [leaf for _, leaf in tensor_leaves(batch.inputs) if leaf.is_floating_point()]
    if floats:
        zeroed = _eval_outputs(model, _with_inputs(
            batch, lambda t: torch.zeros_like(t) if t.is_floating_point() else t))
        if zeroed.shape == before.shape:
            changes["zeroed"] = _relative_change(before, zeroed)
    distinct = _distinct_inputs(batch)
    return Measurement(max(changes.values()), extra={**changes, "distinct_inputs": distinct})


def _distinct_inputs(batch: Batch) -> bool:
    """False when every item's inputs are identical (CONSTANT_INPUT's case: nothing to
    permute)."""
    for _, leaf in tensor_leaves(batch.inputs):
        if leaf.ndim and leaf.shape[0] == len(batch) and not bool((leaf == leaf[:1]).all()):
            return True
    return False
