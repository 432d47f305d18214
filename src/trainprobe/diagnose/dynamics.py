"""Rules over the loss and metric curves of each rung: non-finite values, divergence or
oscillation, slow steady progress, a plateau, and a loss that falls while the metric does
not. They judge failed rungs only: a rung that memorized needs no explanation."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..engine.events import StopReason
from ..overfit.ladder import RungResult
from .context import Context
from .findings import (
    CAPACITY,
    LOSS_TASK_MISMATCH,
    LR_TOO_HIGH,
    LR_TOO_LOW,
    NONFINITE,
    UNIFORM_OUTPUT,
    Finding,
)

__all__ = ["dynamics_checks"]

#: an LR this small with Adam moves a weight by at most ~lr per step: 1500 steps move it
#: by less than 0.01, too little to memorize anything
_TINY_LR = {"adam": 1e-5, "adamw": 1e-5, "sgd": 1e-3}
_OSCILLATION = 0.6  # rises / falls over the second half of a rung
_SWING = 0.3  # (max - min) / mean over the second half
_LOW_LOSS = 0.1  # the eval loss fell below a tenth of its first value
_SPIKE = 3.0  # a loss this many times its start, after the start, is a blow-up
#: a loss that more than doubled its start and then stalled above half of it: the first
#: steps threw the model into a flat region (AdamW at lr 0.5 on a BERT classifier: 2.3 ->
#: 5.6, then stuck at 1.33); healthy failed rungs of the corpus stay below 1.5x their start
_JUMP = 2.0
_STALLED = 0.5
_STILL_FALLING = 0.005  # relative drop over the last fifth of a rung: not flat
_STEADY = 0.3  # late slope / mean slope: still falling at its average pace, not converged


@dataclass
class _Curve:
    """Summary numbers of one rung's training loss."""

    initial: float
    final: float
    best: float
    oscillation: float
    swing: float
    late_drop: float
    monotone: float
    late_rate: float  # loss drop per step over the last fifth
    mean_rate: float  # loss drop per step over the whole rung

    @classmethod
    def of(cls, losses: list[float]) -> _Curve:
        half = losses[len(losses) // 2:] or losses
        diffs = [b - a for a, b in zip(half, half[1:])]
        rises = sum(d for d in diffs if d > 0)
        falls = -sum(d for d in diffs if d < 0)
        mean = sum(half) / len(half)
        fifth = losses[-max(2, len(losses) // 5):]
        all_diffs = [b - a for a, b in zip(losses, losses[1:])]
        return cls(initial=losses[0], final=losses[-1], best=min(losses),
                   oscillation=rises / falls if falls > 0 else (math.inf if rises else 0.0),
                   swing=(max(half) - min(half)) / mean if mean > 0 else 0.0,
                   late_drop=(fifth[0] - fifth[-1]) / fifth[0] if fifth[0] > 0 else 0.0,
                   monotone=sum(d <= 0 for d in all_diffs) / max(len(all_diffs), 1),
                   late_rate=(fifth[0] - fifth[-1]) / max(len(fifth) - 1, 1),
                   mean_rate=(losses[0] - losses[-1]) / max(len(losses) - 1, 1))

    def evidence(self) -> dict[str, float]:
        return {"initial_loss": self.initial, "final_loss": self.final, "best_loss": self.best,
                "oscillation": self.oscillation, "swing": self.swing,
                "late_relative_drop": self.late_drop}


def dynamics_checks(ctx: Context, rungs: list[RungResult]) -> list[Finding]:
    findings = []
    for index, rung in enumerate(rungs):
        if rung.passed or rung.error is not None or len(rung.losses) < 2:
            continue
        earlier_passed = any(r.passed for r in rungs[:index])
        findings += _rung_checks(ctx, rung, earlier_passed)
    return findings


def _rung_checks(ctx: Context, rung: RungResult, earlier_passed: bool) -> list[Finding]:
    finite = [v for v in rung.losses if math.isfinite(v)]
    if len(finite) < len(rung.losses):
        return _nonfinite(rung, finite)
    curve = _Curve.of(rung.losses)
    where = f"rung n={rung.n}"
    base = {**curve.evidence(), "steps": rung.steps, "lr": rung.config.get("lr"),
            "stop_reason": rung.stop_reason}
    findings = _lr_checks(ctx, rung, curve, where, base)
    findings += _metric_checks(ctx, rung, curve, where, base)
    if not findings and earlier_passed and curve.final < 0.7 * curve.initial:
        findings.append(Finding(
            CAPACITY, "warning",
            f"rung n={rung.n} plateaued at loss {curve.best:.3g} after smaller rungs "
            "memorized: the model learns, but not enough to hold every sample", where=where,
            evidence=base, fix="make the model larger (hidden_dim, layers), or accept the "
                               "breaking point as the model's capacity", weight=1.2))
    return findings


def _nonfinite(rung: RungResult, finite: list[float]) -> list[Finding]:
    step = next(i for i, v in enumerate(rung.losses) if not math.isfinite(v)) + 1
    rose = bool(finite) and max(finite) > 2 * finite[0]
    findings = [Finding(NONFINITE, "error",
                        f"rung n={rung.n}: the loss became NaN/Inf at step {step}"
                        + (" after rising" if rose else ""), where=f"rung n={rung.n}, step {step}",
                        evidence={"step": step, "last_finite_loss": finite[-1] if finite else None,
                                  "initial_loss": finite[0] if finite else None,
                                  "lr": rung.config.get("lr")},
                        fix="lower the LR or clip gradients; guard log/division/sqrt in "
                            "forward and loss against 0", weight=2.0)]
    if rose or step > 1:
        findings.append(Finding(LR_TOO_HIGH, "error",
                                f"rung n={rung.n}: the loss rose to {max(finite):.3g} and "
                                "then overflowed" if rose else
                                f"rung n={rung.n}: training overflowed after {step - 1} steps",
                                where=f"rung n={rung.n}",
                                evidence={"lr": rung.config.get("lr"), "step": step,
                                          "max_loss": max(finite) if finite else None},
                                fix="divide the learning rate by 10 (CONFIG lr) and keep "
                                    "grad_clip on", weight=1.9 if rose else 1.2))
    return findings


def _lr_checks(ctx: Context, rung: RungResult, curve: _Curve, where: str,
               base: dict) -> list[Finding]:
    lr = float(rung.config.get("lr", 0.0))
    optimizer = rung.config.get("optimizer", "adamw")
    diverged = StopReason.of(rung.stop_reason) is StopReason.DIVERGED or curve.final > 2 * curve.initial
    spiked = max(rung.losses) > _SPIKE * curve.initial
    unstable = curve.oscillation > _OSCILLATION and curve.final > 1.5 * curve.best \
        and (curve.swing > _SWING or spiked)
    jumped = max(rung.losses[1:]) > _JUMP * curve.initial and curve.best > _STALLED * curve.initial
    if diverged or unstable or jumped:
        what = "diverged" if diverged else "oscillates without settling" if unstable else \
            f"jumped to {max(rung.losses):.3g} and stalled"
        return [Finding(LR_TOO_HIGH, "error" if diverged else "warning",
                        f"rung n={rung.n}: the loss {what} (from {curve.initial:.3g} to "
                        f"{curve.final:.3g}, best {curve.best:.3g}) at lr {lr:g}", where=where,
                        evidence={**base, "unstable": True},
                        fix=f"lower the learning rate 10x (lr {lr / 10:g}) or add warmup and "
                            "gradient clipping", weight=2.0 if diverged else 1.6)]
    tiny = lr <= _TINY_LR.get(optimizer, 1e-5)
    slow = curve.late_drop > _STILL_FALLING and curve.monotone > 0.8 \
        and curve.late_rate > _STEADY * curve.mean_rate \
        and StopReason.of(rung.stop_reason) is not StopReason.PLATEAU \
        and curve.final > ctx.spec.task.loss_threshold
    if tiny or slow:
        return [Finding(LR_TOO_LOW, "error" if tiny else "warning",
                        f"rung n={rung.n}: the loss falls steadily but slowly ({curve.initial:.3g}"
                        f" -> {curve.final:.3g} in {rung.steps} steps, still falling "
                        f"{curve.late_drop:.1%} over the last fifth) at lr {lr:g}", where=where,
                        evidence=base, fix=f"raise the learning rate 10x (lr {lr * 10:g})",
                        weight=2.2 if tiny else 1.4)]
    return []


def _metric_checks(ctx: Context, rung: RungResult, curve: _Curve, where: str,
                   base: dict) -> list[Finding]:
    findings = []
    evals = [(record.step, record.loss, record.metrics) for record in rung.evals
             if math.isfinite(record.loss) and rung.metric_name in record.metrics]
    if len(evals) >= 2:
        first, last = evals[0], evals[-1]
        higher = ctx.spec.task.higher_is_better
        gain = (last[2][rung.metric_name] - first[2][rung.metric_name]) * (1 if higher else -1)
        perfect = last[2][rung.metric_name] >= 1.0 if higher else last[2][rung.metric_name] <= 0
        low = last[1] < _LOW_LOSS * first[1] or last[1] < ctx.spec.task.loss_threshold
        if low and gain < 0.05 and not perfect:
            findings.append(Finding(
                LOSS_TASK_MISMATCH, "error",
                f"rung n={rung.n}: the loss fell from {first[1]:.3g} to {last[1]:.3g} while "
                f"{rung.metric_name} stayed at {last[2][rung.metric_name]:.3g}: the loss does "
                "not measure what the task scores", where=where,
                evidence={**base, "metric": rung.metric_name,
                          "metric_first": first[2][rung.metric_name],
                          "metric_last": last[2][rung.metric_name]},
                fix="check build_loss(): it must compare the model's outputs with the "
                    "targets the task scores (right axis, right target, no constant term)",
                weight=2.4))
    untrained = ctx.untrained_loss
    if untrained and ctx.task.uniform_untrained_loss and \
            curve.best > 0.9 * curve.initial and abs(curve.initial - untrained) < 0.25 * untrained:
        findings.append(Finding(
            UNIFORM_OUTPUT, "warning",
            f"rung n={rung.n}: the loss never left {curve.initial:.3g} (an untrained model's "
            f"is {untrained:.3g}): predictions stay uniform", where=where, evidence=base,
            fix="the gradient does not reach the output: see the other findings (LR, "
                "gradients, output scale)", weight=1.0))
    return findings
