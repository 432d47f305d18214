"""The practice's learning-rate sweep: a fresh model per rate, a fixed step budget each,
and the rate whose training loss falls fastest.

Rule ("fastest"): for every rate and seed, take the best-so-far training loss at every
step of the budget, and average log10(best / first loss) over the budget (the area under
the log-loss curve; see curves.area_score). A rate is eligible when, in every seed, its
loss at least halved and it did not diverge. The chosen rate is the eligible one with the
lowest median score across seeds. Each run goes through overfit.ladder.train_rung, the
same engine and stopping rules as the probe.

With a `storage`, the (rate, seed) runs are the points of one Optuna study (points.py),
which several processes or machines share; the choice is made once every run is complete.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from ..engine import Callback, StopReason, reraise_interrupt
from ..errors import ConfigError, UserCodeError
from ..formatting import finite_or_none
from ..overfit.ladder import rung_config, train_rung
from ..spec import Spec
from . import curves
from .points import grid_size, run_points

__all__ = ["DEFAULT_LRS", "DEFAULT_STEPS", "SweepResult", "SweepRun", "lr_range", "run_lr_sweep"]

DEFAULT_LRS: tuple[float, ...] = (1e-5, 3.16e-5, 1e-4, 3.16e-4, 1e-3, 3.16e-3, 1e-2)  # half-decades
DEFAULT_STEPS = 200


@dataclass
class SweepRun:
    """One learning rate, one seed."""

    lr: float
    seed: int
    steps: int
    passed: bool
    stop_reason: str
    best_loss: float | None
    score: float
    status: str  # curves.curve_status
    losses: list[float] = field(default_factory=list, repr=False)


@dataclass
class SweepResult:
    rung: int
    steps: int
    lrs: list[float]
    seeds: list[int]
    runs: list[SweepRun]
    chosen: float | None
    per_seed: list[float | None]
    spread: float | None
    trust: str
    reason: str

    def to_dict(self, with_curves: bool = False) -> dict[str, Any]:
        runs = [asdict(r) if with_curves else {k: v for k, v in asdict(r).items()
                                                if k != "losses"} for r in self.runs]
        for run in runs:
            run["best_loss"] = finite_or_none(run["best_loss"])
            run["score"] = finite_or_none(run["score"])
        return {"method": "sweep", "rung": self.rung, "steps": self.steps, "lrs": self.lrs,
                "seeds": self.seeds, "chosen": self.chosen, "per_seed": self.per_seed,
                "spread": self.spread, "trust": self.trust, "reason": self.reason,
                "runs": runs}


def lr_range(low: float, high: float, count: int) -> list[float]:
    """`count` rates spaced evenly in log between low and high (both included)."""
    if not (0 < low < high) or count < 2:
        raise ConfigError(f"bad learning-rate range {low:g}..{high:g} x{count}",
                          "use 0 < low < high and at least 2 rates, e.g. --lrs 1e-5:1e-2:7")
    ratio = (high / low) ** (1 / (count - 1))
    return [float(f"{low * ratio ** k:.3g}") for k in range(count)]


def run_lr_sweep(spec: Spec, train_data: Sequence[Any], n: int, *,
                 lrs: Sequence[float] = DEFAULT_LRS, steps: int = DEFAULT_STEPS,
                 seeds: Sequence[int] = (0, 1, 2), overrides: dict[str, Any] | None = None,
                 callbacks: Sequence[Callback] = (),
                 on_run: Callable[[SweepRun], None] | None = None,
                 storage: str | None = None, study_name: str | None = None) -> SweepResult:
    """Train a fresh model on rung `n` for every (seed, lr) and choose a rate. With a
    storage URL the runs are shared with other processes through an Optuna study."""
    if storage is not None:
        name = study_name or f"trainprobe-lr-sweep-{spec.name}-n{n}-{steps}steps"
        return _run_shared_sweep(spec, train_data, n, list(lrs), steps, list(seeds), overrides,
                                callbacks, on_run, storage, name)
    runs, errors = [], []
    for seed in seeds:
        for lr in lrs:
            run, error = _sweep_one(spec, train_data, n, lr, seed, steps, overrides, callbacks)
            runs.append(run)
            errors.append(error)
            if on_run:
                on_run(run)
    if all(errors):  # the code fails at every rate: a bug, not a learning rate
        raise errors[0]
    return _decide(n, steps, list(lrs), list(seeds), runs)


def _sweep_one(spec: Spec, train_data: Sequence[Any], n: int, lr: float, seed: int, steps: int,
              overrides: dict[str, Any] | None,
              callbacks: Sequence[Callback]) -> tuple[SweepRun, UserCodeError | None]:
    """One training at one rate. An exception in the user's code at this rate (e.g. an
    assert on NaN at a rate that is too high) counts as a diverged run, not a crash."""
    base = rung_config(spec, n, "progressive", seed, overrides)
    # keep the probe's schedule shape: the sweep sees the first `steps` steps of the run
    # the probe would make at this rate, not a schedule squeezed into the budget
    config = rung_config(spec, n, "progressive", seed, {
        **(overrides or {}), "lr": lr, "max_steps": steps, "schedule_steps": base.horizon})
    result = train_rung(spec, train_data, n, config, callbacks)
    reraise_interrupt(result.stop_reason)  # the engine caught Ctrl-C for this run
    diverged = StopReason.of(result.stop_reason) is StopReason.DIVERGED or curves.has_nonfinite(result.losses) \
        or result.error is not None
    values = curves.finite(result.losses)
    return SweepRun(lr=lr, seed=seed, steps=result.steps, passed=result.passed,
                    stop_reason=result.stop_reason, best_loss=min(values) if values else None,
                    score=curves.area_score(result.losses, steps, diverged),
                    status=curves.curve_status(result.losses, diverged),
                    losses=list(result.losses)), result.error


def _run_shared_sweep(spec: Spec, train_data: Sequence[Any], n: int, lrs: list[float],
                     steps: int, seeds: list[int], overrides: dict[str, Any] | None,
                     callbacks: Sequence[Callback], on_run: Callable[[SweepRun], None] | None,
                     storage: str, study_name: str) -> SweepResult:
    """The sweep's runs as points of a shared study; decided once all are complete."""
    errors: list[UserCodeError | None] = []

    def train_point(trial: Any, point: dict[str, Any]) -> float:
        run, error = _sweep_one(spec, train_data, n, float(point["lr"]), int(point["seed"]),
                               steps, overrides, callbacks)
        errors.append(error)
        for key, value in asdict(run).items():
            trial.set_user_attr(key, [finite_or_none(v) for v in value] if key == "losses"
                                else finite_or_none(value) if isinstance(value, float) else value)
        trial.set_user_attr("error", str(error) if error else None)
        if on_run:
            on_run(run)
        return run.score if math.isfinite(run.score) else 1e6

    space = {"lr": sorted(set(lrs)), "seed": sorted(set(seeds))}
    outcome = run_points(storage, study_name, space, train_point)
    if outcome.interrupted:
        raise KeyboardInterrupt  # the cut-off run is queued again on the next start
    trials = outcome.complete()
    if errors and all(errors) and all(t.user_attrs.get("error") for t in trials):
        raise errors[0]  # the code fails at every rate: a bug, not a learning rate
    runs = sorted((_stored_run(t.user_attrs) for t in trials),
                  key=lambda r: (seeds.index(r.seed), lrs.index(r.lr)))
    result = _decide(n, steps, lrs, seeds, runs)
    if len(runs) < grid_size(space):
        return replace(result, chosen=None, per_seed=[None] * len(seeds), spread=None,
                       trust="incomplete", reason=f"{len(runs)} of {grid_size(space)} runs "
                       f"complete in study {study_name!r}: the others run in another worker "
                       "or not yet; run the same command again once they finish")
    return result


