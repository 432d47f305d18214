"""Leaks in the data: validation items that are training items, an input feature that is
the target in disguise, and LM targets that are the inputs themselves (not shifted, or
shifted the wrong way). Data only, before training: a model learns all of these perfectly,
so the ladder passes and validation looks excellent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from ..tasks import Batch, SampledItems, Task
from ..tasks.collate import IGNORE_INDEX
from ..tasks.lm import token_ids
from ..tasks.structure import all_leaves, tensor_leaves
from .context import Context
from .data_checks import flat_inputs, tensor
from .findings import TARGET_LEAK, TRAIN_VAL_OVERLAP, Finding

__all__ = ["COPY_SHARE", "LEAK_CORRELATION", "OVERLAP_ERROR", "OVERLAP_WARNING", "feature_leak",
           "leak_checks", "overlap", "sampled", "token_shares"]

#: items hashed on each side; beyond this the overlap count is over an even sample
_OVERLAP_TRAIN_ITEMS = 20_000
_OVERLAP_VAL_ITEMS = 5_000
#: overlap fraction of the validation set: below -> info (text repeats itself: 5.1% of
#: the pydoc LM example's validation chunks occur in training), up to ERROR -> warning
OVERLAP_WARNING = 0.1
OVERLAP_ERROR = 0.5
#: |corr(feature, target)| above this is the target in disguise (healthy: <= 0.75)
LEAK_CORRELATION = 0.99
_LEAK_MIN_ITEMS = 20
#: LM: this share of target tokens equal to the input tokens (unshifted / shifted back)
COPY_SHARE = 0.9


def leak_checks(ctx: Context, batch: Batch | None) -> list[Finding]:
    """`batch`: the one-batch pass's collated batch (None when collate failed)."""
    findings = overlap(ctx) if ctx.val_data is not None else []
    if ctx.task.token_level_targets:
        return findings + _lm_copy(batch)
    if ctx.task.item_targets:
        # the items as the model sees them (through the spec's own collate, if any)
        findings += feature_leak(ctx, ctx.data_sample.items or [])
    return findings


def _item_key(item: Any) -> bytes:
    """A digest of an item's leaves (inputs of any structure, then the target). Items for
    the spec's own collate may hold text: a leaf that is no array is hashed by its repr."""
    digest = hashlib.blake2b(digest_size=16)
    x, y = item if isinstance(item, (tuple, list)) and len(item) == 2 else (item, None)
    leaves = [leaf for _, leaf in all_leaves(x)] + ([] if y is None else [y])
    for value in leaves:
        try:
            leaf = tensor(value).detach().cpu().contiguous()
        except (TypeError, ValueError, RuntimeError):  # a string, None, an object
            digest.update(f"{type(value).__name__}:{value!r}".encode())
            continue
        digest.update(f"{leaf.dtype}{tuple(leaf.shape)}".encode())
        digest.update(leaf.numpy().tobytes() if leaf.dtype != torch.bfloat16
                      else leaf.float().numpy().tobytes())
    return digest.digest()


def sampled(dataset: Sequence[Any], count: int) -> tuple[list[int], list[Any]]:
    view = SampledItems(dataset, count)
    return list(view.indices), [view[i] for i in range(len(view))]


#: items collated at once when hashing (bounds the memory of a stacked copy)
_HASH_CHUNK = 1024


def _item_keys(task: Task, items: list[Any]) -> list[bytes] | None:
    """One digest per item, of its collated row: fixed-shape items stack into one array
    per tensor (a few C calls per chunk instead of Python per tensor per item). None when
    items do not stack without padding (padding would make equal items differ)."""
    keys: list[bytes] = []
    for start in range(0, len(items), _HASH_CHUNK):
        chunk = items[start:start + _HASH_CHUNK]
        batch = task.stacked(chunk)
        if batch is None:
            return None
        leaves = [leaf for _, leaf in tensor_leaves(batch.inputs)] + [batch.targets]
        header = "".join(f"{leaf.dtype}{tuple(leaf.shape[1:])}" for leaf in leaves).encode()
        rows = torch.cat([leaf.detach().cpu().reshape(len(chunk), -1).contiguous()
                          .view(torch.uint8) for leaf in leaves], dim=1)
        width, data = rows.shape[1], memoryview(rows.numpy().tobytes())
        keys += [hashlib.blake2b(header + data[i * width:(i + 1) * width],
                                 digest_size=16).digest() for i in range(len(chunk))]
    return keys


