"""The overfitting ladder on real models: every task memorizes, a bottleneck breaks at a
known rung, report.json has exactly the documented schema."""

from __future__ import annotations

import json

import pytest
from conftest import SPECS

import trainprobe as tp

NO_TIME_LIMIT = {"max_seconds": 600.0}  # outcomes depend on steps only, not machine load


@pytest.mark.parametrize("name", ["tiny_classification", "tiny_binary", "tiny_regression",
                                  "tiny_ctc", "tiny_lm"])
def test_each_task_memorizes_rungs_up_to_20(name):
    run, report = tp.probe(SPECS / f"{name}.py", [1, 2, 5, 10, 20], diagnose=False,
                           overrides=NO_TIME_LIMIT)
    assert [(r.n, r.passed) for r in run.rungs] == [(n, True) for n in (1, 2, 5, 10, 20)]
    assert report["verdict"] == "pass" and report["breaking_point"] is None
    assert all(r.stop_reason == "memorized" for r in run.rungs)


def test_bottleneck_breaks_at_its_known_rung_and_stops_there():
    run, report = tp.probe(SPECS / "bottleneck.py", [1, 2, 5, 10, 20], diagnose=False)
    assert [r.n for r in run.rungs] == [1, 2, 5]  # stops at the first failed rung
    assert report["breaking_point"] == 5 and report["verdict"] == "fail"
    assert run.rungs[-1].stop_reason.startswith("plateau")


def test_keep_going_runs_every_rung():
    run, _ = tp.probe(SPECS / "bottleneck.py", [1, 5, 10], keep_going=True, diagnose=False)
    assert [(r.n, r.passed) for r in run.rungs] == [(1, True), (5, False), (10, False)]


def test_single_mode_runs_one_rung():
    run, _ = tp.probe(SPECS / "tiny_classification.py", mode="single", n_samples=7,
                      diagnose=False, overrides=NO_TIME_LIMIT)
    assert [r.n for r in run.rungs] == [7]


def test_full_rung_is_the_whole_training_set():
    run, _ = tp.probe(SPECS / "tiny_classification.py", ["full"], diagnose=False,
                      overrides={**NO_TIME_LIMIT, "max_steps": 5})
    assert run.rungs[0].n == 200


def test_report_json_has_exactly_the_schema(tmp_path):
    _, report = tp.probe(SPECS / "bottleneck.py", [1, 5], out_dir=tmp_path,
                         json_path=tmp_path / "copy.json")
    on_disk = json.loads((tmp_path / "report.json").read_text())
    assert on_disk == report == json.loads((tmp_path / "copy.json").read_text())
    assert set(report) == {"schema", "task", "verdict", "breaking_point", "ladder", "diagnoses"}
    assert report["schema"] == "trainprobe.report/2" and report["task"] == "classification"
    for rung in report["ladder"]:
        assert set(rung) == {"n", "passed", "status", "steps", "seconds", "final_loss",
                             "metric", "note"}
        assert isinstance(rung["n"], int) and isinstance(rung["passed"], bool)
        assert rung["status"] == ("passed" if rung["passed"] else "failed")
        assert rung["note"] is None
        assert isinstance(rung["steps"], int) and isinstance(rung["seconds"], float)
        assert set(rung["metric"]) == {"name", "value"} and rung["metric"]["name"] == "accuracy"
    for finding in report["diagnoses"]:
        assert set(finding) == {"code", "severity", "message", "where", "evidence", "fix"}
        assert finding["severity"] in ("error", "warning", "info")
    assert "| 5 | no |" in (tmp_path / "report.md").read_text()
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave no temp files


def test_demo_models_memorize_their_first_rungs():
    # Every shipped example is a healthy model: its first rungs memorize (the full
    # 1..100 ladder on every example is measured by benchmarks/ladder.py).
    from trainprobe.demos import demo_specs

    healthy = [p for p in demo_specs() if "bug" not in p.name and "charlm" not in p.name]
    assert len({tp.load_spec(p).task.name for p in healthy}) == 5  # one per task at least
    for path in healthy:
        run, _ = tp.probe(path, [1, 2], diagnose=False, overrides=NO_TIME_LIMIT)
        assert run.verdict == "pass", path.name
