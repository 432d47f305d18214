"""Witnesses: slow, obviously correct measurements that prove a silent-bug case has its
bug and its healthy twin does not, independently of trainprobe's diagnosis.

`witness(path) -> (value, holds)`: one number for the bug class of the case's EXPECTED
code (or of its fault, for a twin) and whether it shows the bug. verify_corpus.py and
test_corpus.py run it on every case and twin; it uses only the spec's own functions,
a plain forward pass, and scikit-learn.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier
from torch.overrides import TorchFunctionMode

from trainprobe.spec import Spec, load_spec
from trainprobe.tasks.structure import output_tensor

BATCH = 16
CHANGED = 1e-5  # an output moved by more than this in float32 arithmetic really moved


def first_items(spec: Spec, count: int = BATCH) -> list:
    train, _ = spec.build_data()
    return [train[i] for i in range(min(count, len(train)))]


def outputs(spec: Spec, model: torch.nn.Module, inputs) -> torch.Tensor:
    with torch.no_grad():
        return output_tensor(model(inputs)).float()


def fresh_model(spec: Spec, train: bool = False) -> torch.nn.Module:
    torch.manual_seed(0)
    return spec.build_model().train(train)


def causal_leak(spec: Spec) -> tuple[float, bool]:
    """Largest change of the outputs at positions <= t when only tokens after t change."""
    inputs = spec.task.collate(first_items(spec, 4)).inputs  # (N, T)
    cut = inputs.shape[1] // 2
    changed = inputs.clone()
    changed[:, cut + 1:] = torch.flip(changed[:, cut + 1:], dims=[0])  # other items' tails
    model = fresh_model(spec)
    moved = (outputs(spec, model, inputs)[:, :cut + 1]
             - outputs(spec, model, changed)[:, :cut + 1]).abs().max().item()
    return moved, moved > CHANGED


def batch_mixing(spec: Spec) -> tuple[float, bool]:
    """Largest change of an item's eval-mode output when the batch is given in reverse, or
    when the other items of its batch are replaced by other items (a softmax over the
    batch is blind to the order, not to the company). Outputs are compared over the
    shorter time axis when padding differs."""
    items = first_items(spec, 2 * BATCH)
    model = fresh_model(spec)
    inputs = spec.task.collate(items[:BATCH]).inputs
    straight = outputs(spec, model, inputs)
    reverse = outputs(spec, model, torch.flip(inputs, dims=[0])).flip(0)
    moved = (straight - reverse).abs().max().item()
    for position in (0, BATCH - 1):  # first and last: a sequence-first RNN runs along N
        company = items[BATCH:2 * BATCH - 1]
        batch = company[:position] + [items[position]] + company[position:]
        other = outputs(spec, model, spec.task.collate(batch).inputs)[position]
        mine = straight[position]
        steps = min(mine.shape[0], other.shape[0]) if mine.ndim > 1 else None
        moved = max(moved, (mine[:steps] - other[:steps]).abs().max().item())
    return moved, moved > CHANGED


def train_eval_mismatch(spec: Spec) -> tuple[float, bool]:
    """Eval mode: non-finite outputs where train mode has none (1.0), or the largest
    difference between two eval passes of one batch."""
    inputs = spec.task.collate(first_items(spec)).inputs
    model = fresh_model(spec, train=True)
    train_finite = bool(torch.isfinite(output_tensor(model(inputs))).all())
    model.eval()
    first, second = outputs(spec, model, inputs), outputs(spec, model, inputs)
    if train_finite and not bool(torch.isfinite(first).all()):
        return 1.0, True
    moved = (first - second).abs().max().item()
    return moved, moved > CHANGED


def item_digest(spec: Spec, item) -> str:
    batch = spec.task.collate([item])
    digest = hashlib.sha256()
    for tensor in (batch.inputs, batch.targets):
        digest.update(tensor.contiguous().numpy().tobytes())
    return digest.hexdigest()


def train_val_overlap(spec: Spec) -> tuple[float, bool]:
    """Fraction of validation items byte-identical to a training item."""
    train, val = spec.build_data()
    seen = {item_digest(spec, train[i]) for i in range(len(train))}
    shared = sum(item_digest(spec, val[i]) in seen for i in range(len(val)))
    return shared / len(val), shared > 0


def arrays(spec: Spec, dataset) -> tuple[np.ndarray, np.ndarray]:
    batch = spec.task.collate([dataset[i] for i in range(len(dataset))])
    return batch.inputs.flatten(1).numpy(), batch.targets.numpy().ravel()


def labels_not_learnable(spec: Spec) -> tuple[float, bool]:
    """Validation accuracy of a logistic regression over chance (the majority class)."""
    train, val = spec.build_data()
    (x, y), (vx, vy) = arrays(spec, train), arrays(spec, val)
    accuracy = LogisticRegression(max_iter=500).fit(x, y).score(vx, vy)
    chance = np.bincount(vy.astype(int)).max() / len(vy)
    return accuracy - chance, accuracy - chance < 0.1


def target_leak(spec: Spec) -> tuple[float, bool]:
    """How well one input feature alone gives the target on validation: |corr| for
    regression, the accuracy of a one-feature tree for classes, the fraction of LM
    targets equal to their inputs."""
    train, val = spec.build_data()
    (x, y), (vx, vy) = arrays(spec, train), arrays(spec, val)
    if spec.task.name == "lm":
        same = float((vx.ravel() == vy).mean())
        return same, same > 0.99
    if spec.task.name == "regression":
        best = max(abs(np.corrcoef(x[:, j], y)[0, 1]) for j in range(x.shape[1]))
        return float(best), best > 0.99
    classes = len(np.unique(y))
    best = max(DecisionTreeClassifier(max_leaf_nodes=max(classes, 2)).fit(x[:, [j]], y)
               .score(vx[:, [j]], vy) for j in range(x.shape[1]))
    return float(best), best > 0.99


def loss_reduction_sum(spec: Spec) -> tuple[float, bool]:
    """loss(batch + batch) / loss(batch): 1 for a mean, 2 for a sum."""
    items = first_items(spec)
    model = fresh_model(spec)
    user_loss = spec.build_loss()

    def loss_of(batch_items) -> float:
        batch = spec.task.collate(batch_items)
        with torch.no_grad():
            return float(spec.task.loss(model(batch.inputs), batch, user_loss))

    ratio = loss_of(items + items) / loss_of(items)
    return ratio, ratio > 1.5


def input_ignored(spec: Spec) -> tuple[float, bool]:
    """Largest change of the outputs when every input is replaced by zeros."""
    inputs = spec.task.collate(first_items(spec)).inputs
    model = fresh_model(spec)
    moved = (outputs(spec, model, inputs)
             - outputs(spec, model, torch.zeros_like(inputs))).abs().max().item()
    return moved, moved < CHANGED


class ReluOutputs(TorchFunctionMode):
    """Collects the outputs of every ReLU, module or functional, in one forward pass."""

    RELUS = (torch.relu, F.relu, torch.Tensor.relu)

    def __init__(self):
        super().__init__()
        self.outputs: list[torch.Tensor] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        result = func(*args, **(kwargs or {}))
        if func in self.RELUS:
            self.outputs.append(result.detach())
        return result


def dead_units(spec: Spec) -> tuple[float, bool]:
    """Largest fraction of a ReLU's units that are zero on every item of a batch."""
    inputs = spec.task.collate(first_items(spec, 64)).inputs
    model = fresh_model(spec)
    with torch.no_grad(), ReluOutputs() as relus:
        model(inputs)
    dead = max(float((out.flatten(0, -2) <= 0).all(0).float().mean()) for out in relus.outputs)
    return dead, dead >= 0.5


WITNESSES: dict[str, Callable[[Spec], tuple[float, bool]]] = {
    "CAUSAL_LEAK": causal_leak, "BATCH_MIXING": batch_mixing,
    "TRAIN_EVAL_MISMATCH": train_eval_mismatch, "TRAIN_VAL_OVERLAP": train_val_overlap,
    "LABELS_NOT_LEARNABLE": labels_not_learnable, "TARGET_LEAK": target_leak,
    "LOSS_REDUCTION_SUM": loss_reduction_sum, "INPUT_IGNORED": input_ignored,
    "DEAD_UNITS": dead_units,
}


def witness(path: str | Path, code: str) -> tuple[float, bool]:
    """The witness of bug class `code` measured on the spec at `path`."""
    return WITNESSES[code](load_spec(path))
