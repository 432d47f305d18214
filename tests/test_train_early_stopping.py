"""Early stopping: the pure decision over scripted val-loss sequences, and in a run
(stop reason, best weights restored, switchable off)."""

from __future__ import annotations

import math

import pytest
from test_train_support import (
    TINY_CONFIG,
    same_weights,
    weights,
    write_spec,
)

from trainprobe.api import train
from trainprobe.engine import Monitor
from trainprobe.train import EarlyStopping

NAN = math.nan


def first_stop(losses, patience, min_delta, mode="min"):
    """1-based index of the first eval after which should_stop says stop, else None."""
    rule = EarlyStopping(patience, min_delta, monitor=Monitor("val_metric", mode))
    for index in range(1, len(losses) + 1):
        stop, reason = rule.should_stop(losses[:index])
        if stop:
            assert reason.startswith("early stopping")
            return index
        assert reason == ""
    return None


@pytest.mark.parametrize("losses, patience, min_delta, expected_stop_eval", [
    ([1.0, 0.9, 0.8, 0.7, 0.6], 1, 0.0, None),  # always improving
    ([1.0, 0.9, 0.95, 0.96], 2, 0.0, 4),  # two evals without a new best
    ([1.0, 1.2], 1, 0.0, 2),
    ([1.0, 1.0, 1.0], 2, 0.0, 3),  # equal is not an improvement
    ([1.0, 0.99, 0.98, 0.97], 3, 0.05, 4),  # gains below min_delta do not count
    ([1.0, 0.94, 0.93, 0.92, 0.91], 3, 0.05, 5),  # 0.94 counts; the best moves to it
    ([1.0, 0.9, 1.1, 0.85, 1.2, 1.3], 2, 0.0, 6),  # a new best resets the count
    ([2.0, 1.0, 1.5, 1.4, 1.3, 1.2, 1.1], 5, 0.0, 7),  # slow recovery, never below 1.0
    ([1.0, 0.5, NAN], 10, 0.0, 3),  # a non-finite loss stops at once
    ([], 3, 0.0, None),
])
def test_should_stop_on_scripted_sequences(losses, patience, min_delta, expected_stop_eval):
    assert first_stop(losses, patience, min_delta) == expected_stop_eval


@pytest.mark.parametrize("accuracies, patience, min_delta, expected_stop_eval", [
    ([0.3, 0.4, 0.5, 0.6], 1, 0.0, None),  # rising: always improving in mode max
    ([0.3, 0.37, 0.35, 0.41, 0.47, 0.46, 0.45], 2, 0.0, 7),  # best 0.47 at eval 5
    ([0.5, 0.5, 0.5], 2, 0.0, 3),  # equal is not an improvement
    ([0.5, 0.52, 0.54, 0.56], 3, 0.1, 4),  # gains below min_delta do not count
    ([0.5, NAN], 5, 0.0, 2),
])
def test_should_stop_in_mode_max(accuracies, patience, min_delta, expected_stop_eval):
    """monitor: val_metric on accuracy (mode max): a falling loss no longer decides."""
    assert first_stop(accuracies, patience, min_delta, "max") == expected_stop_eval


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    return write_spec(tmp_path_factory.mktemp("early"))


def test_run_stops_early_and_restores_best_weights(spec, tmp_path):
    # min_delta 10: no eval after the first can count as an improvement, so with patience
    # 2 the run must stop at the third eval (step 30) whatever the losses are
    config = {**TINY_CONFIG, "early_stopping": True, "patience": 2, "min_delta": 10.0}
    result = train(spec, config, tmp_path / "run")
    assert result.steps == 30 and result.stop_reason.startswith("early stopping")
    assert result.restored_best
    best_step = min(result.evals, key=lambda e: e.loss).step
    assert result.best_step == best_step
    assert same_weights(result.model.state_dict(), weights(result.best_checkpoint))
    assert weights(result.last_checkpoint).keys() == result.model.state_dict().keys()
    events = (tmp_path / "run" / "inspector.log.jsonl").read_text()
    assert '"event":"early_stop"' in events


def test_early_stopping_can_be_switched_off(spec, tmp_path):
    config = {**TINY_CONFIG, "early_stopping": False, "patience": 1, "min_delta": 10.0}
    result = train(spec, config, tmp_path / "run")
    assert result.steps == TINY_CONFIG["max_steps"] and result.stop_reason == "max_steps"
    assert not result.restored_best
    assert same_weights(result.model.state_dict(), weights(result.last_checkpoint))
