"""Configuration grid at one rung, on Optuna: GridSampler over grid.yaml, in-memory by
default, any Optuna storage URL (sqlite:///grid.db, a shared database) to resume or to
spread trials over processes and machines; n_jobs for local parallelism.

Resume: a grid point whose trial is COMPLETE is never run again (GridSampler skips
finished points). A point whose trial FAILED (Ctrl-C mid-training, a crash) is queued
again with its grid id, so an interruption loses only the training that was cut off.
Per-trial results are stored as trial user_attrs: passed, steps, seconds, final_loss,
metric, metric_name, stop_reason (and error when the user's code raised).
"""

from __future__ import annotations

import math
import threading
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from ..engine import Callback, reraise_interrupt
from ..errors import ConfigError, first_line
from ..formatting import finite_or_none
from ..overfit.ladder import RungResult, rung_config, train_rung
from ..spec import Spec
from .grid_file import from_grid_value, points

FAILED_VALUE = 1e6  # objective for a point that did not memorize: 1e6 + its final loss
HEARTBEAT_SECONDS = 20  # a RUNNING trial without a heartbeat for GRACE_SECONDS is stale
GRACE_SECONDS = 60


class ResumableGridSampler(optuna.samplers.GridSampler):
    """GridSampler that does not end the study while re-queued points are still waiting
    (its own stop rule only counts points it handed out itself)."""

    def after_trial(self, study: optuna.Study, trial: FrozenTrial, state: TrialState,
                    values: Sequence[float] | None) -> None:
        waiting = study._storage.get_all_trials(study._study_id, deepcopy=False,
                                                states=(TrialState.WAITING,))
        if not waiting:
            super().after_trial(study, trial, state, values)


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


