"""One-batch rules: gradients per layer, dead and saturated units, near-uniform outputs,
the loss at initialization, and outputs silently broadcast against their targets.

Each rule reads the BatchEvidence recorded by evidence.collect(); thresholds were measured
on the healthy examples of every task (README, "Thresholds, measured on healthy models").
"""

from __future__ import annotations

import math

import torch

from .context import Context, loss_kind, loss_modules
from .evidence import BatchEvidence
from .findings import (
    BAD_INIT,
    DEAD_UNITS,
    EXPLODING_GRADIENT,
    NO_GRADIENT,
    NONFINITE,
    SATURATED_ACTIVATIONS,
    TARGET_SHAPE_MISMATCH,
    UNIFORM_OUTPUT,
    VANISHING_GRADIENT,
    Finding,
    severity_if,
)

__all__ = ["DEAD_FRACTION", "EXPLODING_RELATIVE", "INIT_LOSS_RATIO", "SATURATED_FRACTION",
           "UNIFORM_STD", "VANISHING_RATIO", "batch_checks"]

#: healthy: smallest/largest relative gradient of weight matrices >= 2e-3 (LayerNorm and
#: embeddings excluded); a 12-layer sigmoid MLP gives 1e-7
VANISHING_RATIO = 1e-4
#: attention query/key projections (Hugging Face, nanoGPT-style and diffusers names): the
#: scores are q.k, so each one's gradient is scaled by the other's small init weights and
#: its relative gradient is tiny by design (BERT at init: ~1e-5 of the classifier's, with
#: every other layer within 1e-3 of it). The vanishing-gradient rule does not judge them.
_ATTENTION_QUERY_KEY = frozenset({"query", "key", "q_proj", "k_proj", "q_lin", "k_lin", "to_q",
                                  "to_k", "wq", "wk", "q", "k"})
#: healthy: largest |grad|/|weight| <= 3 at init; weights drawn with std 1 give 1e3+
EXPLODING_RELATIVE = 100.0
DEAD_FRACTION = 0.5  # healthy ReLU layers: 0 .. 0.30 dead (README thresholds table)
SATURATED_FRACTION = 0.5
#: healthy logits vary across classes with std >= 0.05 at init; 1e-3 means "uniform"
UNIFORM_STD = 1e-3
#: healthy initial loss / untrained loss is within 0.84 .. 1.15 (README thresholds table)
INIT_LOSS_RATIO = 3.0


def batch_checks(ctx: Context, ev: BatchEvidence) -> list[Finding]:
    if ev.outputs is None:
        return []
    findings = _nonfinite_outputs(ev) + _broadcasting(ctx, ev)
    if ev.error is not None:
        return findings
    findings += _missing_gradients(ctx, ev) + _gradient_size(ctx, ev)
    findings += _unit_health(ctx, ev) + _uniform_output(ctx, ev) + _initial_loss(ctx, ev)
    return findings


def _nonfinite_outputs(ev: BatchEvidence) -> list[Finding]:
    outputs = ev.outputs.float()
    values = [("outputs", outputs)]
    if ev.loss is not None:
        values.append(("loss", torch.tensor(ev.loss)))
    for role, value in values:
        if not bool(torch.isfinite(value).all()):
            return [Finding(NONFINITE, "error",
                            f"the untrained model's {role} on one batch {'are' if role == 'outputs' else 'is'} "
                            "already NaN/Inf",
                            where="model output" if role == "outputs" else "loss",
                            evidence={"role": role,
                                      "nonfinite": int((~torch.isfinite(value)).sum())},
                            fix="look for log(0), division by zero or sqrt of negatives in "
                                "forward/loss; check the data for NaN", weight=2.5)]
    return []


