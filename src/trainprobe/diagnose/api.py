"""The two entry points: diagnose_probe (after the ladder: every check, plus confirmation
experiments when a rung failed) and diagnose_spec (before training: seconds)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engine.config import make_config
from ..engine.events import StopReason
from ..errors import UserCodeError
from ..overfit.ladder import ProbeRun, RungResult, rung_config
from ..spec import Spec, as_spec
from .baseline import baseline_check
from .batch_checks import batch_checks
from .confirm import confirm
from .context import Context
from .data_checks import data_checks
from .dynamics import dynamics_checks
from .evidence import BatchEvidence, collect
from .findings import NO_KNOWN_CAUSE, Finding
from .leaks import leak_checks
from .rank import rank
from .silent import silent_checks
from .static_checks import model_checks
from .user_errors import error_finding

__all__ = ["SpecDiagnosis", "before_training", "diagnose_probe", "diagnose_spec", "inspect_spec",
           "silent_bug_checks"]

_DEFAULT_N = 20  # diagnose_spec's batch: large enough for broadcasting to show, small to run


@dataclass
class SpecDiagnosis:
    """diagnose_spec's full result: the findings and the per-layer gradient flow."""

    findings: list[dict[str, Any]]
    gradient_flow: list[dict[str, Any]] = field(default_factory=list)
    n: int = 0
    notes: list[str] = field(default_factory=list)  # checks that could not run, and why


def diagnose_probe(run: ProbeRun) -> list[dict[str, Any]]:
    """Findings for a finished ladder, most likely root cause first (report.json's
    `diagnoses`). The first failed rung is diagnosed (else the largest rung that ran); a
    rung that does not apply (BatchNorm on one sample) is reported, never diagnosed."""
    ran = [r for r in run.rungs if r.applicable]
    if not ran:
        return [_rung_error_finding(r, str(run.spec.path)).to_dict() for r in run.rungs if r.error]
    rung = next((r for r in ran if not r.passed and r.stop_reason != StopReason.INTERRUPTED),
                ran[-1])
    ctx = Context(run.spec, run.train_data, rung.n, make_config(rung.config), run.seed,
                  rung=rung, rungs=run.rungs, val_data=run.val_data)
    findings, evidence = before_training(ctx)
    findings += _guarded("dynamics", lambda: dynamics_checks(ctx, run.rungs))
    findings += [_rung_error_finding(r, str(run.spec.path)) for r in run.rungs if r.error]
    ranked = rank(findings)
    if not run.interrupted:  # the user asked to stop: no reruns
        _guarded("confirmation", lambda: confirm(ranked, ctx, evidence))
    run.notes[:] = ctx.notes
    ranked = rank(ranked)
    if ctx.failed and not ranked:
        ranked = [_no_known_cause(ctx)]
    return [f.to_dict() for f in ranked]


def _rung_error_finding(rung: RungResult, where: str) -> Finding:
    """The finding of a rung that raised; an `info` when the rung does not apply."""
    assert rung.error is not None
    finding = error_finding(rung.error, where, rung.n)
    if not rung.applicable:
        finding.severity = "info"
        finding.weight = 0.5
        finding.message = (f"rung n={rung.n} is not applicable and was skipped "
                           f"({rung.stop_reason.removeprefix('not applicable: ')}); "
                           f"{finding.message.removeprefix(f'rung n={rung.n}: ')}")
    return finding


def diagnose_spec(spec: Spec | str | Path, n: int = _DEFAULT_N, seed: int = 0) -> list[dict[str, Any]]:
    """The before-training and one-batch checks only, on a batch from the first n items
    of the ladder's order. Seconds, no training."""
    return inspect_spec(spec, n, seed).findings


def inspect_spec(spec: Spec | str | Path, n: int = _DEFAULT_N, seed: int = 0) -> SpecDiagnosis:
    spec = as_spec(spec, "diagnose_spec")
    train_data, val_data = spec.build_data()
    n = max(1, min(n, len(train_data)))
    ctx = Context(spec, train_data, n, rung_config(spec, n, "progressive", seed), seed,
                  val_data=val_data)
    findings, evidence = before_training(ctx)
    return SpecDiagnosis([f.to_dict() for f in rank(findings)], _gradient_flow(evidence), n,
                         ctx.notes)


