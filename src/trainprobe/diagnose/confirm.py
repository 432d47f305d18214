"""Confirmation experiments: rerun the failed rung with a suspected cause fixed, and
report whether it then memorizes. A passing rerun turns a guess into a verified fix:
`evidence: {"confirmed_by": "...", "rung_passed": true}`.

Each rerun goes through the ladder's own train_rung on a fresh model, with a small budget
(_CONFIRM_STEPS, _CONFIRM_SECONDS): a fixed rung memorizes in tens of steps on the examples.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..engine.config import merged
from ..engine.events import StopReason
from ..errors import TrainprobeError
from ..overfit.ladder import RungResult, train_rung
from ..overfit.presets import preset_for
from ..spec import Spec
from ..tasks import SampledItems
from . import fixes
from .context import Context
from .data_checks import flat_inputs
from .evidence import BatchEvidence
from .findings import (
    BAD_INIT,
    CAPACITY,
    DEAD_UNITS,
    INPUT_SCALE,
    LR_TOO_HIGH,
    LR_TOO_LOW,
    NO_GRADIENT,
    OUTPUT_ACTIVATION_MISMATCH,
    REGULARIZATION,
    TARGET_SCALE,
    TARGET_SHAPE_MISMATCH,
    Finding,
)
from .rank import EXPLAINS

__all__ = ["confirm"]

_CONFIRM_STEPS = 500
_CONFIRM_SECONDS = 6.0
_MAX_EXPERIMENTS = 2


@dataclass
class _Experiment:
    label: str  # what was changed, for "confirmed_by"
    spec: Spec
    data: Sequence[Any] | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    hints: dict[str, Any] = field(default_factory=dict)


def confirm(findings: list[Finding], ctx: Context, ev: BatchEvidence,
            limit: int = _MAX_EXPERIMENTS) -> int:
    """Run up to `limit` experiments for the findings that have one, in the given (ranked)
    order, except that an unstable loss curve tries lr / 10 first (an unrelated rerun at
    the same too-high rate would fail for the same reason and prove nothing); stop at the
    first that makes the rung pass. Returns how many ran."""
    if not ctx.failed or ctx.rung is None or ctx.rung.error is not None:
        return 0
    ran = 0
    rank_of = {id(f): position for position, f in enumerate(findings)}
    for finding in _experiment_order(findings):
        if ran >= limit:
            break
        if _explained_by_earlier(finding, findings[:rank_of[id(finding)]]):
            continue  # its cause ranks above it: test the cause, not the symptom
        experiment = _experiment_for(finding, ctx, ev)
        if experiment is None:
            continue
        ran += 1
        try:
            result = _run_experiment(experiment, ctx)
        except TrainprobeError:
            continue  # the fixed spec could not even be built: no evidence either way
        if result.stop_reason == StopReason.INTERRUPTED:
            break  # Ctrl-C is not evidence against the cause
        _record(finding, experiment, ctx, result)
        if result.passed:
            break
    return ran


def _experiment_order(findings: list[Finding]) -> list[Finding]:
    """The ranked findings, with an unstable curve's LR_TOO_HIGH moved to the front."""
    unstable = [f for f in findings if f.code == LR_TOO_HIGH and f.evidence.get("unstable")]
    return unstable + [f for f in findings if all(f is not u for u in unstable)]


def _explained_by_earlier(finding: Finding, earlier: list[Finding]) -> bool:
    return any(finding.code in EXPLAINS.get(cause.code, ()) and cause.confirmed is not False
               for cause in earlier)


def _record(finding: Finding, experiment: _Experiment, ctx: Context, result: RungResult) -> None:
    outcome = (f"memorized in {result.steps} steps" if result.passed else
               f"still failed ({result.stop_reason})")
    finding.evidence["confirmed_by"] = f"rerun of rung n={ctx.n} with {experiment.label}: " \
                                       f"{outcome}"
    finding.evidence["rung_passed"] = bool(result.passed)
    if result.final_loss is not None:
        finding.evidence["rerun_final_loss"] = result.final_loss
    if result.passed:
        finding.severity = "error"
        finding.message += f" (confirmed: with {experiment.label}, rung n={ctx.n} {outcome})"


def _run_experiment(experiment: _Experiment, ctx: Context) -> RungResult:
    budget = {"max_steps": min(ctx.config.max_steps, _CONFIRM_STEPS),
              "max_seconds": min(ctx.config.max_seconds or math.inf, _CONFIRM_SECONDS)}
    config = merged(ctx.config, {**budget, **experiment.overrides}, "confirmation")
    data = experiment.data if experiment.data is not None else ctx.train_data
    # statistics of the data the rerun trains on (standardized targets have variance 1)
    stats = experiment.spec.task.prepare(SampledItems(data))
    return train_rung(experiment.spec, data, ctx.n, config, model_hints=experiment.hints,
                      stats=stats)


def _experiment_for(finding: Finding, ctx: Context, ev: BatchEvidence) -> _Experiment | None:
    builder = _BUILDERS.get(finding.code)
    return builder(finding, ctx, ev) if builder else None