def _broadcasting(ctx: Context, ev: BatchEvidence) -> list[Finding]:
    """An (N, 1) output against an (N,) target broadcasts to (N, N) in elementwise losses:
    no error, but every prediction is pulled toward the mean of all targets."""
    kind = loss_kind(ctx.loss_fn, ctx.task)
    if ev.batch is None or kind not in ("mse", "bce", "bce_logits"):
        return []
    if ctx.task.reshapes_outputs and ctx.loss_fn is None:
        return []  # the task's own loss reshapes (N, 1) outputs itself
    outputs, targets = ev.outputs, ev.batch.targets
    if outputs.shape == targets.shape:
        return []
    try:
        combined = torch.broadcast_shapes(outputs.shape, targets.shape)
    except RuntimeError:
        return []  # raises at run time; user_errors reports it with the line
    if math.prod(combined) <= targets.numel():
        return []
    return [Finding(TARGET_SHAPE_MISMATCH, "error",
                    f"outputs {tuple(outputs.shape)} and targets {tuple(targets.shape)} "
                    f"broadcast to {tuple(combined)} in the loss: each prediction is compared "
                    "with every target of the batch (harmless only with one sample)",
                    where="loss", evidence={"output_shape": list(outputs.shape),
                                            "target_shape": list(targets.shape),
                                            "broadcast_shape": list(combined)},
                    fix="make the output match the target: return out.squeeze(-1) for (N,) "
                        "targets (or reshape the targets to (N, 1))", weight=3.5)]


def _missing_gradients(ctx: Context, ev: BatchEvidence) -> list[Finding]:
    missing = [name for layer in ev.layers for name in layer.missing]
    zero = [layer.layer for layer in ev.layers if layer.grad_norm == 0.0 and not layer.frozen]
    if not missing and not zero:
        return []
    trainable = sum(1 for layer in ev.layers for _ in layer.missing) + sum(
        1 for layer in ev.layers if layer.grad_norm is not None)
    what = (f"{len(missing)} trainable parameter tensor(s) get no gradient at all "
            "(detached, or not used in forward)" if missing else
            f"{len(zero)} layer(s) get an exactly zero gradient")
    return [Finding(NO_GRADIENT, severity_if(ctx.failed or not trainable),
                    what, where=", ".join((missing or zero)[:4]),
                    evidence={"no_grad": missing[:20], "zero_grad_layers": zero[:20],
                              "reason": "detached or unused" if missing else "zero gradient"},
                    fix="follow these parameters from forward to the loss: remove .detach(), "
                        ".item(), .data, torch.no_grad() or numpy round trips on the way, and "
                        "delete layers forward never calls", weight=2.5 if missing else 1.0)]


def _matrix_layers(ev: BatchEvidence) -> list:
    """Layers holding weight matrices (Linear, conv, recurrent, attention) with a non-zero
    gradient. LayerNorm, embeddings and free parameters are left out: their relative
    gradients are small or undefined by construction."""
    if ev.model is None:
        return []
    kinds = (torch.nn.Linear, torch.nn.modules.conv._ConvNd, torch.nn.RNNBase,
             torch.nn.MultiheadAttention)
    names = {name for name, m in ev.model.named_modules() if isinstance(m, kinds)}
    return [g for g in ev.layers if g.layer in names and g.grad_norm and g.relative]


def _gradient_size(ctx: Context, ev: BatchEvidence) -> list[Finding]:
    layers = _matrix_layers(ev)
    if len(layers) < 2:
        return []
    relative = {g.layer: g.relative for g in layers}
    judged = [name for name in relative if not _is_query_key(name)] or list(relative)
    smallest = min(judged, key=relative.get)
    largest = max(relative, key=relative.get)
    findings = []
    ratio = relative[smallest] / relative[largest]
    if ratio < VANISHING_RATIO:
        findings.append(Finding(
            VANISHING_GRADIENT, severity_if(ctx.failed),
            f"the relative gradient |g|/|w| of {ev.label(smallest)} is {ratio:.2g} times that "
            f"of {ev.label(largest)}: the early layers barely move", where=ev.label(smallest),
            evidence={"relative_grad": {k: v for k, v in relative.items()}, "ratio": ratio},
            fix="use ReLU/GELU instead of sigmoid/tanh in hidden layers, add residual "
                "connections or normalization (LayerNorm), or use fewer layers", weight=1.8))
    if relative[largest] > EXPLODING_RELATIVE:
        findings.append(Finding(
            EXPLODING_GRADIENT, severity_if(ctx.failed),
            f"one step at lr 1 would move {ev.label(largest)} by {relative[largest]:.3g} times "
            "its own size: gradients are far larger than the weights", where=ev.label(largest),
            evidence={"relative_grad": relative[largest], "total_grad_norm": ev.total_grad_norm},
            fix="check the init scale (keep PyTorch defaults), normalize inputs/targets, and "
                "clip gradients (grad_clip)", weight=1.8))
    return findings


