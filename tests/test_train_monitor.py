"""monitor/mode (issue 13 item 2) in real runs: best.pt, early stopping and the manifest
follow the monitored metric, the summary and the dashboard show the best checkpoint's
metric beside its step; and the gap-analysis headline of a real run that is still
improving with a large gap (issue 13 item 3)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from test_train_support import TINY_SPEC, write_spec

from trainprobe.api import train
from trainprobe.cli import main

BINARY_SPEC = '''
import torch
from torch import nn
from torch.utils.data import TensorDataset
TASK = "binary"
def build_data():
    g = torch.Generator().manual_seed(2)
    x = torch.randn(96, 8, generator=g)
    y = ((x[:, 0] + 0.7 * torch.randn(96, generator=g)) > 0.4).float()
    return TensorDataset(x[:64], y[:64]), TensorDataset(x[64:], y[64:])
def build_model(hidden_dim: int = 16):
    return nn.Sequential(nn.Linear(8, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 1))
'''
RUN = {"max_steps": 60, "eval_every": 5, "batch_size": 16, "lr": 3e-2, "seed": 0}


def first_best(values, higher):
    best = None
    for step, value in values:
        if best is None or (value > best[1] if higher else value < best[1]):
            best = (step, value)
    return best


def test_best_checkpoint_and_manifest_follow_a_monitored_metric(tmp_path):
    spec = write_spec(tmp_path, BINARY_SPEC)
    result = train(spec, {**RUN, "monitor": "val/f1"}, tmp_path / "run")
    assert result.monitor == "val/f1 (max)"  # f1 is not an error rate: max
    assert all(e.monitored == e.metrics["f1"] for e in result.evals)
    step, value = first_best([(e.step, e.metrics["f1"]) for e in result.evals], higher=True)
    assert result.best_step == step
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    best = manifest["best_checkpoint"]
    assert (best["step"], best["monitor"], best["value"]) == (step, "val/f1 (max)", value)
    log = (tmp_path / "run" / "inspector.log.jsonl").read_text()
    assert '"val/f1":' in log  # every task metric is logged, so any can be monitored
    summary = result.summary
    at = next(e for e in result.evals if e.step == step)
    assert summary["best_checkpoint"]["metric"] == pytest.approx(at.metric, rel=1e-3)
    assert f"Best checkpoint: step {step} (accuracy " in summary["headline"]
    assert "chosen by val/f1 (max)" in summary["headline"]
    html = (tmp_path / "run" / "dashboard.html").read_text()
    assert f"best checkpoint at step {step}" in html  # the card: its step ...
    assert f"accuracy {at.metric:.4g} (best.pt)" in html  # ... and the metric there


def test_early_stopping_on_the_metric_restores_its_best(tmp_path):
    spec = write_spec(tmp_path, BINARY_SPEC)
    config = {**RUN, "monitor": "val_metric", "early_stopping": True, "patience": 3,
              "max_steps": 200}
    result = train(spec, config, tmp_path / "run")
    accuracies = [(e.step, e.metric) for e in result.evals]
    step, _ = first_best(accuracies, higher=True)
    assert result.best_step == step and result.restored_best
    assert result.stop_reason.startswith("early stopping")  # 3 evals without a new best
    assert "val_metric (max)" in result.stop_reason
    assert result.evals[-1].step - step == 3 * config["eval_every"]
    # on this data the loss would have chosen another step: the metric decided
    assert step != first_best([(e.step, e.loss) for e in result.evals], higher=False)[0]


def test_old_configs_default_to_the_validation_loss(tmp_path):
    spec = write_spec(tmp_path)
    result = train(spec, {"max_steps": 20, "eval_every": 5, "batch_size": 16},
                   tmp_path / "run")
    assert result.monitor == "val_loss (min)"
    assert result.best_step == first_best([(e.step, e.loss) for e in result.evals], False)[0]


def test_a_monitor_the_task_does_not_report_is_one_line_before_any_file(tmp_path):
    spec = write_spec(tmp_path, TINY_SPEC)
    config = tmp_path / "c.yaml"
    config.write_text("max_steps: 10\nmonitor: val/f2\n")
    done = CliRunner().invoke(main, ["train", str(spec), "--config", str(config),
                                     "--out", str(tmp_path / "run")])
    assert done.exit_code == 2
    assert "monitor: 'val/f2' is not a metric of this task (it reports accuracy)" in \
        done.stderr
    assert not (tmp_path / "run").exists()


GAP_SPEC = '''
"""Regression whose validation targets carry noise the model cannot learn: a large gap
while both losses still fall (the model is still learning w)."""
import torch
from torch import nn
from torch.utils.data import TensorDataset
TASK = "regression"
def build_data():
    g = torch.Generator().manual_seed(0)
    w = torch.randn(16, 1, generator=g)
    x_train, x_val = torch.randn(64, 16, generator=g), torch.randn(64, 16, generator=g)
    noise = torch.randn(64, 1, generator=g)
    return TensorDataset(x_train, x_train @ w / 4), TensorDataset(x_val, x_val @ w / 4 + noise)
def build_model():
    return nn.Linear(16, 1)
'''


def test_a_real_run_still_improving_with_a_large_gap_is_not_called_overfitting(tmp_path):
    spec = write_spec(tmp_path, GAP_SPEC)
    result = train(spec, {"max_steps": 150, "eval_every": 5, "lr": 3e-3, "batch_size": 64,
                          "optimizer": "sgd", "momentum": 0.0}, tmp_path / "run")
    summary = result.summary
    assert summary["verdict"] == "healthy" and not summary["checks"]["overfitting"]["applies"]
    assert summary["final_gap_ratio"] > 0.3  # a large gap ...
    assert summary["headline"].startswith("Still improving; gap large")  # ... still improving
    assert "Train longer, then regularize" in summary["headline"]


@pytest.mark.parametrize("values, mode, decays", [
    ([0.5, 0.6, 0.7, 0.8, 0.9], "max", 0),  # a rising accuracy keeps the rate
    ([0.5, 0.6, 0.7, 0.8, 0.9], "min", 1),  # ... which in mode min is no progress
    ([0.9, 0.8, 0.7, 0.6, 0.5], "min", 0),
    ([0.5, 0.5, 0.5, 0.5, 0.5], "max", 1),
])
def test_plateau_schedule_follows_the_mode(values, mode, decays):
    from trainprobe.engine.schedule import Plateau

    plateau = Plateau(factor=0.5, patience=2)
    for value in values:
        plateau.update(value, mode)
    assert plateau.scale == 0.5 ** decays


def test_checkpoints_written_before_eval_records_resume_their_history():
    from trainprobe.engine.trainer import _load_evals

    old = {"callbacks": {"checkpoints": {"best_val_loss": 0.5, "best_step": 10, "evals": [
        {"step": 10, "val_loss": 0.5, "metric": 0.8, "metric_name": "accuracy"}]}}}
    (record,) = _load_evals(old)
    assert (record.step, record.loss, record.monitored, record.metric) == (10, 0.5, 0.5, 0.8)
