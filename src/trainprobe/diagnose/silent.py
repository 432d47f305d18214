"""Silent-bug rules over the differential experiments of experiments.py: bugs a model can
memorize through, so the ladder alone passes them (issue 9).

Each rule is a small function from a Measurement to findings. Thresholds were measured on
the healthy examples and corpus controls of every task, three seeds
(`python benchmarks/calibrate_silent.py`; README, "Thresholds"): healthy models give exact
zeros or float noise (< 1e-6) where these rules look for changes of 1e-4 and more.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from torch import Tensor, nn

from ..instruments.functional import site_module
from ..tasks import Batch
from .context import Context
from .evidence import BatchEvidence
from .experiments import (
    Measurement,
    batch_mixing,
    causal_leak,
    eval_loss,
    eval_repeat,
    input_dependence,
    not_applicable,
    reduction_ratio,
    settle_batchnorm,
)
from .findings import (
    BATCH_MIXING,
    CAUSAL_LEAK,
    INPUT_IGNORED,
    LOSS_REDUCTION_SUM,
    TRAIN_EVAL_MISMATCH,
    Finding,
    severity_if,
)

__all__ = ["CAUSAL_CHANGE", "EVAL_LOSS_RATIO", "EVAL_REPEAT_CHANGE", "GRADIENT_SHARE",
           "IGNORED_CHANGE", "MIXING_CHANGE", "SUM_RATIO", "eval_loss_measurement", "silent_checks"]

#: outputs at positions <= t move when tokens after t change (healthy causal models: 0)
CAUSAL_CHANGE = 1e-4
#: an item's outputs move when the other items of its batch change (healthy: 0)
MIXING_CHANGE = 1e-4
#: share of item 0's input gradient that lands on other items (healthy: exactly 0)
GRADIENT_SHARE = 1e-4
#: two eval-mode passes of one batch differ (healthy: 0)
EVAL_REPEAT_CHANGE = 1e-5
#: eval-mode loss / train-mode loss on one batch at init (healthy: 0.9 .. 1.1)
EVAL_LOSS_RATIO = 3.0
#: loss of the batch repeated twice / loss of the batch (mean: 1, sum: 2)
SUM_RATIO = 1.5
#: the outputs move by less than this when the inputs are permuted or zeroed
IGNORED_CHANGE = 1e-6


def silent_checks(ctx: Context, ev: BatchEvidence) -> list[Finding]:
    """Run the one-batch experiments on the evidence's model and batch (in eval mode)."""
    if ev.model is None or ev.batch is None or ev.error is not None or len(ev.batch) < 2:
        return []
    model, batch = ev.model, ev.batch
    measured = _guarded(lambda: settle_batchnorm(model, batch) or Measurement())
    if not measured.applicable:
        return []

    def loss(outputs: Tensor, b: Batch) -> Tensor:
        return ctx.task.loss(outputs, b, ctx.loss_fn)

    repeat = _guarded(lambda: eval_repeat(model, batch))
    findings = _train_eval(ctx, ev, repeat, _guarded(lambda: eval_loss_measurement(
        model, batch, loss, ev.loss)))
    if findings:  # eval mode is random or broken: the comparisons below would be noise
        return findings
    findings += _mixing(ctx, _guarded(lambda: batch_mixing(model, batch)))
    if ctx.task.token_level_targets:
        findings += _causal(_guarded(lambda: causal_leak(model, batch)))
    if ctx.loss_fn is not None:  # the task's own losses are means by construction
        findings += _reduction(ctx, _guarded(lambda: reduction_ratio(model, batch, loss)))
    findings += _ignored(ctx, _guarded(lambda: input_dependence(model, batch)))
    return findings


def _guarded(measure: Callable[[], Measurement]) -> Measurement:
    """A model that raises in eval mode (or on a repeated batch) gives no measurement; the
    ladder, which evaluates in eval mode, reports that exception with its line."""
    try:
        return measure()
    except Exception as error:  # noqa: BLE001 - user code: anything can be raised
        return not_applicable(f"{type(error).__name__}: {error}")


def eval_loss_measurement(model: nn.Module, batch: Batch, loss: Callable[[Tensor, Batch], Tensor],
                          train_loss: float | None) -> Measurement:
    if train_loss is None or not math.isfinite(train_loss):
        return not_applicable("the train-mode loss is not finite")
    value = eval_loss(model, batch, loss)
    ratio = value / train_loss if train_loss > 1e-8 else (1.0 if value <= 1e-8 else math.inf)
    return Measurement(ratio, extra={"eval_loss": value, "train_loss": train_loss})


