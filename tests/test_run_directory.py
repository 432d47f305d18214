"""The run directory is the only hand-off between training, the analysis and the views:
the schedule horizon is computed once (by the engine, recorded in manifest.json) and every
reader follows that record."""

from __future__ import annotations

import json

import pytest

from trainprobe.analysis import analyze_run, read_log
from trainprobe.api import report_run, train
from trainprobe.engine import make_config
from trainprobe.engine.schedule import lr_at, schedule_info
from trainprobe.formatting import significant

SPEC = "tests/specs/tiny_classification.py"


@pytest.mark.parametrize("schedule, schedule_steps, max_steps, differs", [
    ("constant", None, 100, False),
    ("constant", 300, 100, False),  # no cosine: no horizon to differ
    ("cosine", None, 100, False),  # T defaults to the run's length
    ("cosine", 100, 100, False),
    ("cosine", 300, 100, True),  # T longer: the rate never reaches min_lr
    ("cosine", 50, 100, True),  # T shorter: the rate sits at min_lr after T
])
def test_schedule_info_says_when_the_horizon_differs(schedule, schedule_steps, max_steps,
                                                     differs):
    config = make_config({"schedule": schedule, "schedule_steps": schedule_steps,
                          "max_steps": max_steps})
    info = schedule_info(config)
    assert info["horizon_differs"] is differs
    assert info["horizon"] == (config.horizon if schedule == "cosine" else None)


@pytest.fixture(scope="module")
def long_horizon_run(tmp_path_factory):
    """A real run whose cosine horizon (T=60) is three times its length (20 steps)."""
    run_dir = tmp_path_factory.mktemp("horizon") / "run"
    config = {"schedule": "cosine", "schedule_steps": 60, "max_steps": 20, "lr": 0.01,
              "min_lr": 0.001, "eval_every": 10, "batch_size": 16}
    result = train(SPEC, config, run_dir)
    return run_dir, make_config(config), result


def test_a_long_horizon_reaches_every_reader(long_horizon_run):
    run_dir, config, _ = long_horizon_run
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["schedule"]["horizon_differs"] is True
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["lr"]["horizon_differs"] is True and summary["lr"]["horizon"] == 60
    assert "lr_horizon_differs" in summary["findings"]
    planned = summary["lr"]["planned"]  # drawn to T, beyond the 20 steps run
    assert planned["steps"][-1] == 61 and planned["lr"][-1] == pytest.approx(config.min_lr)
    assert planned["lr"][10] == pytest.approx(lr_at(planned["steps"][10] - 1, config), rel=1e-3)
    assert "T=60" in (run_dir / "gap-analysis.md").read_text()
    assert "cosine schedule, T=60" in (run_dir / "dashboard.html").read_text()


def test_the_analysis_reads_the_recorded_horizon(long_horizon_run):
    """horizon_differs is read from manifest.json, not recomputed beside it."""
    run_dir, _, _ = long_horizon_run
    manifest_path = run_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["schedule"]["horizon_differs"] = False
    manifest_path.write_text(json.dumps(manifest))
    summary = analyze_run(run_dir)
    assert summary["lr"]["horizon_differs"] is False and summary["lr"]["note"] is None
    manifest["schedule"]["horizon_differs"] = True
    manifest_path.write_text(json.dumps(manifest))
    summary, dashboard = report_run(run_dir)
    assert summary["lr"]["horizon_differs"] is True and dashboard.is_file()


def test_the_log_holds_the_engines_own_losses(long_horizon_run):
    """One training-loss buffer: the inspector writes the Trainer's values."""
    run_dir, _, result = long_horizon_run
    logged = read_log(run_dir).train
    assert list(logged.steps) == list(range(1, 21))
    assert list(logged.get("loss")) == [significant(v) for v in result.losses]
