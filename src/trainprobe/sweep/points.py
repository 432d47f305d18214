"""A fixed set of points (a grid, or learning rates x seeds) trained once each, in one
Optuna study that any number of processes may share through a storage (storage.py).

Optuna's GridSampler hands the points out. What this module adds: a study does not end
while re-queued points wait; a point whose trials all FAILED (Ctrl-C, a killed worker) is
queued again with its grid id; a trial handed a point that is COMPLETE, or RUNNING in an
earlier trial of another worker, is PRUNED without training; and each process runs
exactly as many trials as points remain, so parallel jobs never train a point twice.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from .storage import fail_stale, heartbeat, open_study

__all__ = ["PointsOutcome", "TrainPoint", "grid_size", "run_points", "search_space"]

#: trains one point inside a trial: sets the trial's user attrs, returns the objective
#: (minimized); raising KeyboardInterrupt fails the trial, which is queued again on resume
TrainPoint = Callable[[optuna.Trial, dict[str, Any]], float]


@dataclass
class PointsOutcome:
    trials: list[FrozenTrial]  # every trial of this space in the study, all states
    ran_now: int  # trainings started by this call
    skipped: int  # points already complete when this call started
    elsewhere: int  # points running in another worker when this call started
    interrupted: bool

    def complete(self) -> list[FrozenTrial]:
        """One COMPLETE trial per point (the first), in grid-id order."""
        first: dict[int, FrozenTrial] = {}
        for trial in self.trials:
            if trial.state == TrialState.COMPLETE:
                first.setdefault(trial.system_attrs["grid_id"], trial)
        return [first[key] for key in sorted(first)]


def run_points(storage: str | None, study_name: str, space: dict[str, list[Any]],
               train_point: TrainPoint, *, seed: int = 0, jobs: int = 1,
               trials: int | None = None, poll: float = 1.0) -> PointsOutcome:
    """Train every point of `space` not yet complete in the study (or at most `trials`).

    Without a `trials` limit, a worker that runs out of points waits while other workers
    still train theirs, so every worker ends with every point complete; a point whose
    worker died (its heartbeat went stale) is queued again and trained here."""
    study = open_study(storage, study_name, _ResumableGridSampler(space, seed=seed))
    total = grid_size(space)
    counter = _TrainingCounter()

    def objective(trial: optuna.Trial) -> float:
        point = {key: trial.suggest_categorical(key, values) for key, values in space.items()}
        if _done_elsewhere(trial, space):
            # near the end of a shared grid GridSampler hands out unfinished points again;
            # do not train a point another worker has finished or is training
            raise optuna.TrialPruned("done or running in another worker")
        counter.add()
        with heartbeat(trial):
            return train_point(trial, point)

    skipped = elsewhere = -1
    interrupted = False
    while True:
        fail_stale(study)  # a killed worker's trial -> FAIL -> queued again just below
        _requeue_failed(study, space)
        done = _completed_ids(study, space)
        running = _running_ids(study, space) - done
        if skipped < 0:
            skipped, elsewhere = len(done), len(running)
        remaining = total - len(done) - len(running)  # exact: no point is trained twice
        trained = counter.count
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
        if interrupted or trials is not None or storage is None:
            break
        done = _completed_ids(study, space)
        running = _running_ids(study, space) - done
        if len(done) == total or not (running or counter.count > trained):
            break  # complete, or nothing left that anyone is training
        time.sleep(poll if running else 0)  # others still train: wait for them
    return PointsOutcome(_grid_trials(study, space), counter.count, skipped, elsewhere,
                         interrupted)


def grid_size(space: dict[str, Sequence[Any]]) -> int:
    size = 1
    for values in space.values():
        size *= len(values)
    return size


class _ResumableGridSampler(optuna.samplers.GridSampler):
    """GridSampler that does not end the study while re-queued points are still waiting
    (its own stop rule only counts points it handed out itself)."""

    def after_trial(self, study: optuna.Study, trial: FrozenTrial, state: TrialState,
                    values: Sequence[float] | None) -> None:
        if not study.get_trials(deepcopy=False, states=(TrialState.WAITING,)):
            super().after_trial(study, trial, state, values)


def search_space(grid: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """The dict GridSampler stores with each trial (keys sorted, as it sorts them)."""
    return {key: list(grid[key]) for key in sorted(grid)}


def _grid_trials(study: optuna.Study, space: dict[str, list[Any]]) -> list[FrozenTrial]:
    """Trials of this grid (a study may also hold trials of an earlier, different grid)."""
    return [t for t in study.get_trials(deepcopy=False)
            if "grid_id" in t.system_attrs and t.system_attrs.get("search_space") == space]


def _requeue_failed(study: optuna.Study, space: dict[str, list[Any]]) -> int:
    """Queue again every point whose trials all FAILED or were pruned; returns how many."""
    states: dict[int, set[TrialState]] = {}
    for trial in _grid_trials(study, space):
        states.setdefault(trial.system_attrs["grid_id"], set()).add(trial.state)
    alive = {TrialState.COMPLETE, TrialState.RUNNING, TrialState.WAITING}
    again = [grid_id for grid_id, seen in states.items() if not seen & alive]
    for grid_id in sorted(again):
        study.add_trial(optuna.trial.create_trial(
            state=TrialState.WAITING, system_attrs={"grid_id": grid_id, "search_space": space}))
    return len(again)


def _running_ids(study: optuna.Study, space: dict[str, list[Any]]) -> set[int]:
    return {t.system_attrs["grid_id"] for t in _grid_trials(study, space)
            if t.state == TrialState.RUNNING}


def _completed_ids(study: optuna.Study, space: dict[str, list[Any]]) -> set[int]:
    return {t.system_attrs["grid_id"] for t in _grid_trials(study, space)
            if t.state == TrialState.COMPLETE}


class _TrainingCounter:
    """Trainings started by this process (threads with --jobs share it)."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def add(self) -> None:
        with self._lock:
            self.count += 1


def _done_elsewhere(trial: optuna.Trial, space: dict[str, list[Any]],
                   wait: float = 5.0) -> bool:
    """The same point is COMPLETE, or RUNNING in a trial started earlier (the earlier one
    keeps it; if its worker dies, the heartbeat fails it and a resume queues it again).

    GridSampler writes a trial's grid id just after creating it; an earlier RUNNING trial
    seen without one is read again (up to `wait` seconds), or two workers could each
    think the other started later."""
    deadline = time.monotonic() + wait
    while True:
        others = trial.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,
                                                                TrialState.RUNNING))
        unnamed = [t for t in others if t.number < trial.number
                   and t.state == TrialState.RUNNING and "grid_id" not in t.system_attrs]
        if not unnamed or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    grid_id = next(t.system_attrs["grid_id"] for t in others if t.number == trial.number)
    for other in others:
        if other.number == trial.number or other.system_attrs.get("grid_id") != grid_id \
                or other.system_attrs.get("search_space") != space:
            continue
        if other.state == TrialState.COMPLETE or other.number < trial.number:
            return True
    return False