def _stored_run(attrs: dict[str, Any]) -> SweepRun:
    """A SweepRun from a trial's user attributes (null losses were non-finite)."""
    nan = float("nan")
    fields = {key: attrs[key] for key in ("lr", "seed", "steps", "passed", "stop_reason",
                                          "best_loss", "status")}
    return SweepRun(**fields, score=nan if attrs["score"] is None else attrs["score"],
                    losses=[nan if v is None else v for v in attrs["losses"]])


def _decide(n: int, steps: int, lrs: list[float], seeds: list[int],
           runs: list[SweepRun]) -> SweepResult:
    per_seed = [_best_rate([r for r in runs if r.seed == seed]) for seed in seeds]
    eligible = [lr for lr in lrs
                if all(r.status == "descended" for r in runs if r.lr == lr)]
    scores = {lr: curves.median([r.score for r in runs if r.lr == lr]) for lr in eligible}
    chosen = min(eligible, key=lambda lr: (scores[lr], lr)) if eligible else None
    return SweepResult(rung=n, steps=steps, lrs=lrs, seeds=seeds, runs=runs, chosen=chosen,
                       per_seed=per_seed, spread=curves.spread(per_seed),
                       trust=curves.trust_text(per_seed), reason=_why(chosen, runs))


def _best_rate(runs: list[SweepRun]) -> float | None:
    usable = [r for r in runs if r.status == "descended"]
    return min(usable, key=lambda r: (r.score, r.lr)).lr if usable else None


def _why(chosen: float | None, runs: list[SweepRun]) -> str:
    if chosen is not None:
        rates = sorted({r.lr for r in runs})
        edge = ("; it is the largest rate tried, so a faster one may lie above (extend --lrs)"
                if chosen == rates[-1] and len(rates) > 1 else
                "; it is the smallest rate tried (extend --lrs below)"
                if chosen == rates[0] and len(rates) > 1 else "")
        return (f"lr {chosen:g}: the lowest median area under the log-loss curve among "
                f"rates that halved the loss without diverging in every seed{edge}")
    statuses = sorted({r.status for r in runs})
    if statuses == ["diverged at once"]:
        return "every rate diverged at once: lower the rates (e.g. --lrs 1e-7:1e-4:7)"
    if all(s in ("never descended", "diverged at once") for s in statuses):
        return ("the loss never halved at any rate: the model, data or loss cannot learn "
                "(run `trainprobe probe` for a diagnosis), or the budget is too short")
    return "no rate halved the loss without diverging in every seed (statuses: " \
           f"{', '.join(statuses)})"

