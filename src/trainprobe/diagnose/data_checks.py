"""Before training: checks on the training set itself (a seeded sample of it).

Label range against the model's output size, NaN/Inf, input and target scale, inputs that
are all identical or identical with different labels, items that change between two
reads, and for CTC whether each label sequence fits in the model's output frames.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor, nn

from ..engine.forward import output_length_rule
from ..tasks.collate import IGNORE_INDEX
from ..tasks.lm import token_ids
from ..tasks.structure import all_leaves, first_tensor, map_tensors, tensor_leaves
from .context import Context
from .evidence import BatchEvidence
from .findings import (
    CONFLICTING_LABELS,
    CONSTANT_INPUT,
    CTC_INFEASIBLE,
    DATA_NOT_DETERMINISTIC,
    INPUT_SCALE,
    LABEL_OUT_OF_RANGE,
    NONFINITE,
    TARGET_SCALE,
    Finding,
    severity_if,
)

__all__ = ["FEATURE_SPREAD", "LARGE_SCALE", "SMALL_SCALE", "data_checks", "flat_inputs", "tensor"]

#: healthy examples have input RMS 0.3..4 and target RMS near 1 (README, "thresholds")
LARGE_SCALE = 20.0
SMALL_SCALE = 1e-2
FEATURE_SPREAD = 1e3  # largest / smallest non-zero feature std
_DETERMINISM_READS = 4


def data_checks(ctx: Context, ev: BatchEvidence) -> list[Finding]:
    """Determinism reads the dataset as it is; every other check reads the items as the
    model sees them (through the spec's own collate one item at a time, when it has one:
    seen_items)."""
    sample = ctx.data_sample
    indices = sample.indices
    unstable = _determinism(ctx, indices[:_DETERMINISM_READS])
    if sample.items is None:  # the spec's collate cannot take one item alone
        ctx.notes.append(str(sample.note))
        return unstable
    items = sample.items
    findings = _nonfinite(items, indices) + _label_range(ctx, ev, items, indices)
    findings += unstable
    findings += _input_scale(ctx, items)
    if not ctx.task.token_level_targets:  # text: repeated contexts are expected
        findings += [] if unstable else _identical_inputs(ctx, items, indices)
    if ctx.task.real_targets:
        findings += _target_scale(ctx, items)
    if ctx.task.aligned_frames:
        findings += _ctc_feasibility(ctx, ev, items, indices)
    return findings


def tensor(value: Any) -> Tensor:
    return value if isinstance(value, Tensor) else torch.as_tensor(value)


def _nonfinite(items: list[Any], indices: list[int]) -> list[Finding]:
    for index, (x, y) in zip(indices, items):
        values = [("input" if path == "inputs" else path, leaf) for path, leaf in tensor_leaves(x)]
        for role, value in values + [("target", tensor(y))]:
            if value.is_floating_point() and not bool(torch.isfinite(value).all()):
                bad = int((~torch.isfinite(value)).sum())
                return [Finding(NONFINITE, "error",
                                f"the training set holds NaN or Inf: {role} of item {index} "
                                f"has {bad} non-finite value(s)", where=f"train_dataset[{index}]",
                                evidence={"item": index, "role": role, "nonfinite_values": bad},
                                fix="clean or impute missing values in build_data() (e.g. "
                                    "torch.nan_to_num, or drop those rows)", weight=3.0)]
    return []


def _output_size(ev: BatchEvidence) -> int | None:
    if ev.outputs is not None and ev.outputs.ndim >= 2:
        return int(ev.outputs.shape[-1])
    linears = [m for m in ev.model.modules() if isinstance(m, nn.Linear)] if ev.model else []
    return linears[-1].out_features if linears else None


def _label_range(ctx: Context, ev: BatchEvidence, items: list[Any],
                 indices: list[int]) -> list[Finding]:
    size = _output_size(ev)
    # (what, lowest allowed, highest allowed)
    checks = [r for r in [ctx.task.label_range(size)] if r is not None] if size else []
    findings = []
    for what, low, high in checks:
        values = [(i, _counted(tensor(y))) for i, (_, y) in zip(indices, items)]
        bad = [(i, v) for i, v in values if v.numel() and (int(v.min()) < low or int(v.max()) > high)]
        if bad:
            index, value = bad[0]
            span = (min(int(v.min()) for _, v in values if v.numel()),
                    max(int(v.max()) for _, v in values if v.numel()))
            findings.append(Finding(
                LABEL_OUT_OF_RANGE, "error",
                f"{len(bad)} of {len(values)} sampled items have a {what} outside {low}..{high} "
                f"(the model has {size} outputs); labels span {span[0]}..{span[1]}",
                where=f"train_dataset[{index}]",
                evidence={"outputs": size, "allowed": [low, high], "label_span": list(span),
                          "items_out_of_range": len(bad), "items_checked": len(values)},
                fix=f"map labels to {low}..{high} (e.g. subtract 1 from 1-based labels) or "
                    f"give the output layer {span[1] + 1} units", weight=3.5))
    if ctx.task.token_level_targets:
        findings += _token_range(ev, items, indices)
    return findings


def _token_range(ev: BatchEvidence, items: list[Any], indices: list[int]) -> list[Finding]:
    embeddings = [m for m in ev.model.modules() if isinstance(m, nn.Embedding)] \
        if ev.model is not None else []
    if not embeddings:
        return []
    size = embeddings[0].num_embeddings
    bad = [i for i, (x, _) in zip(indices, items)
           if token_ids(x).numel() and int(token_ids(x).max()) >= size]
    if not bad:
        return []
    return [Finding(LABEL_OUT_OF_RANGE, "error",
                    f"{len(bad)} sampled items hold token ids >= the embedding size {size}",
                    where=f"train_dataset[{bad[0]}]",
                    evidence={"embedding_size": size, "items_out_of_range": len(bad)},
                    fix="build the vocabulary from the whole text and size the embedding and "
                        "the output layer to it", weight=3.5)]


def _determinism(ctx: Context, indices: list[int]) -> list[Finding]:
    """Read a few indices twice (cloning the first read): a random draw in __getitem__ or
    an output buffer reused across items both show as a changed item."""
    for index in indices:
        returned, y = ctx.train_data[index]
        x, y = _clone(returned), _clone(y)
        other = indices[0] if index != indices[0] else indices[-1]
        ctx.train_data[other]  # a reused output buffer now holds the other item
        aliased = other != index and not _same(returned, x)
        x2, y2 = ctx.train_data[index]
        same_y = _same(y, y2)
        if _same(x, x2) and same_y and not aliased:
            continue
        change = _max_change(x, x2)
        moved = f"input changed by up to {change:.3g}" if math.isfinite(change) else \
            "input changed"  # text, or a new shape: no per-value difference to give
        detail = (moved + ("" if same_y else ", label changed")
                  + (f"; reading item {other} overwrote the tensor returned for item {index}"
                     if aliased else ""))
        return [Finding(DATA_NOT_DETERMINISTIC, "error" if not same_y or aliased else "warning",
                        f"reading train_dataset[{index}] twice gave different items ({detail})",
                        where=f"train_dataset[{index}]",
                        evidence={"item": index, "max_input_change": change,
                                  "label_changed": not same_y, "shared_buffer": aliased},
                        fix="make __getitem__ a pure function of the index returning a new "
                            "tensor: draw random values once in __init__ (seeded), move "
                            "augmentation to build_augment(), never reuse an output buffer",
                        weight=3.2)]
    return []


def _counted(labels: Tensor) -> Tensor:
    """Label values that take part in the loss: IGNORE_INDEX positions are left out."""
    return labels[labels != IGNORE_INDEX] if not labels.is_floating_point() else labels


def _max_change(a: Any, b: Any) -> float:
    """The largest absolute change over the leaves of two reads of one input."""
    pairs = list(zip(tensor_leaves(a), tensor_leaves(b)))
    if not pairs or any(x.shape != y.shape for (_, x), (_, y) in pairs):
        return math.inf
    return max(float((x.float() - y.float()).abs().max()) if x.numel() else 0.0
               for (_, x), (_, y) in pairs)


def _same(a: Any, b: Any) -> bool:
    """Equal values, NaN equal to NaN (a NaN in the data is not randomness); inputs of
    any structure are compared leaf by leaf."""
    leaves_a, leaves_b = all_leaves(a), all_leaves(b)
    if [path for path, _ in leaves_a] != [path for path, _ in leaves_b]:
        return False
    return all(_same_tensor(tensor(x), tensor(y)) if _is_array(x) and _is_array(y) else x == y
               for (_, x), (_, y) in zip(leaves_a, leaves_b))


def _is_array(value: Any) -> bool:
    """A tensor, an array or a number: compared as a tensor (strings compare as is)."""
    return not isinstance(value, (str, bytes)) and value is not None


def _same_tensor(a: Tensor, b: Tensor) -> bool:
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.is_floating_point():
        return bool(torch.equal(torch.nan_to_num(a, nan=0.0), torch.nan_to_num(b, nan=0.0))
                    and torch.equal(a.isnan(), b.isnan()))
    return torch.equal(a, b)


def _clone(value: Any) -> Any:
    return map_tensors(lambda t: t.clone(), value)


def flat_inputs(items: list[Any]) -> dict[str, Tensor]:
    """Each floating input tensor as (values, features): rows are samples (or frames),
    columns features. Integer tensors are ids, never a scale to judge or standardize."""
    if not items:
        return {}
    columns: dict[str, list[Tensor]] = {}
    for x, _ in items:
        for path, leaf in tensor_leaves(x):
            columns.setdefault(path, []).append(leaf)
    flat = {}
    for path, xs in columns.items():
        if len(xs) != len(items) or not all(x.is_floating_point() for x in xs):
            continue
        xs = [x.float() for x in xs]
        if all(x.shape == xs[0].shape for x in xs) and xs[0].ndim <= 1:
            flat[path] = torch.stack(xs).reshape(len(xs), -1)
        elif all(x.ndim >= 1 and x.shape[-1] == xs[0].shape[-1] for x in xs):
            flat[path] = torch.cat([x.reshape(-1, x.shape[-1]) for x in xs])
    return flat


def _input_scale(ctx: Context, items: list[Any]) -> list[Finding]:
    """Judged per floating input tensor; the first badly scaled one is reported."""
    for path, values in flat_inputs(items).items():
        if bool(torch.isfinite(values).all()):
            finding = _scale_finding(ctx, path, values)
            if finding:
                return finding
    return []


def _scale_finding(ctx: Context, path: str, values: Tensor) -> list[Finding]:
    named = "inputs" if path == "inputs" else path
    rms = float(values.pow(2).mean().sqrt())
    stds = values.std(0, unbiased=False) if values.shape[0] > 1 else values.new_zeros(1)
    nonzero = stds[stds > 1e-8]
    spread = float(nonzero.max() / nonzero.min()) if nonzero.numel() > 1 else 1.0
    problem = None
    if rms > LARGE_SCALE:
        problem = f"{named} have RMS {rms:.3g} (unit scale is about 1)"
    elif 0 < rms < SMALL_SCALE:
        problem = f"{named} have RMS {rms:.3g}: the signal is tiny next to the weights"
    elif spread > FEATURE_SPREAD:
        problem = f"feature scales of {named} differ by a factor {spread:.3g}"
    if problem is None:
        return []
    return [Finding(INPUT_SCALE, severity_if(ctx.failed),
                    f"{problem}; large or uneven inputs saturate units and make one learning "
                    "rate wrong for most weights", where=named,
                    evidence={"input_rms": rms, "feature_std_max": float(stds.max()),
                              "feature_std_min_nonzero": float(nonzero.min()) if nonzero.numel()
                              else 0.0, "feature_spread": spread},
                    fix="standardize inputs per feature in build_data(): "
                        "x = (x - x.mean(0)) / x.std(0) (statistics of the training set)",
                    weight=2.0 if ctx.failed else 0.8)]


def _target_scale(ctx: Context, items: list[Any]) -> list[Finding]:
    targets = torch.stack([tensor(y).float() for _, y in items])
    if not bool(torch.isfinite(targets).all()):
        return []
    rms = float(targets.pow(2).mean().sqrt())
    std = float(targets.std(unbiased=False)) if len(items) > 1 else 0.0
    if SMALL_SCALE <= rms <= LARGE_SCALE or (rms < SMALL_SCALE and std == 0.0):
        return []
    return [Finding(TARGET_SCALE, severity_if(ctx.failed),
                    f"regression targets have RMS {rms:.3g} (mean {float(targets.mean()):.3g}, "
                    f"std {std:.3g}); an output layer starting near 0 needs thousands of steps "
                    "to reach them", where="targets",
                    evidence={"target_rms": rms, "target_mean": float(targets.mean()),
                              "target_std": std},
                    fix="standardize targets in build_data(): y = (y - mean) / std, and undo it "
                        "on predictions", weight=2.2 if ctx.failed else 0.8)]


def _identical_inputs(ctx: Context, items: list[Any], indices: list[int]) -> list[Finding]:
    """Identical inputs with different targets. Items are named by their index in the
    training set (indices[i] is sampled item i), the number the user can look up. With
    the spec's own collate, two texts that tokenize alike are identical inputs."""
    keys = [b"".join(leaf.numpy().tobytes() for _, leaf in tensor_leaves(x)) for x, _ in items]
    labels = [tensor(y).numpy().tobytes() for _, y in items]
    if len(set(keys)) == 1 and len(set(labels)) > 1:
        return [Finding(CONSTANT_INPUT, "error",
                        f"all {len(items)} sampled inputs are identical while their targets "
                        "differ: no model can tell them apart", where="inputs",
                        evidence={"items": len(items), "distinct_targets": len(set(labels))},
                        fix="check build_data(): __getitem__ must return the input of *that* "
                            "index (a common bug: a fixed index or a tensor overwritten in "
                            "place)", weight=3.5)]
    if not ctx.task.item_targets:
        return []
    seen: dict[bytes, tuple[int, bytes]] = {}
    rung = set(range(ctx.n))
    for position, (key, label) in enumerate(zip(keys, labels)):
        if key in seen and seen[key][1] != label:
            first = seen[key][0]
            inside = first in rung and position in rung
            pair = [indices[first], indices[position]]
            return [Finding(CONFLICTING_LABELS, "error" if inside else "warning",
                            f"training items {pair[0]} and {pair[1]} (dataset indices) have "
                            "identical inputs but different targets", where="train_dataset",
                            evidence={"indices": pair, "positions": [first, position],
                                      "in_rung": inside},
                            fix="deduplicate the data or fix the labelling", weight=3.0)]
        seen.setdefault(key, (position, label))
    return []