def search_space(grid: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The dict GridSampler stores with each trial (keys sorted, as it sorts them)."""
    return {key: list(grid[key]) for key in sorted(grid)}


def open_study(storage: str | None, study_name: str,
               sampler: optuna.samplers.BaseSampler, attempts: int = 4) -> optuna.Study:
    """Create or load the study. Workers started together race to create the database
    schema (one sees "table already exists"), so opening is retried a few times."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    for attempt in range(attempts):
        try:
            return optuna.create_study(storage=make_storage(storage), study_name=study_name,
                                       sampler=sampler, direction="minimize",
                                       load_if_exists=True)
        except Exception as error:  # bad URL, missing driver, unreachable database, race
            if attempt == attempts - 1:
                raise ConfigError(f"cannot open --storage {storage!r}: {first_line(error)}",
                                  "pass an Optuna storage URL such as sqlite:///grid.db") from None
            time.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


def make_storage(url: str | None) -> optuna.storages.BaseStorage | None:
    """In memory for None; otherwise a database with a heartbeat, so that a trial whose
    worker was killed is marked FAILED after GRACE_SECONDS and queued again."""
    if url is None:
        return None
    with warnings.catch_warnings():  # the heartbeat is marked experimental in Optuna
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.storages.RDBStorage(url, heartbeat_interval=HEARTBEAT_SECONDS,
                                          grace_period=GRACE_SECONDS)


def grid_trials(study: optuna.Study, space: dict[str, list[Any]]) -> list[FrozenTrial]:
    """Trials of this grid (a study may also hold trials of an earlier, different grid)."""
    return [t for t in study.get_trials(deepcopy=False)
            if "grid_id" in t.system_attrs and t.system_attrs.get("search_space") == space]


def requeue_failed(study: optuna.Study, space: dict[str, list[Any]]) -> int:
    """Queue again every point whose trials all FAILED or were pruned; returns how many."""
    states: dict[int, set[TrialState]] = {}
    for trial in grid_trials(study, space):
        states.setdefault(trial.system_attrs["grid_id"], set()).add(trial.state)
    alive = {TrialState.COMPLETE, TrialState.RUNNING, TrialState.WAITING}
    again = [grid_id for grid_id, seen in states.items() if not seen & alive]
    for grid_id in sorted(again):
        study.add_trial(optuna.trial.create_trial(
            state=TrialState.WAITING, system_attrs={"grid_id": grid_id, "search_space": space}))
    return len(again)


def running_ids(study: optuna.Study, space: dict[str, list[Any]]) -> set[int]:
    return {t.system_attrs["grid_id"] for t in grid_trials(study, space)
            if t.state == TrialState.RUNNING}


def completed_ids(study: optuna.Study, space: dict[str, list[Any]]) -> set[int]:
    return {t.system_attrs["grid_id"] for t in grid_trials(study, space)
            if t.state == TrialState.COMPLETE}


def run_grid(spec: Spec, train_data: Sequence[Any], n: int, grid: dict[str, list[Any]], *,
             storage: str | None = None, study_name: str | None = None, jobs: int = 1,
             trials: int | None = None, seed: int = 0,
             overrides: dict[str, Any] | None = None,
             callbacks: Sequence[Callback] = ()) -> GridResult:
    """Run (or resume) the grid at rung `n`; rank every completed point."""
    for point in points(grid):  # every point must make a valid config before anything runs
        rung_config(spec, n, "progressive", seed, {**(overrides or {}), **point})
    check_hints(spec, grid)
    space = search_space(grid)
    total = len(points(grid))
    name = study_name or f"trainprobe-grid-{spec.name}-n{n}"
    study = open_study(storage, name, ResumableGridSampler(space, seed=seed))
    if storage is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            optuna.storages.fail_stale_trials(study)  # a killed worker's trial -> FAIL -> requeued
    requeue_failed(study, space)
    skipped = len(completed_ids(study, space))
    elsewhere = len(running_ids(study, space) - completed_ids(study, space))
    counter = TrainingCounter()
    objective = make_objective(spec, train_data, n, space, seed, overrides, callbacks, counter)
    interrupted = False
    # an exact count, so that parallel jobs and other workers never run a point twice
    remaining = total - skipped - elsewhere
    if remaining:
        # Optuna logs a trial cut short by Ctrl-C as a warning with a traceback; the
        # command reports the interruption itself in one line, so only errors pass here
        optuna.logging.set_verbosity(optuna.logging.ERROR)
        try:
            study.optimize(objective, n_trials=min(remaining, trials or remaining),
                           n_jobs=jobs, catch=())
        except KeyboardInterrupt:
            interrupted = True
        finally:
            optuna.logging.set_verbosity(optuna.logging.WARNING)
    rows = rank(grid_trials(study, space))
    notes = [] if len(rows) == total else [f"{total - len(rows)} of {total} point(s) not "
                                           "complete yet: run the same command again to resume"]
    if elsewhere:
        notes.append(f"{elsewhere} point(s) were running in another worker; if that worker "
                     f"died, they are queued again {GRACE_SECONDS}s after its last heartbeat")
    return GridResult(n, name, storage or "in-memory", total, rows, counter.count, skipped,
                      interrupted, notes)


class TrainingCounter:
    """Trainings started by this process (threads with --jobs share it)."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def add(self) -> None:
        with self._lock:
            self.count += 1


def make_objective(spec: Spec, train_data: Sequence[Any], n: int, space: dict[str, list[Any]],
                   seed: int, overrides: dict[str, Any] | None, callbacks: Sequence[Callback],
                   counter: TrainingCounter) -> Any:
    def objective(trial: optuna.Trial) -> float:
        point = {key: from_grid_value(key, trial.suggest_categorical(key, values))
                 for key, values in space.items()}
        if done_elsewhere(trial, space):
            # near the end of a shared grid GridSampler hands out unfinished points again;
            # do not train a point another worker has finished or is training
            raise optuna.TrialPruned("done or running in another worker")
        config = rung_config(spec, n, "progressive", seed, {**(overrides or {}), **point})
        counter.add()
        result = train_rung(spec, train_data, n, config, callbacks)
        reraise_interrupt(result.stop_reason)  # the trial FAILS and is queued again on resume
        for key, value in trial_attrs(result).items():
            trial.set_user_attr(key, value)
        return objective_value(result)

    return objective


def done_elsewhere(trial: optuna.Trial, space: dict[str, list[Any]]) -> bool:
    """The same point is COMPLETE, or RUNNING in a trial started earlier (the earlier one
    keeps it; if its worker dies, the heartbeat fails it and a resume queues it again)."""
    for other in trial.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,
                                                                TrialState.RUNNING)):
        if other.number == trial.number or other.params != trial.params \
                or other.system_attrs.get("search_space") != space:
            continue
        if other.state == TrialState.COMPLETE or other.number < trial.number:
            return True
    return False


def trial_attrs(result: RungResult) -> dict[str, Any]:
    attrs = {"passed": result.passed, "steps": result.steps,
             "seconds": round(result.seconds, 3), "final_loss": finite_or_none(result.final_loss),
             "metric": finite_or_none(result.metric_value), "metric_name": result.metric_name,
             "stop_reason": result.stop_reason}
    if result.error is not None:
        attrs["error"] = str(result.error)
    return attrs


def objective_value(result: RungResult) -> float:
    """Steps to memorize; a point that did not memorize scores 1e6 + its final loss."""
    if result.passed:
        return float(result.steps)
    loss = result.final_loss
    return FAILED_VALUE + (loss if loss is not None and math.isfinite(loss) else FAILED_VALUE)


def rank(trials: list[FrozenTrial]) -> list[dict[str, Any]]:
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
    ordered = sorted(rows.values(), key=rank_key)
    for position, row in enumerate(ordered, start=1):
        row["rank"] = position
    return ordered


def rank_key(row: dict[str, Any]) -> tuple[Any, ...]:
    loss = row["final_loss"] if row["final_loss"] is not None else math.inf
    if row["passed"]:
        return (0, row["steps"], row["seconds"], loss)
    return (1, loss, row["steps"], row["seconds"])


def check_hints(spec: Spec, grid: dict[str, list[Any]]) -> None:
    """A model hint in the grid that build_model() ignores would make identical points."""
    for hint in ("hidden_dim", "dropout"):
        if hint in grid and len(grid[hint]) > 1 and hint not in spec.accepted_hints():
            raise ConfigError(f"the grid varies {hint} but build_model() in {spec.path.name} "
                              f"does not accept {hint}",
                              f"add a {hint} parameter to build_model, or drop it from the grid")

