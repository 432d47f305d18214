"""The training engine: schedule values, gradient accumulation, deterministic batches,
event order, the rung stopping rule, and the public API surface."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.utils.data import TensorDataset

import trainprobe as tp
from trainprobe.engine import Callback, StopTraining, Trainer, make_config
from trainprobe.engine.batches import BatchStream
from trainprobe.engine.schedule import Plateau, lr_at
from trainprobe.errors import ConfigError
from trainprobe.overfit.watcher import RungWatcher
from trainprobe.tasks import make_task


def data(n=32):
    g = torch.Generator().manual_seed(0)
    return TensorDataset(torch.randn(n, 4, generator=g), torch.randint(0, 3, (n,), generator=g))


def test_public_api_is_exactly_this():
    assert sorted(tp.__all__) == sorted([
        "Callback", "ConfigError", "EvalResult", "FitResult", "Inspector", "InspectorCallback", "ProbeRun", "RungResult", "Spec",
        "SpecError", "StopTraining", "TrainConfig", "TrainResult", "Trainer", "TrainprobeError",
        "UserCodeError", "__version__", "load_spec", "probe", "report_dict", "run_ladder",
        "train", "write_report"] + EXTRA_EXPORTS)
    for name in tp.__all__:
        assert hasattr(tp, name)


EXTRA_EXPORTS: list[str] = []


def test_warmup_then_cosine_reaches_min_lr_at_the_horizon_and_stays():
    config = make_config({"lr": 1.0, "warmup_steps": 10, "schedule": "cosine",
                          "schedule_steps": 110, "min_lr": 0.1, "max_steps": 200})
    assert lr_at(0, config) == pytest.approx(0.1)  # (0 + 1) / 10
    assert lr_at(9, config) == pytest.approx(1.0)
    assert lr_at(60, config) == pytest.approx(0.55)  # halfway: (1 + 0.1) / 2
    assert lr_at(110, config) == pytest.approx(0.1)
    assert lr_at(199, config) == pytest.approx(0.1)  # past T the rate stays at min_lr


@pytest.mark.parametrize("values, scale_after", [
    ([1.0, 0.9, 0.8, 0.7], 1.0),  # improving: never reduced
    ([1.0, 1.0, 1.0, 1.0], 0.5),  # patience 2 -> the third bad eval halves the rate
    ([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], 0.25),
])
def test_plateau_scales_after_patience(values, scale_after):
    plateau = Plateau(factor=0.5, patience=2)
    for value in values:
        plateau.update(value)
    assert plateau.scale == scale_after


@pytest.mark.parametrize("losses, expected", [
    ([1.0] * 10, (False, "")),
    ([1.0, float("nan")], (True, "diverged: non-finite loss")),
    ([1.0] * 5 + [50.0] * 30, (True, "diverged")),
    ([2.0 - i * 0.001 for i in range(400)], (False, "")),  # slow but steady progress
    ([1.0] * 400, (True, "plateau")),
])
def test_rung_watcher_gives_up_only_when_clear(losses, expected):
    stop, reason = RungWatcher(plateau_steps=300).should_give_up(losses)
    assert stop == expected[0] and reason.startswith(expected[1])


def test_gradient_accumulation_matches_one_big_batch():
    task = make_task("classification")
    results = []
    for batch_size, accum in ((16, 1), (8, 2)):
        torch.manual_seed(0)
        model = nn.Linear(4, 3)
        config = make_config({"batch_size": batch_size, "grad_accum": accum, "optimizer": "sgd",
                              "momentum": 0.0, "lr": 0.1, "max_steps": 1, "eval_every": 100})
        trainer = Trainer(model, task, data(16), config)
        trainer.batches.shuffle = False  # same items in the same micro-batches
        trainer.fit()
        results.append(model.weight.detach().clone())
    torch.testing.assert_close(results[0], results[1])


def test_batch_stream_order_is_a_function_of_seed_and_epoch():
    task = make_task("classification")
    first = BatchStream(data(), task, batch_size=5, seed=3)
    taken = [next(first).targets for _ in range(9)]  # crosses an epoch boundary
    resumed = BatchStream(data(), task, batch_size=5, seed=3)
    resumed.load_state_dict({"epoch": 1, "position": 2})
    replay = BatchStream(data(), task, batch_size=5, seed=3)
    for _ in range(9):
        expected = next(replay)
    assert resumed.state_dict() == {"epoch": 1, "position": 2}
    torch.testing.assert_close(next(resumed).targets, next(replay).targets)
    assert len(taken) == 9 and not torch.equal(expected.targets, taken[0])


class Recorder(Callback):
    def __init__(self, stop_at: int):
        self.events: list[str] = []
        self.stop_at = stop_at

    def before_fit(self, trainer): self.events.append("before_fit")
    def before_batch(self, trainer, batch): self.events.append("before_batch")
    def after_loss(self, trainer, loss, outputs, batch): self.events.append("after_loss")
    def after_backward(self, trainer): self.events.append("after_backward")

    def after_step(self, trainer, loss):
        self.events.append("after_step")
        if trainer.step == self.stop_at:
            raise StopTraining("enough")

    def after_eval(self, trainer, result): self.events.append("after_eval")
    def after_fit(self, trainer): self.events.append("after_fit")


def test_events_fire_in_documented_order_and_stop_has_a_reason():
    recorder = Recorder(stop_at=2)
    config = make_config({"grad_accum": 2, "batch_size": 8, "eval_every": 1, "max_steps": 10})
    result = Trainer(nn.Linear(4, 3), make_task("classification"), data(), config,
                     callbacks=[recorder]).fit()
    step = ["before_batch", "after_loss"] * 2 + ["after_backward", "after_step"]
    assert recorder.events == ["before_fit", *step, "after_eval", *step, "after_fit"]
    assert (result.stop_reason, result.steps, len(result.losses)) == ("enough", 2, 2)
    assert all(math.isfinite(v) for v in result.losses)


def test_unknown_config_key_suggests_the_right_one():
    with pytest.raises(ConfigError, match="unknown key 'warmup'; did you mean 'warmup_steps'"):
        make_config({"warmup": 10}, source="config.yaml")


def test_plateau_decay_stops_at_min_lr_and_leaves_warmup_alone():
    config = make_config({"lr": 0.1, "min_lr": 0.01, "schedule": "plateau", "warmup_steps": 10,
                          "max_steps": 2, "eval_every": 100})
    trainer = Trainer(nn.Linear(4, 3), make_task("classification"), data(), config)
    trainer.fit()
    assert trainer.lr == pytest.approx(0.02)  # warmup step 2 of 10: below min_lr is fine
    trainer.plateau.scale = 1e-6
    trainer.config = make_config({**config.model_dump(), "warmup_steps": 0, "max_steps": 3})
    trainer.fit()
    assert trainer.lr == pytest.approx(0.01)


def test_evaluation_never_augments():
    calls = []

    def augment(x):
        calls.append(1)
        return x + 1.0

    stream = BatchStream(data(8), make_task("classification"), batch_size=4, seed=0,
                         augment=augment)
    evaluated = torch.cat([b.inputs for b in stream.all_batches()])
    assert calls == [] and torch.equal(evaluated, data(8).tensors[0])
    next(stream)
    assert len(calls) == 4  # training batches are augmented


def test_regression_default_loss_reshapes_n1_outputs_instead_of_broadcasting():
    task = make_task("regression")
    batch = task.collate([(torch.zeros(2), torch.tensor(float(v))) for v in (1, 2, 3)])
    outputs = torch.tensor([[1.0], [2.0], [4.0]])  # (N, 1) against (N,)
    assert float(task.default_loss(outputs, batch)) == pytest.approx(1 / 3)


def test_reference_sample_spreads_over_the_whole_dataset():
    from trainprobe.tasks import SampledItems

    picked = list(SampledItems(list(range(3000)), 2048))
    assert len(picked) == 2048 and picked[0] == 0 and picked[-1] == 2999


def test_resume_state_restores_python_and_numpy_randomness(tmp_path):
    # augmentations often draw from `random` or numpy: resume must replay those too
    import random

    import numpy as np

    trainer = Trainer(nn.Linear(4, 3), make_task("classification"), data(16),
                      make_config({"max_steps": 2}))
    trainer.fit()
    random.seed(5)
    np.random.seed(7)
    torch.save(trainer.state_dict(), tmp_path / "state.pt")
    expected = (random.random(), float(np.random.rand()))
    trainer.load_state_dict(torch.load(tmp_path / "state.pt", weights_only=True))
    assert (random.random(), float(np.random.rand())) == expected


def test_lm_achievable_accuracy_merges_prefixes_across_eval_batches():
    from trainprobe.tasks import Batch
    from trainprobe.tasks.lm import _achievable_correct

    tokens = torch.tensor([[1, 2, 3], [1, 2, 4], [5, 2, 3]])
    following = torch.tensor([[2, 3, 9], [2, 4, 9], [2, 3, 8]])
    # prefix [1, 2] continues with 3 and with 4: only one of the two can be right
    assert _achievable_correct(tokens, following) == 8
    split = [Batch(tokens[:1], following[:1]), Batch(tokens[1:], following[1:])]
    assert make_task("lm").reference_counts(split) == {"achievable": 8}
