"""Before training: the model's structure against the task and the loss, parameters that
cannot train, BatchNorm with tiny batches, regularization left on.

Where a bug makes memorization impossible, the rule says so with the bound it computed
(e.g. softmax outputs cap cross-entropy at log(1 + (C-1)/e)); such findings are errors
even before a rung fails. Suspicions become errors only when a rung did fail.
"""

from __future__ import annotations

import math

from torch import nn

from .context import Context, label_smoothing, loss_kind
from .evidence import BatchEvidence, batchnorm_fails_on_one, has_batchnorm
from .findings import (
    BAD_INIT,
    BATCHNORM_SMALL_BATCH,
    CAPACITY,
    NO_GRADIENT,
    OUTPUT_ACTIVATION_MISMATCH,
    REGULARIZATION,
    Finding,
    severity_if,
)

__all__ = ["model_checks"]

#: the value range of each output op; logits squashed into a range of width w cap how
#: far apart two classes can be, so cross-entropy cannot fall below log(1 + (C-1)e^-w)
_OP_RANGES: dict[str, tuple[float, float]] = {
    "softmax": (0.0, 1.0), "sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0),
    "hardtanh": (-1.0, 1.0), "relu": (0.0, math.inf), "softplus": (0.0, math.inf),
    "exp": (0.0, math.inf),
}
_LOGIT_KINDS = ("ce", "bce_logits", "ctc_any")
#: a batch smaller than this gives BatchNorm statistics too noisy to reuse at eval time
_BATCHNORM_MIN_BATCH = 4
_BOTTLENECK_WIDTH = 4
_WEIGHT_LAYERS = (nn.Linear, nn.modules.conv._ConvNd)


def model_checks(ctx: Context, ev: BatchEvidence) -> list[Finding]:
    findings = _output_activation(ctx, ev) + _frozen_parameters(ctx, ev) + _batchnorm(ctx, ev)
    findings += _regularization(ctx, ev) + _symmetric_weights(ctx, ev) + _bottleneck(ctx, ev)
    return findings


# --- the output activation against the loss ------------------------------------------
def _output_activation(ctx: Context, ev: BatchEvidence) -> list[Finding]:
    op, outputs = ev.output_op, ev.outputs
    kind = loss_kind(ctx.loss_fn, ctx.task)
    if outputs is None or kind is None:
        return []
    where = ev.label(ev.output_module) or "model output"
    if kind in ("nll", "ctc_logprobs") and not _looks_like_log_probs(outputs):
        wanted = "log-probabilities (log_softmax)"
        got = f"{op} outputs" if op in _OP_RANGES else "raw scores"
        return [Finding(OUTPUT_ACTIVATION_MISMATCH, "error",
                        f"the loss wants {wanted} but the model returns {got}; the loss then "
                        "rewards making scores large instead of probable", where=where,
                        evidence={"loss": kind, "output_op": op,
                                  "max_logsumexp": float(outputs.float().logsumexp(-1).abs().max())},
                        fix="end the model with .log_softmax(-1) (or use a loss that takes "
                            "raw logits, e.g. CrossEntropyLoss)", weight=3.0)]
    if op not in _OP_RANGES or kind not in _LOGIT_KINDS + ("mse",):
        return []
    if kind == "mse":
        return _output_range(ctx, ev, op, where)
    return _squashed_logits(ctx, ev, op, kind, where)


def _looks_like_log_probs(outputs) -> bool:
    return bool((outputs.float().logsumexp(-1).abs() < 1e-3).all())


def _squashed_logits(ctx: Context, ev: BatchEvidence, op: str, kind: str,
                     where: str) -> list[Finding]:
    if kind == "ctc_any" and op not in ("softmax", "sigmoid"):
        return []
    low, high = _OP_RANGES[op]
    threshold = ctx.task.loss_bound(ctx.stats)
    classes = 2 if kind == "bce_logits" else int(ev.outputs.shape[-1])
    if math.isinf(high):
        floor = _relu_floor(ctx, ev) if kind == "bce_logits" else 0.0
    else:
        # best case: the right logit at `high`, every other at `low`
        floor = math.log1p((classes - 1) * math.exp(-(high - low)))
    impossible = floor > threshold
    severity = "error" if impossible else severity_if(ctx.failed)
    reason = (f"the loss cannot fall below {floor:.3g} (the memorization threshold is "
              f"{threshold:g})" if impossible else "dead output units can never recover")
    loss_name = {"ce": "cross-entropy", "bce_logits": "BCE-with-logits",
                 "ctc_any": "the CTC loss (log_softmax inside)"}[kind]
    return [Finding(OUTPUT_ACTIVATION_MISMATCH, severity,
                    f"the model applies {op} to its output, but {loss_name} wants raw logits: "
                    f"{reason}", where=where,
                    evidence={"output_op": op, "loss": kind, "classes": classes,
                              "loss_floor": floor, "loss_threshold": threshold},
                    fix=f"remove the final {op}: return raw logits (the loss applies "
                        "softmax/sigmoid itself)", weight=3.0 if impossible else 1.5)]


