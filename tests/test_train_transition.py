"""`trainprobe transition REPORT.json`: a full-training config.yaml from a passed probe."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from test_train_support import write_spec

from trainprobe.cli import main
from trainprobe.overfit.presets import preset_for
from trainprobe.train.config_file import load_config_file
from trainprobe.train.transition import transition


def write_report(folder, passed=(1, 2, 5, 10, 20, 50, 100), failed=(), task="classification"):
    ladder = [{"n": n, "passed": True, "steps": 40, "seconds": 0.5, "final_loss": 0.01,
               "metric": {"name": "accuracy", "value": 1.0}} for n in passed]
    ladder += [{"n": n, "passed": False, "steps": 900, "seconds": 9.0, "final_loss": 1.2,
                "metric": {"name": "accuracy", "value": 0.4}} for n in failed]
    report = {"schema": "trainprobe.report/1", "task": task,
              "verdict": "fail" if failed else "pass",
              "breaking_point": failed[0] if failed else None, "ladder": ladder,
              "diagnoses": []}
    path = folder / "report.json"
    path.write_text(json.dumps(report))
    return path


def test_transition_follows_the_practice(tmp_path):
    out = tmp_path / "config.yaml"
    plan = transition(write_report(tmp_path), out=out)
    probe = preset_for(100)  # the largest memorized rung's settings
    config = load_config_file(out)
    assert config.lr == pytest.approx(probe["lr"] / 3, rel=1e-3)
    assert 0.1 <= config.dropout <= 0.3
    assert config.weight_decay == 1e-4 and config.optimizer == "adamw"
    assert 0 < config.warmup_steps <= 0.1 * config.max_steps
    assert config.schedule == "cosine" and config.schedule_steps == config.max_steps
    assert config.augment and config.early_stopping and config.restore_best
    assert config.patience == 10 and config.max_seconds is None
    assert config.eval_every < config.max_steps and config.ckpt_every % config.eval_every == 0
    changed = {c.key for c in plan.changes}
    assert {"dropout", "lr", "weight_decay", "warmup_steps", "augment",
            "early_stopping", "max_steps"} <= changed
    assert all(c.why for c in plan.changes)
    text = out.read_text()
    assert "lr: 0.0003333  # about 3x lower" in text  # each change says why, in the file


@pytest.mark.parametrize("task, monitor, mode, why", [
    ("classification", "val_metric", "max", "follow accuracy (max), the number this task is "
                                            "judged by"),
    ("binary", "val_metric", "max", "follow accuracy (max)"),
    ("ctc", "val_metric", "min", "follow WER (min)"),
    ("lm", "val_loss", "min", "perplexity = exp(loss)"),
    ("regression", "val_loss", "min", "R² = 1 - MSE / Var(y)"),
])
def test_transition_monitors_what_the_task_is_judged_by(tmp_path, task, monitor, mode, why):
    """Issue 13 item 2: the best checkpoint, early stopping and the plateau follow the
    task's metric when users judge by it, and config.yaml says why."""
    out = tmp_path / "config.yaml"
    transition(write_report(tmp_path, task=task), out=out)
    config = load_config_file(out)
    assert (config.monitor, config.mode) == (monitor, mode)
    line = next(line for line in out.read_text().splitlines() if line.startswith("monitor:"))
    assert why in line, line


def test_with_spec_uses_data_size_and_build_augment(tmp_path):
    spec = write_spec(tmp_path)  # 64 training items, defines build_augment()
    plan = transition(write_report(tmp_path, passed=(1, 2, 5, 10, 20, 50)), spec_path=spec)
    config = plan.config
    assert plan.train_size == 64 and config.augment
    assert config.dropout == 0.3  # a tiny data set gets the most dropout
    assert config.batch_size == 64 and config.grad_accum == 1
    assert config.max_steps == 100  # 100 epochs of one step


def test_large_data_accumulates_gradients(tmp_path):
    plan = transition(write_report(tmp_path))
    from trainprobe.train.transition import _plan_changes
    large = _plan_changes(plan.config.model_copy(update={"batch_size": 128}), 100, 50_000,
                         True, [])
    assert large.config.grad_accum == 2  # effective batch 256
    assert large.config.max_steps == 20 * 196  # 20 epochs of ceil(50000 / 256) steps


def test_cli_prints_each_change_and_why(tmp_path):
    out = tmp_path / "full.yaml"
    result = CliRunner().invoke(main, ["transition", str(write_report(tmp_path)),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    for key in ("dropout", "lr", "weight_decay", "warmup_steps", "early_stopping", "patience"):
        assert key in result.output
    assert "3x lower" in result.output and "wrote" in result.output
    assert load_config_file(out).early_stopping


def test_failed_probe_is_refused(tmp_path):
    result = CliRunner().invoke(main, ["transition",
                                       str(write_report(tmp_path, (1, 2), failed=(5,)))])
    assert result.exit_code == 2
    assert "did not pass (breaking point 5)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_not_a_report(tmp_path):
    path = tmp_path / "report.json"
    path.write_text('{"hello": 1}')
    result = CliRunner().invoke(main, ["transition", str(path)])
    assert result.exit_code == 2 and "is not a probe report" in result.stderr