def _is_query_key(layer: str) -> bool:
    """An attention query or key projection, by the name its library gives it."""
    return layer.rsplit(".", 1)[-1] in _ATTENTION_QUERY_KEY


def _unit_health(ctx: Context, ev: BatchEvidence) -> list[Finding]:
    findings = []
    dead = [a for a in ev.activations if a.dead is not None and a.dead >= DEAD_FRACTION]
    if dead:
        worst = max(dead, key=lambda a: a.dead)
        findings.append(Finding(
            DEAD_UNITS, "error" if worst.dead >= 0.9 or ctx.failed else "warning",
            f"{worst.dead:.0%} of the units after {ev.label(worst.layer)} output zero for every one of "
            f"{len(ev.batch)} samples: they pass no gradient", where=ev.label(worst.layer),
            evidence={"dead_fraction": {a.layer: a.dead for a in dead}},
            fix="check the bias/weight init before this ReLU (a large negative bias kills it), "
                "normalize inputs, lower the LR, or use LeakyReLU/GELU",
            weight=2.8 if worst.dead >= 0.9 else 1.5))
    saturated = [a for a in ev.activations if a.saturated is not None
                 and a.saturated >= SATURATED_FRACTION]
    if saturated:
        worst = max(saturated, key=lambda a: a.saturated)
        findings.append(Finding(
            SATURATED_ACTIVATIONS, severity_if(ctx.failed),
            f"{worst.saturated:.0%} of the values after {ev.label(worst.layer)} sit at the bounds of "
            f"{worst.kind}: their gradient is near zero", where=ev.label(worst.layer),
            evidence={"saturated_fraction": {a.layer: a.saturated for a in saturated}},
            fix="scale inputs to unit variance, keep default init, or replace sigmoid/tanh "
                "in hidden layers with ReLU/GELU", weight=2.0))
    return findings


def _uniform_output(ctx: Context, ev: BatchEvidence) -> list[Finding]:
    outputs = ev.outputs.float()
    if not ctx.task.class_scores or outputs.shape[-1] < 2:
        return []
    if ev.output_op in ("softmax", "sigmoid"):
        return []  # squashed outputs are small by construction; static_checks names them
    spread = float(outputs.std(-1).mean())
    if spread >= UNIFORM_STD:
        return []
    classes = outputs.shape[-1]
    return [Finding(UNIFORM_OUTPUT, severity_if(ctx.failed),
                    f"the scores differ across the {classes} classes by only {spread:.2g} "
                    f"(healthy untrained models: >= 0.05): predictions are uniform, "
                    f"loss stuck near log({classes}) = {math.log(classes):.3g}",
                    where=ev.label(ev.output_module) or "model output",
                    evidence={"score_std_across_classes": spread, "classes": classes},
                    fix="look for a scale factor on the logits (temperature, a tiny constant, "
                        "a normalization of the output); return the last layer's output as is",
                    weight=2.2)]


def _initial_loss(ctx: Context, ev: BatchEvidence) -> list[Finding]:
    expected, loss = ev.untrained_loss, ev.loss
    if expected is None or loss is None or not math.isfinite(loss) or expected <= 0:
        return []
    if ctx.loss_fn is not None and (loss_kind(ctx.loss_fn, ctx.task) is None or any(
            getattr(m, "reduction", "mean") != "mean" for m in loss_modules(ctx.loss_fn))):
        return []  # a custom loss need not match the task's untrained value
    ratio = loss / expected
    if ratio <= INIT_LOSS_RATIO:
        return []
    return [Finding(BAD_INIT, severity_if(ctx.failed),
                    f"the loss at initialization is {loss:.3g}, {ratio:.3g} times what an "
                    f"untrained model should give ({expected:.3g}): the model starts confidently "
                    "wrong", where=ev.label(ev.output_module) or "model output",
                    evidence={"initial_loss": loss, "untrained_loss": expected, "ratio": ratio},
                    fix="keep PyTorch's default init (no large std), initialize the last layer "
                        "small, and scale the inputs to unit variance", weight=1.6)]