def _output_activation(finding: Finding, ctx: Context, ev: BatchEvidence) -> _Experiment | None:
    if finding.evidence.get("loss") in ("nll", "ctc_logprobs") and \
            finding.evidence.get("output_op") != "softmax":
        return _Experiment("log_softmax added to the output",
                           fixes.with_model_fix(ctx.spec, fixes.add_log_softmax))
    op = finding.evidence.get("output_op")
    if op is None:
        return None
    if op == "softmax" and finding.evidence.get("loss") in ("nll", "ctc_logprobs"):
        fix = fixes.remove_output_activation(None, "softmax")  # log of softmax = log_softmax
    else:
        fix = fixes.remove_output_activation(ev.output_op_module, op)
    if fix is None:
        return None
    return _Experiment(f"the output {op} removed", fixes.with_model_fix(ctx.spec, fix))


def _preset_lr(ctx: Context) -> float:
    return float(preset_for(ctx.n)["lr"])


def _lower_lr(finding: Finding, ctx: Context, ev: BatchEvidence) -> _Experiment:
    lr = ctx.config.lr
    new = lr / 10 if lr / 10 <= 10 * _preset_lr(ctx) else _preset_lr(ctx)
    return _Experiment(f"lr {new:g} (was {lr:g})", ctx.spec, overrides={"lr": new})


def _higher_lr(finding: Finding, ctx: Context, ev: BatchEvidence) -> _Experiment:
    lr = ctx.config.lr
    new = lr * 10 if lr * 10 >= _preset_lr(ctx) / 10 else _preset_lr(ctx)
    return _Experiment(f"lr {new:g} (was {lr:g})", ctx.spec, overrides={"lr": new})


def _wider(finding: Finding, ctx: Context, ev: BatchEvidence) -> _Experiment | None:
    if "hidden_dim" not in ctx.spec.accepted_hints():
        return None
    current = ctx.config.hidden_dim or _signature_default(ctx.spec, "hidden_dim")
    if not isinstance(current, int):
        return None
    return _Experiment(f"hidden_dim {2 * current} (was {current})", ctx.spec,
                       hints={"hidden_dim": 2 * current})


def _signature_default(spec: Spec, name: str) -> Any:
    parameter = inspect.signature(spec.model_factory).parameters.get(name)
    return None if parameter is None else parameter.default


def _no_regularization(finding: Finding, ctx: Context, ev: BatchEvidence) -> _Experiment:
    spec = fixes.with_model_fix(ctx.spec, fixes.no_dropout)
    spec = fixes.with_loss_fix(spec, fixes.no_label_smoothing)
    return _Experiment("dropout, weight decay, label smoothing and augmentation off", spec,
                       overrides={"dropout": 0.0, "weight_decay": 0.0, "augment": False})


def _default_init(finding: Finding, ctx: Context, ev: BatchEvidence) -> _Experiment:
    return _Experiment("PyTorch's default init (reset_parameters)",
                       fixes.with_model_fix(ctx.spec, fixes.reset_parameters))


def _unfrozen(finding: Finding, ctx: Context, ev: BatchEvidence) -> _Experiment | None:
    if finding.evidence.get("reason") != "frozen":
        return None
    return _Experiment("every parameter trainable", fixes.with_model_fix(ctx.spec, fixes.unfreeze))


def _scaled_inputs(finding: Finding, ctx: Context, ev: BatchEvidence) -> _Experiment | None:
    # the inputs as the model sees them (through the spec's own collate, if it has one);
    # floating tensors only: ids stay ids
    values = flat_inputs(ctx.data_sample.items or [])
    if not values:
        return None
    return _Experiment("inputs standardized per feature",
                       fixes.with_model_fix(ctx.spec, fixes.standardized_inputs(values)))


def _scaled_targets(finding: Finding, ctx: Context, ev: BatchEvidence) -> _Experiment | None:
    mean, std = finding.evidence.get("target_mean"), finding.evidence.get("target_std")
    if mean is None or not std:
        return None
    return _Experiment("targets standardized", ctx.spec,
                       data=fixes.standardized_targets(ctx.train_data, mean, std))


def _reshaped_output(finding: Finding, ctx: Context, ev: BatchEvidence) -> _Experiment | None:
    if "broadcast_shape" not in finding.evidence or ev.batch is None:
        return None
    item_shape = tuple(ev.batch.targets.shape[1:])
    return _Experiment(f"the output reshaped to the target's shape (N, {', '.join(map(str, item_shape))})"
                       if item_shape else "the output reshaped to the target's shape (N,)",
                       fixes.with_model_fix(ctx.spec, fixes.match_target_shape(item_shape)))


_BUILDERS = {
    OUTPUT_ACTIVATION_MISMATCH: _output_activation, LR_TOO_HIGH: _lower_lr,
    LR_TOO_LOW: _higher_lr, CAPACITY: _wider, REGULARIZATION: _no_regularization,
    BAD_INIT: _default_init, DEAD_UNITS: _default_init, NO_GRADIENT: _unfrozen,
    INPUT_SCALE: _scaled_inputs, TARGET_SCALE: _scaled_targets,
    TARGET_SHAPE_MISMATCH: _reshaped_output,
}