def overlap(ctx: Context) -> list[Finding]:
    train_indices, train_items = sampled(ctx.train_data, _OVERLAP_TRAIN_ITEMS)
    val_indices, val_items = sampled(ctx.val_data, _OVERLAP_VAL_ITEMS)
    train_hashes, val_hashes = _item_keys(ctx.task, train_items), _item_keys(ctx.task, val_items)
    if train_hashes is None or val_hashes is None:  # both sides hashed the same way
        train_hashes = [_item_key(item) for item in train_items]
        val_hashes = [_item_key(item) for item in val_items]
    train_keys = dict(zip(train_hashes, train_indices))
    shared = [(index, train_keys[key]) for index, key in zip(val_indices, val_hashes)
              if key in train_keys]
    if not shared:
        return []
    fraction = len(shared) / len(val_items)
    severity = "error" if fraction >= OVERLAP_ERROR else \
        "warning" if fraction >= OVERLAP_WARNING else "info"
    pairs = ", ".join(f"val[{v}] = train[{t}]" for v, t in shared[:3])
    return [Finding(
        TRAIN_VAL_OVERLAP, severity,
        f"{len(shared)} of {len(val_items)} validation items ({fraction:.1%}) are identical "
        f"to training items ({pairs}{', ...' if len(shared) > 3 else ''}): validation "
        "measures memory, not generalization", where="validation dataset",
        evidence={"overlapping_items": len(shared), "val_items_checked": len(val_items),
                  "train_items_checked": len(train_items), "fraction": fraction,
                  "examples": [{"val": v, "train": t} for v, t in shared[:5]]},
        fix="split before any augmentation or duplication, deduplicate across the split, "
            "and split by source (speaker, document, patient) when items repeat",
        weight=1.5)]


def feature_leak(ctx: Context, items: list[Any]) -> list[Finding]:
    """One input feature that predicts the target almost perfectly: for real targets a
    correlation above LEAK_CORRELATION, for classes a feature whose per-class value
    ranges do not overlap (one threshold per class boundary separates them all). Judged
    per floating input tensor with one row per item."""
    if len(items) < _LEAK_MIN_ITEMS:
        return []
    y, inputs = _item_rows(ctx.task, items)
    if y.shape[1] != 1:
        return []
    y = y[:, 0]
    for path, x in inputs.items():
        if x.shape[0] != len(items) or not bool(torch.isfinite(x).all()):
            continue
        found = _correlated(path, x, y) if ctx.task.real_targets else _separating(path, x, y)
        if found:
            return found
    return []


def _item_rows(task: Task, items: list[Any]) -> tuple[Tensor, dict[str, Tensor]]:
    """(targets, floating inputs), one row per item: collated at once when the items
    stack without padding, else read item by item."""
    batch = task.stacked(items)
    if batch is None:
        return (torch.stack([tensor(t).float().reshape(-1) for _, t in items]),
                flat_inputs(items))
    return (batch.targets.float().reshape(len(items), -1),
            {path: leaf.float().reshape(len(items), -1) for path, leaf in
             tensor_leaves(batch.inputs) if leaf.is_floating_point() and leaf.ndim <= 2})


def _correlated(path: str, x: Tensor, y: Tensor) -> list[Finding]:
    xs, ys = x - x.mean(0), y - y.mean()
    scale = xs.norm(dim=0) * ys.norm()
    valid = scale > 1e-12
    if not bool(valid.any()):
        return []
    corr = torch.where(valid, (xs * ys[:, None]).sum(0) / scale.clamp_min(1e-12),
                       torch.zeros_like(scale))
    feature = int(corr.abs().argmax())
    value = float(corr[feature])
    if abs(value) <= LEAK_CORRELATION:
        return []
    return [_leak_finding(path, feature, f"has correlation {value:.4f} with the target",
                         {"feature": feature, "correlation": value,
                          "threshold": LEAK_CORRELATION, "items": len(y)})]


