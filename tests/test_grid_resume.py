"""The grid on Optuna: ranking at a rung, resume from sqlite without rerunning finished
trials, and an interrupted trial queued again."""

import json

import optuna
import pytest
from click.testing import CliRunner

from trainprobe.cli import main
from trainprobe.demos import HEALTHY_DEMO
from trainprobe.engine import Callback
from trainprobe.spec import load_spec
from trainprobe.sweep import run_grid
from trainprobe.sweep.grid import _rank_key
from trainprobe.sweep.grid_file import _parse_grid

RUNG = 5
GRID = {"lr": [0.003, 0.01], "hidden_dim": [16, 32]}  # 4 points that memorize quickly



class CountFits(Callback):
    """Counts the trainings actually run, and the configs they ran with."""

    def __init__(self):
        self.configs = []

    def before_fit(self, trainer):
        self.configs.append((trainer.config.lr, trainer.config.hidden_dim))


class InterruptFit(Callback):
    """Acts like Ctrl-C during the k-th training."""

    def __init__(self, k):
        self.k, self.fits = k, 0

    def before_fit(self, trainer):
        self.fits += 1

    def after_step(self, trainer, loss):
        if self.fits == self.k:
            raise KeyboardInterrupt


@pytest.fixture(scope="module")
def digits():
    spec = load_spec(HEALTHY_DEMO)
    train, _ = spec.build_data()
    return spec, train


def grid_run(digits, storage, **options):
    spec, train = digits
    return run_grid(spec, train, RUNG, _parse_grid(dict(GRID)), storage=storage, **options)


def test_resume_from_sqlite_runs_only_the_unfinished_points(digits, tmp_path):
    storage = f"sqlite:///{tmp_path / 'grid.db'}"
    first, second, third = CountFits(), CountFits(), CountFits()
    cut = grid_run(digits, storage, trials=2, callbacks=[first])  # the "interrupted" run
    assert (len(first.configs), cut.ran_now, len(cut.rows)) == (2, 2, 2)
    assert cut.notes and "resume" in cut.notes[0]
    done = grid_run(digits, storage, callbacks=[second])
    assert (len(second.configs), done.skipped, len(done.rows)) == (2, 2, 4)
    assert not set(first.configs) & set(second.configs)  # nothing finished was rerun
    assert set(first.configs) | set(second.configs) == {(lr, h) for lr in GRID["lr"]
                                                        for h in GRID["hidden_dim"]}
    again = grid_run(digits, storage, callbacks=[third])
    assert (third.configs, again.ran_now, again.skipped) == ([], 0, 4)
    # per-trial results live in the study as user_attrs
    study = optuna.load_study(study_name=done.study_name, storage=storage)
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(complete) == 4
    assert all({"passed", "steps", "seconds", "final_loss", "metric"} <= set(t.user_attrs)
               for t in complete)
    assert all(row["passed"] for row in done.rows)
    assert [row["rank"] for row in done.rows] == [1, 2, 3, 4]
    assert [row["steps"] for row in done.rows] == sorted(row["steps"] for row in done.rows)


def test_an_interrupted_trial_is_run_again_on_resume(digits, tmp_path):
    storage = f"sqlite:///{tmp_path / 'grid.db'}"
    counted = CountFits()
    cut = grid_run(digits, storage, callbacks=[counted, InterruptFit(k=2)])
    assert cut.interrupted and len(cut.rows) == 1 and len(counted.configs) == 2
    resumed = CountFits()
    done = grid_run(digits, storage, callbacks=[resumed])
    assert done.skipped == 1 and len(done.rows) == 4 and not done.notes
    assert counted.configs[1] in resumed.configs  # the cut-off point ran again
    assert counted.configs[0] not in resumed.configs  # the finished one did not
    assert len(resumed.configs) == 3


def test_ranking_puts_memorized_first_then_fewer_steps_then_seconds():
    rows = [{"passed": False, "steps": 10, "seconds": 0.1, "final_loss": 0.5},
            {"passed": True, "steps": 50, "seconds": 2.0, "final_loss": 0.05},
            {"passed": True, "steps": 50, "seconds": 1.0, "final_loss": 0.09},
            {"passed": True, "steps": 20, "seconds": 3.0, "final_loss": 0.08},
            {"passed": False, "steps": 1500, "seconds": 9.0, "final_loss": 0.2}]
    order = sorted(range(len(rows)), key=lambda i: _rank_key(rows[i]))
    assert order == [3, 2, 1, 4, 0]


def test_cli_grid_writes_a_ranked_report(tmp_path):
    grid_file = tmp_path / "grid.yaml"
    grid_file.write_text("optimizer: [adam, sgd]\nlr: 1.0e-2\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["grid", str(HEALTHY_DEMO), "--grid", str(grid_file),
                                       "--rung", "2", "--jobs", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "grid.json").read_text())
    assert report["schema"] == "trainprobe.grid/1" and report["rung"] == 2
    assert report["points"] == report["completed"] == report["ran_now"] == 2
    assert {row["params"]["optimizer"] for row in report["ranking"]} == {"adam", "sgd"}
    assert report["ranking"][0]["rank"] == 1
    assert "| rank |" in (out / "grid.md").read_text()