def before_training(ctx: Context) -> tuple[list[Finding], BatchEvidence]:
    """Static, data and one-batch checks; an exception in user code becomes a finding."""
    where = str(ctx.spec.path)
    try:
        ctx.loss_fn = ctx.spec.build_loss()
    except UserCodeError as error:
        return [error_finding(error, where)], BatchEvidence(error=error, stage="build_loss")
    evidence = collect(ctx)
    ctx.untrained_loss = evidence.untrained_loss
    findings = [error_finding(evidence.error, where)] if evidence.error else []
    try:
        if evidence.model is not None:
            findings += _guarded("model", lambda: model_checks(ctx, evidence))
        findings += _guarded("data", lambda: data_checks(ctx, evidence))
    except UserCodeError as error:
        findings.append(error_finding(error, where))
    findings += _guarded("one-batch", lambda: batch_checks(ctx, evidence))
    findings += silent_bug_checks(ctx, evidence, findings)
    return findings, evidence


def silent_bug_checks(ctx: Context, evidence: BatchEvidence,
                      found: list[Finding] | None = None) -> list[Finding]:
    """Bugs the ladder cannot see (issue 9): leaks in the data, the one-batch differential
    experiments, and the shuffled-label baseline. They run on passing ladders too.

    The baseline (the one check that trains) is skipped when the rung failed and an error
    among the checks before it (`found`) explains that: labels that do not follow their
    inputs never stop memorization, so they cannot be the cause, and a short run of a
    setup that cannot learn says little about its labels. It runs once the ladder passes."""
    findings = _guarded("data leak", lambda: leak_checks(ctx, evidence.batch))
    findings += _guarded("silent-bug", lambda: silent_checks(ctx, evidence))
    explained = next((f for f in found or [] if f.severity == "error"), None)
    if ctx.failed and explained is not None:
        ctx.notes.append(f"shuffled-label baseline (LABELS_NOT_LEARNABLE) skipped: rung "
                         f"n={ctx.n} failed and {explained.code} explains it; the baseline "
                         "runs once the ladder passes")
    elif evidence.error is None:
        findings += _guarded("shuffled-label", lambda: baseline_check(ctx))
    return findings


def _no_known_cause(ctx: Context) -> Finding:
    """A failed rung always gets a finding: what was measured, and what to try next."""
    rung = ctx.rung
    assert rung is not None
    loss = "n/a" if rung.final_loss is None else f"{rung.final_loss:.3g}"
    return Finding(
        NO_KNOWN_CAUSE, "info",
        f"rung n={rung.n} failed ({rung.stop_reason}) after {rung.steps} steps with loss {loss} "
        f"and {rung.metric_name} {rung.metric_value:.3g}, and no rule recognises the cause: "
        "the model, loss, data, one-batch gradients, eval mode, batch independence and the "
        "loss curve all looked healthy", where=f"rung n={rung.n}",
        evidence={"rung": rung.n, "steps": rung.steps, "final_loss": rung.final_loss,
                  "metric": rung.metric_name, "metric_value": rung.metric_value,
                  "stop_reason": rung.stop_reason, "lr": rung.config.get("lr")},
        fix=f"run `trainprobe lr-sweep` at this rung, raise --max-steps, try --keep-going to "
            f"see whether larger rungs fail too, and `trainprobe diagnose --n {rung.n}` for "
            "the gradient-flow chart", weight=0.1)


def _guarded(name: str, check: Callable[[], Any]) -> Any:
    """Run one group of checks; a failure inside trainprobe's own rules (a model shape no
    rule foresaw) is reported as a warning and must never cost the user the probe."""
    try:
        return check()
    except (UserCodeError, KeyboardInterrupt):
        raise
    except Exception as error:  # noqa: BLE001 - see docstring
        warnings.warn(f"trainprobe: the {name} checks failed ({type(error).__name__}: "
                      f"{error}); their findings are missing", RuntimeWarning, stacklevel=2)
        return []


def _gradient_flow(evidence: BatchEvidence) -> list[dict[str, Any]]:
    """Per-layer gradient norms of the one-batch pass, in model order (for the chart)."""
    return [{"layer": evidence.label(g.layer), "grad_norm": g.grad_norm, "weight_norm": g.weight_norm,
             "relative": g.relative, "frozen": bool(g.frozen), "missing": bool(g.missing)}
            for g in evidence.layers]