def _separating(path: str, x: Tensor, y: Tensor) -> list[Finding]:
    classes = torch.unique(y)
    if classes.numel() < 2 or min(int((y == c).sum()) for c in classes) < 3:
        return []
    lows = torch.stack([x[y == c].min(0).values for c in classes])  # (C, F)
    highs = torch.stack([x[y == c].max(0).values for c in classes])
    order = lows.argsort(0)
    sorted_lows, sorted_highs = lows.gather(0, order), highs.gather(0, order)
    separated = (sorted_highs[:-1] < sorted_lows[1:]).all(0)  # (F,)
    if not bool(separated.any()):
        return []
    feature = int(separated.nonzero()[0])
    return [_leak_finding(path, feature, f"separates all {classes.numel()} classes by itself (the "
                                  "classes' value ranges on it do not overlap)",
                         {"feature": feature, "classes": int(classes.numel()),
                          "items": len(y)})]


def _leak_finding(path: str, feature: int, what: str, evidence: dict[str, Any]) -> Finding:
    return Finding(
        TARGET_LEAK, "warning",
        f"input feature {feature} {what}: the target is in the inputs, so the model learns "
        "the shortcut and validation looks near perfect", where=f"{path}[:, {feature}]",
        evidence=evidence,
        fix="drop the feature (or the column derived from the target, an ID sorted by "
            "label, a value recorded after the outcome) from the inputs", weight=2.0)


def token_shares(batch: Batch | None) -> dict[str, float] | None:
    """Shares of the target tokens equal to the input token at the same position, the
    next one (a correct next-token target) and the previous one; padding not counted."""
    if batch is None:
        return None
    ids, targets = token_ids(batch.inputs), batch.targets
    if ids.is_floating_point() or ids.ndim != 2 or targets.ndim != 2 \
            or ids.shape[1] < targets.shape[1] or targets.shape[1] < 3:
        return None
    ids = ids[:, : targets.shape[1]]
    valid = (targets != IGNORE_INDEX)[:, 1:-1]
    total = int(valid.sum())
    if not total:
        return None
    middle = targets[:, 1:-1]
    same = {"equal": middle == ids[:, 1:-1], "shifted_left": middle == ids[:, 2:],
            "shifted_right": middle == ids[:, :-2]}
    return {key: int((hit & valid).sum()) / total for key, hit in same.items()}


def _lm_copy(batch: Batch | None) -> list[Finding]:
    """Next-token targets must be the inputs shifted left by one. Targets equal to the
    inputs (`(ids, ids)` items) or shifted right make the task a copy: the model memorizes
    it at once and learns nothing about language. Read on the collated batch, after the
    task's own shift of Hugging Face `labels`."""
    shares = token_shares(batch)
    if shares is None:
        return []
    wrong = max(("equal", "shifted_right"), key=shares.get)
    if shares[wrong] < COPY_SHARE or shares[wrong] <= shares["shifted_left"]:
        return []
    what = ("equal to the input tokens (not shifted)" if wrong == "equal" else
            "the input tokens shifted the wrong way (each target is the previous token)")
    return [Finding(
        TARGET_LEAK, "error",
        f"{shares[wrong]:.0%} of the target tokens are {what}: the model only has to copy "
        "a token it already sees, memorizes at once and learns no language",
        where="targets (train_dataset)",
        evidence={**{f"share_{k}": v for k, v in shares.items()}, "threshold": COPY_SHARE},
        fix="return (seq[:-1], seq[1:]) from __getitem__: inputs are the tokens, targets the "
            "next tokens (or dict items whose 'labels' equal 'input_ids': trainprobe "
            "shifts those itself)", weight=3.2)]
