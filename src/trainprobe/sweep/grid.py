"""Configuration grid at one rung: every point of grid.yaml trained once, ranked by
whether and how fast it memorizes. The points run in one Optuna study (points.py): in
memory by default, or in any Optuna storage URL (storage.py) to resume or to spread the
points over processes and machines; n_jobs for local parallelism.

Per-trial results are stored as trial user_attrs: passed, steps, seconds, final_loss,
metric, metric_name, stop_reason (and error when the user's code raised)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from ..engine import Callback, reraise_interrupt
from ..errors import ConfigError
from ..formatting import finite_or_none
from ..overfit.ladder import RungResult, rung_config, train_rung
from ..spec import Spec
from .grid_file import from_grid_value, points
from .points import run_points, search_space
from .storage import GRACE_SECONDS

__all__ = ["GridResult", "run_grid"]

_FAILED_VALUE = 1e6  # objective for a point that did not memorize: 1e6 + its final loss


@dataclass
class GridResult:
    rung: int
    study_name: str
    storage: str
    total: int  # points in the grid
    rows: list[dict[str, Any]]  # one per completed point, best first
    ran_now: int  # trainings run by this call
    skipped: int  # points already complete when this call started
    interrupted: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def best(self) -> dict[str, Any] | None:
        return self.rows[0] if self.rows else None

    @property
    def any_passed(self) -> bool:
        return any(row["passed"] for row in self.rows)

    def to_dict(self) -> dict[str, Any]:
        return {"schema": "trainprobe.grid/1", "rung": self.rung, "study_name": self.study_name,
                "storage": self.storage, "points": self.total, "completed": len(self.rows),
                "ran_now": self.ran_now, "skipped": self.skipped,
                "interrupted": self.interrupted, "notes": self.notes, "ranking": self.rows}


def run_grid(spec: Spec, train_data: Sequence[Any], n: int, grid: dict[str, list[Any]], *,
             storage: str | None = None, study_name: str | None = None, jobs: int = 1,
             trials: int | None = None, seed: int = 0,
             overrides: dict[str, Any] | None = None,
             callbacks: Sequence[Callback] = ()) -> GridResult:
    """Run (or resume) the grid at rung `n`; rank every completed point."""
    for point in points(grid):  # every point must make a valid config before anything runs
        rung_config(spec, n, "progressive", seed, {**(overrides or {}), **point})
    _check_hints(spec, grid)
    space = search_space(grid)
    total = len(points(grid))
    name = study_name or f"trainprobe-grid-{spec.name}-n{n}"

    def train_point(trial: optuna.Trial, point: dict[str, Any]) -> float:
        values = {key: from_grid_value(key, value) for key, value in point.items()}
        config = rung_config(spec, n, "progressive", seed, {**(overrides or {}), **values})
        result = train_rung(spec, train_data, n, config, callbacks)
        reraise_interrupt(result.stop_reason)  # the trial FAILS and is queued again on resume
        for key, value in _trial_attrs(result).items():
            trial.set_user_attr(key, value)
        return _objective_value(result)

    outcome = run_points(storage, name, space, train_point, seed=seed, jobs=jobs,
                         trials=trials)
    rows = _rank(outcome.complete())
    notes = [] if len(rows) == total else [f"{total - len(rows)} of {total} point(s) not "
                                           "complete yet: run the same command again to resume"]
    if outcome.elsewhere:
        notes.append(f"{outcome.elsewhere} point(s) were running in another worker; if that "
                     f"worker died, they are queued again {GRACE_SECONDS}s after its last "
                     "heartbeat")
    return GridResult(n, name, storage or "in-memory", total, rows, outcome.ran_now,
                      outcome.skipped, outcome.interrupted, notes)


def _trial_attrs(result: RungResult) -> dict[str, Any]:
    attrs = {"passed": result.passed, "steps": result.steps,
             "seconds": round(result.seconds, 3), "final_loss": finite_or_none(result.final_loss),
             "metric": finite_or_none(result.metric_value), "metric_name": result.metric_name,
             "stop_reason": result.stop_reason}
    if result.error is not None:
        attrs["error"] = str(result.error)
    return attrs


def _objective_value(result: RungResult) -> float:
    """Steps to memorize; a point that did not memorize scores 1e6 + its final loss."""
    if result.passed:
        return float(result.steps)
    loss = result.final_loss
    return _FAILED_VALUE + (loss if loss is not None and math.isfinite(loss) else _FAILED_VALUE)


def _rank(trials: list[FrozenTrial]) -> list[dict[str, Any]]:
    """One row per completed point: memorized first, by steps, then seconds, then final
    loss; points that did not memorize after them, closest (lowest final loss) first."""
    rows: dict[int, dict[str, Any]] = {}
    for trial in trials:
        grid_id = trial.system_attrs["grid_id"]
        if trial.state != TrialState.COMPLETE or grid_id in rows:
            continue
        params = {key: from_grid_value(key, value) for key, value in trial.params.items()}
        rows[grid_id] = {"trial": trial.number, "grid_id": grid_id, "params": params,
                         **{k: trial.user_attrs.get(k) for k in (
                             "passed", "steps", "seconds", "final_loss", "metric",
                             "metric_name", "stop_reason", "error")}}
    ordered = sorted(rows.values(), key=_rank_key)
    for position, row in enumerate(ordered, start=1):
        row["rank"] = position
    return ordered


def _rank_key(row: dict[str, Any]) -> tuple[Any, ...]:
    loss = row["final_loss"] if row["final_loss"] is not None else math.inf
    if row["passed"]:
        return (0, row["steps"], row["seconds"], loss)
    return (1, loss, row["steps"], row["seconds"])


def _check_hints(spec: Spec, grid: dict[str, list[Any]]) -> None:
    """A model hint in the grid that build_model() ignores would make identical points."""
    for hint in ("hidden_dim", "dropout"):
        if hint in grid and len(grid[hint]) > 1 and hint not in spec.accepted_hints():
            raise ConfigError(f"the grid varies {hint} but build_model() in {spec.title} "
                              f"does not accept {hint}",
                              f"add a {hint} parameter to build_model, or drop it from the grid")