def _ctc_feasibility(ctx: Context, ev: BatchEvidence, items: list[Any],
                     indices: list[int]) -> list[Finding]:
    """CTC needs one frame per label plus a blank between repeated labels."""
    if ev.outputs is None or ev.batch is None or ev.outputs.ndim != 3:
        return []
    input_lengths = torch.tensor([tensor(x).shape[0] for x, _ in items])
    rule = output_length_rule(ev.model)
    if rule is not None:
        frames = torch.as_tensor(rule(input_lengths)).long()
    else:
        ratio = ev.outputs.shape[1] / first_tensor(ev.batch.inputs).shape[1]
        frames = torch.ceil(input_lengths.float() * ratio).long()
    needed = torch.tensor([len(y) + int((tensor(y)[1:] == tensor(y)[:-1]).sum()) if len(y) else 0
                           for _, y in items])
    empty = int((needed == 0).sum())
    short = (frames < needed).nonzero().flatten().tolist()
    if short:
        first = short[0]
        return [Finding(CTC_INFEASIBLE, "error",
                        f"{len(short)} of {len(items)} sampled items need more output frames "
                        f"than the model produces (e.g. item {indices[first]}: "
                        f"{int(needed[first])} needed, {int(frames[first])} produced); their "
                        "CTC loss is infinite", where=f"train_dataset[{indices[first]}]",
                        evidence={"infeasible_items": len(short), "items_checked": len(items),
                                  "frames": int(frames[first]), "frames_needed": int(needed[first]),
                                  "frame_ratio": float(frames.float().sum() /
                                                       input_lengths.float().sum())},
                        fix="downsample less in time (smaller stride/pooling), or give "
                            "output_lengths() the right rule; CTC needs T' >= labels + repeats",
                        weight=3.5)]
    if empty:
        all_empty = empty == len(items)
        return [Finding(CTC_INFEASIBLE, "error" if all_empty or ctx.failed else "warning",
                        f"{empty} of {len(items)} sampled items have an empty label sequence",
                        where="targets", evidence={"empty_labels": empty, "items_checked": len(items)},
                        fix="check the text-to-label mapping in build_data(); drop utterances "
                            "with no labels", weight=3.0 if all_empty else 1.0)]
    return []
