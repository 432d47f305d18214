"""Sweeps shared across processes: any Optuna storage URL (a database or a journal file),
two `trainprobe grid` processes on one study, every point trained exactly once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
from optuna.trial import TrialState

import trainprobe as tp
from trainprobe.api import choose_lr
from trainprobe.demos import HEALTHY_DEMO
from trainprobe.errors import ConfigError
from trainprobe.sweep.storage import _HEARTBEAT_ATTR, _make_storage, fail_stale

GRID = "lr: [0.003, 0.01, 0.03]\nhidden_dim: [16, 32]\n"  # 6 points


def storage_url(kind: str, folder: Path) -> str:
    return f"sqlite:///{folder / 'grid.db'}" if kind == "sqlite" \
        else f"journal:///{folder / 'grid.log'}"


def test_storage_urls_map_to_optuna_storages(tmp_path):
    assert _make_storage(None) is None
    journal = _make_storage(f"journal:///{tmp_path / 'a.log'}")
    assert isinstance(journal, optuna.storages.JournalStorage)
    assert isinstance(_make_storage(f"sqlite:///{tmp_path / 'a.db'}"), optuna.storages.RDBStorage)
    with pytest.raises(ConfigError, match="names no file"):
        _make_storage("journal://")


def test_a_trial_whose_worker_stopped_beating_is_failed(tmp_path):
    study = optuna.create_study(storage=_make_storage(f"journal:///{tmp_path / 's.log'}"))
    alive, dead = study.ask(), study.ask()
    alive.set_user_attr(_HEARTBEAT_ATTR, time.time())
    dead.set_user_attr(_HEARTBEAT_ATTR, time.time() - 3600)
    assert fail_stale(study, grace=600) == 1  # started just now, but its beat is an hour old
    states = {t.number: t.state for t in study.get_trials()}
    assert states == {alive.number: TrialState.RUNNING, dead.number: TrialState.FAIL}


def run_together(commands: list[list[str]]) -> list[str]:
    """Start every command at once; their stderr, after each exited with status 0."""
    env = {**os.environ, "PYTHONPATH": str(Path(tp.__file__).parents[1]), "OMP_NUM_THREADS": "1"}
    workers = [subprocess.Popen([sys.executable, "-m", "trainprobe", "--threads", "1", *args],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True) for args in commands]
    errors = []
    for worker in workers:
        _, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err[-2000:]
        errors.append(err)
    return errors


@pytest.mark.parametrize("kind", ["sqlite", "journal"])
def test_two_grid_processes_share_one_study_and_train_each_point_once(tmp_path, kind):
    grid = tmp_path / "grid.yaml"
    grid.write_text(GRID)
    storage = storage_url(kind, tmp_path)
    run_together([["grid", str(HEALTHY_DEMO), "--grid", str(grid), "--rung", "2",
                   "--storage", storage, "--study-name", "shared",
                   "--out", str(tmp_path / f"out{i}")] for i in range(2)])
    reports = [json.loads((tmp_path / f"out{i}" / "grid.json").read_text()) for i in range(2)]
    assert sum(r["ran_now"] for r in reports) == 6  # no point trained twice
    study = optuna.load_study(study_name="shared", storage=_make_storage(storage))
    complete = [t for t in study.get_trials() if t.state == TrialState.COMPLETE]
    assert sorted(t.system_attrs["grid_id"] for t in complete) == list(range(6))  # none lost
    assert {t.state for t in study.get_trials()} <= {TrialState.COMPLETE, TrialState.PRUNED}


def test_two_lr_sweep_processes_share_the_runs_and_choose_as_one_process_would(tmp_path):
    storage = storage_url("journal", tmp_path)
    sweep = {"rung": 2, "method": "sweep", "lrs": [1e-3, 1e-2], "seeds": 2, "steps": 30,
             "verify": False}
    flags = ["--rung", "2", "--method", "sweep", "--lrs", "1e-3,1e-2", "--seeds", "2",
             "--steps", "30", "--no-verify", "--storage", storage]
    logs = run_together([["lr-sweep", str(HEALTHY_DEMO), *flags, "--out", str(tmp_path / f"o{i}")]
                         for i in range(2)])
    assert sum(log.count("seed ") for log in logs) == 4  # 2 rates x 2 seeds, each run once
    again = []
    shared = choose_lr(HEALTHY_DEMO, storage=storage, on_run=again.append, **sweep)
    alone = choose_lr(HEALTHY_DEMO, **sweep)
    assert again == []  # every run was complete in the study
    assert shared.chosen == alone.chosen is not None
    assert [r.score for r in shared.sweep.runs] == pytest.approx([r.score for r in alone.sweep.runs],
                                                                 rel=1e-3)
