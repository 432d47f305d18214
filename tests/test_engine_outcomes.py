"""How fit() ends, named once: StopReason kinds (the same strings as before in every
report), callbacks run in their declared order, and one place turns a caught Ctrl-C back
into KeyboardInterrupt for commands that run several fits."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

from trainprobe.engine import (
    Callback,
    StopReason,
    StopTraining,
    Trainer,
    make_config,
    reraise_interrupt,
)
from trainprobe.engine.events import RECORD, STOP
from trainprobe.instruments.inspector import InspectorCallback
from trainprobe.overfit.watcher import RungWatcher
from trainprobe.sweep.range_test import RangeTestCallback
from trainprobe.tasks import make_task
from trainprobe.train.early_stopping import EarlyStopping
from trainprobe.train.signals import GracefulStop


def tiny_trainer(callbacks, max_steps=10) -> Trainer:
    g = torch.Generator().manual_seed(0)
    data = TensorDataset(torch.randn(16, 4, generator=g), torch.randint(0, 3, (16,), generator=g))
    config = make_config({"max_steps": max_steps, "batch_size": 8, "eval_every": 100})
    return Trainer(nn.Linear(4, 3), make_task("classification"), data, config,
                   callbacks=callbacks)


@pytest.mark.parametrize("reason, text", [
    (StopReason.MAX_STEPS, "max_steps"), (StopReason.MAX_SECONDS, "max_seconds"),
    (StopReason.MAX_EPOCHS, "max_epochs"), (StopReason.MEMORIZED, "memorized"),
    (StopReason.INTERRUPTED, "interrupted"), (StopReason.DIVERGED, "diverged"),
    (StopReason.PLATEAU, "plateau"), (StopReason.EARLY_STOPPING, "early stopping"),
    (StopReason.RANGE_TEST, "range test"),
])
def test_stop_reasons_keep_their_report_strings(reason, text):
    assert reason == text and str(reason) == text and f"{reason}" == text
    assert StopReason.of(reason.because("some detail")) is reason
    assert StopTraining(reason).reason == text and type(StopTraining(reason).reason) is str


def test_a_user_reason_has_no_kind():
    assert StopReason.of("my own reason") is None and StopReason.of("") is None


class StopAtStep(Callback):
    order = STOP

    def __init__(self, step: int):
        self.step = step

    def after_step(self, trainer, loss):
        if trainer.step == self.step:
            raise StopTraining("enough")


class CountSteps(Callback):
    def __init__(self):
        self.seen: list[int] = []

    def after_step(self, trainer, loss):
        self.seen.append(trainer.step)


def test_callbacks_run_in_declared_order_whatever_the_list_order():
    counter = CountSteps()
    trainer = tiny_trainer([StopAtStep(3), counter])  # the stopper is given first
    result = trainer.fit()
    assert result.stop_reason == "enough" and result.stopped_by is None
    assert counter.seen == [1, 2, 3]  # the counter saw the step that stopped the run
    assert trainer.callbacks[-1].order == STOP


def test_engine_callbacks_declare_their_order():
    assert InspectorCallback.order == RECORD < Callback.order
    for stopper in (RungWatcher, EarlyStopping, RangeTestCallback):
        assert stopper.order == STOP
    assert GracefulStop.order > EarlyStopping.order  # an early-stopped run is finished


class PressCtrlC(Callback):
    def after_step(self, trainer, loss):
        if trainer.step == 2:
            raise KeyboardInterrupt


def test_ctrl_c_is_a_stop_reason_then_one_place_reraises_it():
    result = tiny_trainer([PressCtrlC()]).fit()
    assert result.steps == 2 and result.stopped_by is StopReason.INTERRUPTED
    reraise_interrupt(StopReason.MAX_STEPS.value)  # any other reason: nothing happens
    with pytest.raises(KeyboardInterrupt):
        reraise_interrupt(result.stop_reason)


def test_budget_reasons_come_from_the_enum():
    assert tiny_trainer([], max_steps=3).fit().stopped_by is StopReason.MAX_STEPS