def _relu_floor(ctx: Context, ev: BatchEvidence) -> float:
    """BCE-with-logits on logits >= 0: a label-0 item costs at least log 2."""
    targets = ev.batch.targets if ev.batch is not None else None
    has_zero = targets is not None and bool((targets == 0).any())
    return math.log(2.0) if has_zero else 0.0


def _output_range(ctx: Context, ev: BatchEvidence, op: str, where: str) -> list[Finding]:
    """Regression: the MSE the best prediction inside the op's range still leaves."""
    low, high = _OP_RANGES[op]
    targets = ev.batch.targets.float() if ev.batch is not None else None
    if targets is None or op == "softmax":
        return []
    gap = (low - targets).clamp(min=0) + (targets - high).clamp(min=0)
    floor = float(gap.pow(2).mean())
    outside = float((gap > 0).float().mean())
    if outside == 0:
        return []
    threshold = ctx.task.loss_bound(ctx.stats)
    impossible = floor > threshold
    return [Finding(OUTPUT_ACTIVATION_MISMATCH,
                    "error" if impossible else severity_if(ctx.failed),
                    f"the model ends with {op}, whose outputs lie in [{low:g}, {high:g}], but "
                    f"{outside:.0%} of the targets lie outside it; the MSE cannot fall below "
                    f"{floor:.3g}", where=where,
                    evidence={"output_op": op, "targets_outside": outside, "mse_floor": floor,
                              "mse_threshold": threshold,
                              "target_min": float(targets.min()),
                              "target_max": float(targets.max())},
                    fix=f"remove the final {op} so the output can take any real value",
                    weight=3.0 if impossible else 1.5)]


# --- parameters, normalization, regularization -------------------------------------------
def _frozen_parameters(ctx: Context, ev: BatchEvidence) -> list[Finding]:
    frozen = [name for layer in ev.layers for name in layer.frozen]
    if not frozen:
        return []
    layers = [layer.layer for layer in ev.layers if layer.frozen]
    count = sum(p.numel() for n, p in ev.model.named_parameters() if n in frozen) \
        if ev.model is not None else None
    return [Finding(NO_GRADIENT, severity_if(ctx.failed, "error", "info"),
                    f"{len(frozen)} parameter tensor(s) have requires_grad=False and will not "
                    "train", where=", ".join(frozen[:4]) + (" ..." if len(frozen) > 4 else ""),
                    evidence={"frozen": frozen[:20], "frozen_values": count, "reason": "frozen",
                              "layers": layers},
                    fix="set requires_grad=True on these parameters (or remove the "
                        "requires_grad_(False)/torch.no_grad() that freezes them)",
                    weight=2.0 if ctx.failed else 0.2)]


def _batchnorm(ctx: Context, ev: BatchEvidence) -> list[Finding]:
    if ev.model is None or not has_batchnorm(ev.model):
        return []
    smallest = 1 if ctx.rung is None else ctx.batch_size
    if smallest == 1:
        error = batchnorm_fails_on_one(ctx)
        if error is not None:
            return [Finding(BATCHNORM_SMALL_BATCH, "error",
                            "BatchNorm cannot compute batch statistics from one sample: a "
                            f"batch of 1 raises ({error.problem})", where=error.location,
                            evidence={"batch_size": 1, "error": str(error.error)[:200]},
                            fix="use LayerNorm or GroupNorm, or batches of at least 2 "
                                "(the ladder's first rung has one sample)", weight=3.0)]
    if ctx.failed and ctx.batch_size < _BATCHNORM_MIN_BATCH:
        return [Finding(BATCHNORM_SMALL_BATCH, "error",
                        f"BatchNorm normalizes over batches of {ctx.batch_size}: train-mode "
                        "batch statistics and eval-mode running statistics disagree",
                        where=_batchnorm_names(ev.model), evidence={"batch_size": ctx.batch_size},
                        fix="use LayerNorm or GroupNorm (independent of the batch)", weight=2.0)]
    return []