def _train_eval(ctx: Context, ev: BatchEvidence, repeat: Measurement,
                losses: Measurement) -> list[Finding]:
    where = ev.label(ev.output_module) or "model (eval mode)"
    if repeat.applicable and repeat.value > EVAL_REPEAT_CHANGE:
        dropping = (repeat.extra or {}).get("dropping_in_eval") or []
        culprit = (f": a dropout call in {_module_of(dropping[0])} drops in eval mode"
                   if dropping else ": something random stays on in eval mode")
        return [Finding(
            TRAIN_EVAL_MISMATCH, severity_if(ctx.failed),
            f"two eval-mode passes over the same batch differ by up to {repeat.value:.3g} "
            f"(relative){culprit}, so every validation number is noisy and the ladder's "
            "memorization check cannot settle", where=dropping[0] if dropping else where,
            evidence={"eval_repeat_change": repeat.value, "threshold": EVAL_REPEAT_CHANGE,
                      "dropping_in_eval": dropping},
            fix="pass training=self.training to F.dropout (or use nn.Dropout modules), and "
                "draw no random numbers in forward() when not self.training", weight=2.6)]
    if not losses.applicable:
        return []
    extra = losses.extra or {}
    if not math.isfinite(extra["eval_loss"]):
        what = f"is {extra['eval_loss']} where the train-mode loss is {extra['train_loss']:.3g}"
    elif losses.value > EVAL_LOSS_RATIO:
        what = (f"is {extra['eval_loss']:.3g}, {losses.value:.3g} times the train-mode loss "
                f"{extra['train_loss']:.3g}")
    else:
        return []
    return [Finding(
        TRAIN_EVAL_MISMATCH, "error" if ctx.failed or not math.isfinite(extra["eval_loss"])
        else "warning",
        f"on the same batch and weights, the eval-mode loss {what}: eval mode takes another "
        "path through the model (every validation number and the ladder's memorization check "
        "use eval mode)", where=where,
        evidence={**extra, "ratio": losses.value, "threshold": EVAL_LOSS_RATIO},
        fix="compare model.train() and model.eval() forward paths: an inverted padding mask "
            "(True must mean 'ignore'), the transformer fast path, BatchNorm statistics or a "
            "branch on self.training", weight=3.0)]


def _module_of(site: str) -> str:
    module = site_module(site)
    return "the model's own forward()" if module == "(root)" else f"`{module}`.forward()"


def _mixing(ctx: Context, measured: Measurement) -> list[Finding]:
    if not measured.applicable:
        return []
    share = (measured.extra or {}).get("gradient")
    if measured.value <= MIXING_CHANGE and (share is None or share <= GRADIENT_SHARE):
        return []
    return [Finding(
        BATCH_MIXING, severity_if(ctx.failed),
        f"in eval mode, the outputs of half a batch of {measured.extra['items']} change by "
        f"up to {measured.value:.3g} (relative) when the other half changes"
        + (f", and {share:.1%} of the gradient of one item's output reaches other items' "
           "inputs" if share is not None else "")
        + ": samples are mixed across the batch", where="model (batch dimension)",
        evidence={"output_change": measured.value, "gradient_share_other_items": share,
                  "items": measured.extra["items"], "threshold": MIXING_CHANGE},
        fix="keep dim 0 the batch everywhere: permute/transpose instead of reshape/view to "
            "reorder axes ((N, T, F) -> (T, N, F)), softmax/mean/sum over the feature or time "
            "axis, not dim 0, and batch_first=True for RNNs/attention fed (N, T, F)",
        weight=3.0)]


def _causal(measured: Measurement) -> list[Finding]:
    if not measured.applicable or measured.value <= CAUSAL_CHANGE:
        return []
    extra = measured.extra or {}
    per_position = extra.get("per_position", [])
    first = next((p for p, v in enumerate(per_position) if v > CAUSAL_CHANGE), None)
    return [Finding(
        CAUSAL_LEAK, "warning",
        f"changing the tokens from position {extra['changed_from']} on changes the outputs "
        f"at positions {first}..{extra['position']} by up to {measured.value:.3g} (relative): "
        "each position sees the tokens it must predict, so the model memorizes and "
        "validates well but cannot generate", where=extra.get("input"),
        evidence={"output_change": measured.value, "first_position_changed": first,
                  "tokens_changed_from": extra["changed_from"], "threshold": CAUSAL_CHANGE},
        fix="mask attention to later positions (a causal mask / is_causal=True), use a "
            "unidirectional RNN, and no convolution or pooling that looks ahead",
        weight=3.0)]


def _reduction(ctx: Context, measured: Measurement) -> list[Finding]:
    if not measured.applicable or measured.value <= SUM_RATIO:
        return []
    return [Finding(
        LOSS_REDUCTION_SUM, "warning",
        f"the loss of the batch repeated twice is {measured.value:.3g} times the loss of the "
        "batch: the loss sums over items, so gradients grow with the batch size and a "
        f"learning rate tuned for a mean is {ctx.batch_size}x too large at batch size "
        f"{ctx.batch_size}", where="loss",
        evidence={"ratio": measured.value, **(measured.extra or {}), "threshold": SUM_RATIO},
        fix="use reduction='mean' (the default) or divide the summed loss by the batch size",
        weight=2.0)]


def _ignored(ctx: Context, measured: Measurement) -> list[Finding]:
    extra: dict[str, Any] = measured.extra or {}
    if not measured.applicable or not extra.get("distinct_inputs") \
            or measured.value >= IGNORED_CHANGE:
        return []
    return [Finding(
        INPUT_IGNORED, severity_if(ctx.failed),
        f"the outputs change by at most {measured.value:.3g} (relative) when each item gets "
        "another item's inputs" + (" or the inputs are zeroed" if "zeroed" in extra else "")
        + ": the model's output does not depend on its input", where="model input",
        evidence={"permuted_change": extra.get("permuted"), "zeroed_change": extra.get("zeroed"),
                  "threshold": IGNORED_CHANGE},
        fix="make forward() compute the output from its argument: look for the input "
            "overwritten or replaced by a constant, the wrong variable returned, or an output "
            "built from parameters or buffers alone", weight=2.6)]
