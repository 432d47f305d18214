"""--resume continues a stopped run on exactly the trajectory of an uninterrupted one."""

from __future__ import annotations

import os
import signal

import pytest
from test_train_support import (
    TINY_CONFIG,
    same_weights,
    weights,
    write_spec,
)

from trainprobe.api import train
from trainprobe.engine import Callback
from trainprobe.errors import ConfigError


class SignalAt(Callback):
    """Sends this process `signum` `times` times in the middle of the step after `step`
    (its micro-batch drawn, the optimizer not stepped yet). One signal is a graceful stop
    at the end of that step (after its eval); a second one raises KeyboardInterrupt at
    once, inside the step."""

    def __init__(self, step: int, signum: int = signal.SIGTERM, times: int = 1):
        self.step, self.signum, self.times = step, signum, times

    def before_batch(self, trainer, batch):
        if trainer.step == self.step:
            for _ in range(self.times):
                os.kill(os.getpid(), self.signum)

    @property
    def stops_at(self) -> int:
        return self.step + 1 if self.times == 1 else self.step


def train_lines(run_dir):
    return [line for line in (run_dir / "inspector.log.jsonl").read_text().splitlines()
            if '"kind":"train"' in line]


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("resume")
    spec = write_spec(folder)
    result = train(spec, TINY_CONFIG, folder / "full")
    return spec, result


@pytest.mark.parametrize("stopper", [SignalAt(19), SignalAt(33, signal.SIGINT, times=2)],
                         ids=["sigterm-graceful-at-eval-step", "double-ctrl-c-mid-step"])
def test_resume_reproduces_uninterrupted_run(uninterrupted, tmp_path, stopper):
    spec, full = uninterrupted
    first = train(spec, TINY_CONFIG, tmp_path / "run", callbacks=[stopper])
    assert first.interrupted and first.steps == stopper.stops_at

    resumed = train(spec, None, tmp_path / "run", resume=True)
    assert resumed.status == "finished" and resumed.steps == TINY_CONFIG["max_steps"]
    assert resumed.losses == full.losses  # exact, step for step
    assert same_weights(weights(resumed.last_checkpoint), weights(full.last_checkpoint))
    assert resumed.best_step == full.best_step
    assert [e.loss for e in resumed.evals] == [e.loss for e in full.evals]
    # the log continues as if never stopped: identical train records
    assert train_lines(tmp_path / "run") == train_lines(full.run_dir)


def test_resume_with_larger_budget_extends_the_run(uninterrupted, tmp_path):
    spec, full = uninterrupted
    short = train(spec, {**TINY_CONFIG, "max_steps": 30, "schedule_steps": 60},
                  tmp_path / "run")
    assert short.status == "finished" and short.steps == 30
    longer = train(spec, None, tmp_path / "run", resume=True, overrides={"max_steps": 60})
    assert longer.losses == full.losses


def test_resume_refuses_a_changed_config(uninterrupted, tmp_path):
    spec, _ = uninterrupted
    train(spec, {**TINY_CONFIG, "max_steps": 10}, tmp_path / "run")
    with pytest.raises(ConfigError, match=r"--resume: lr changed"):
        train(spec, {**TINY_CONFIG, "lr": 0.1}, tmp_path / "run", resume=True)
    with pytest.raises(ConfigError, match=r"--resume: seed changed"):
        train(spec, None, tmp_path / "run", resume=True, overrides={"seed": 4})