def _batchnorm_names(model: nn.Module) -> str:
    names = [n for n, m in model.named_modules()
             if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    return ", ".join(names[:3]) + (" ..." if len(names) > 3 else "")


def _regularization(ctx: Context, ev: BatchEvidence) -> list[Finding]:
    config, found = ctx.config, {}
    if config.dropout > 0:
        found["dropout"] = config.dropout
    if config.weight_decay > 0:
        found["weight_decay"] = config.weight_decay
    if config.augment and ctx.spec.augment_factory is not None:
        found["augment"] = True
    if ev.model is not None:
        dropouts = {n: m.p for n, m in ev.model.named_modules()
                    if isinstance(m, nn.modules.dropout._DropoutNd) and m.p > 0}
        if dropouts:
            found["dropout_layers"] = dropouts
    smoothing = label_smoothing(ctx.loss_fn)
    if smoothing > 0:
        found["label_smoothing"] = smoothing
    if not found:
        return []
    strong = (smoothing > 0 or config.weight_decay >= 0.1 or config.dropout >= 0.5
              or max(found.get("dropout_layers", {0: 0}).values()) >= 0.5)
    what = ", ".join(k.replace("_", " ") for k in found)
    return [Finding(REGULARIZATION, severity_if(ctx.failed and strong),
                    f"regularization is on during the overfitting test ({what}): it fights "
                    "memorization by design", where=", ".join(found.get("dropout_layers", {}))
                    or "CONFIG", evidence=found,
                    fix="turn dropout, weight decay, label smoothing and augmentation off for "
                        "the probe (or read them from the dropout hint)",
                    weight=1.5 if strong else 0.5)]


def _symmetric_weights(ctx: Context, ev: BatchEvidence) -> list[Finding]:
    """Hidden Linear/conv layers whose units all start identical never become different.
    (Free parameters such as a zero-initialized position table are fine: each row gets
    its own gradient.)"""
    if ev.model is None:
        return []
    layers = [(n, m.weight) for n, m in ev.model.named_modules()
              if isinstance(m, _WEIGHT_LAYERS) and getattr(m, "weight", None) is not None]
    suspects = {}
    for name, weight in layers[:-1]:  # a zero output layer is a common, harmless choice
        rows = weight.detach().reshape(weight.shape[0], -1)
        if rows.shape[0] > 1 and bool((rows == rows[:1]).all()):
            suspects[name] = float(rows[0].abs().mean())
    if not suspects:
        return []
    return [Finding(BAD_INIT, severity_if(ctx.failed),
                    f"{len(suspects)} layer(s) start with identical weight rows (zero or "
                    "constant init): their units get identical gradients and stay identical",
                    where=", ".join(suspects), evidence={"identical_rows": suspects},
                    fix="keep PyTorch's default init (or use nn.init.kaiming_uniform_/"
                        "xavier_uniform_); never init hidden weights to a constant",
                    weight=2.5)]


def _bottleneck(ctx: Context, ev: BatchEvidence) -> list[Finding]:
    """A hidden Linear layer of a few units, far narrower than its input or than the
    number of classes, squeezes every sample into a few dimensions."""
    if ev.model is None:
        return []
    linears = [(n, m) for n, m in ev.model.named_modules() if isinstance(m, nn.Linear)]
    if len(linears) < 2:
        return []
    outputs = linears[-1][1].out_features
    name, narrowest = min(linears[:-1], key=lambda pair: pair[1].out_features)
    width = narrowest.out_features
    squeezed = 2 * width < outputs or narrowest.in_features >= 4 * width
    if width > _BOTTLENECK_WIDTH or not squeezed:
        return []
    return [Finding(CAPACITY, severity_if(ctx.failed, "warning", "info"),
                    f"{name} squeezes every sample into {width} dimensions (from "
                    f"{narrowest.in_features}, before {outputs} outputs): a tight bottleneck "
                    "for memorizing many samples", where=name,
                    evidence={"width": width, "in_features": narrowest.in_features,
                              "outputs": outputs},
                    fix=f"widen {name} or remove the bottleneck", weight=1.0)]
