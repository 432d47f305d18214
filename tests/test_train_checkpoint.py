"""Checkpoints: best.pt is replaced only by a strictly better eval; writes are atomic;
a foreign or damaged file is a one-line error."""

from __future__ import annotations

import pytest
import torch
from test_train_support import (
    TINY_CONFIG,
    same_weights,
    weights,
    write_spec,
)

from trainprobe.engine import EvalRecord, EvalResult, Trainer, make_config
from trainprobe.errors import ConfigError
from trainprobe.spec import load_spec
from trainprobe.train.checkpoint import CheckpointCallback, load_checkpoint


def scripted_eval(trainer: Trainer, loss: float, accuracy: float = 0.5) -> EvalRecord:
    """An eval as Trainer.run_eval records it: appended to the one eval history."""
    result = EvalResult(loss=loss, metrics={"accuracy": accuracy}, metric_name="accuracy",
                        memorized=False, items=32)
    record = EvalRecord.of(trainer.step, result, trainer.monitor.value(result))
    trainer.evals.append(record)
    return record


@pytest.fixture
def trainer(tmp_path):
    spec = load_spec(write_spec(tmp_path))
    train_data, val_data = spec.build_data()
    config = make_config({**TINY_CONFIG, "augment": False})
    return Trainer(spec.build_model(), spec.task, train_data, config, eval_data=val_data)


def test_best_checkpoint_survives_later_worse_evals(tmp_path, trainer):
    checkpoints = CheckpointCallback(tmp_path / "run", {"lr": 0.01}, ckpt_every=None)
    snapshots = {}
    # val losses over a run that overfits: best at step 20; then worse, equal and NaN evals
    for step, loss in [(10, 0.9), (20, 0.5), (30, 0.7), (40, 0.5), (50, float("nan")),
                       (60, 2.0)]:
        trainer.step = step
        with torch.no_grad():
            for parameter in trainer.model.parameters():
                parameter.add_(0.1)  # the weights change between evals
        snapshots[step] = {k: v.clone() for k, v in trainer.model.state_dict().items()}
        checkpoints.after_eval(trainer, scripted_eval(trainer, loss))

    best = load_checkpoint(checkpoints.best_path)
    assert (best["step"], best["val_loss"]) == (20, 0.5)
    assert same_weights(best["trainer"]["model"], snapshots[20])
    assert not same_weights(best["trainer"]["model"], snapshots[60])
    assert (checkpoints.best_step, checkpoints.best_val_loss) == (20, 0.5)
    assert not checkpoints.last_path.exists()  # ckpt_every=None: no periodic checkpoint


def test_best_checkpoint_follows_the_monitored_metric(tmp_path):
    """monitor: val_metric picks the eval with the highest accuracy (mode max from the
    task), not the lowest loss: the BERT case of issue 13, where loss and accuracy disagree."""
    spec = load_spec(write_spec(tmp_path))
    train_data, val_data = spec.build_data()
    config = make_config({**TINY_CONFIG, "augment": False, "monitor": "val_metric"})
    trainer = Trainer(spec.build_model(), spec.task, train_data, config, eval_data=val_data)
    assert (trainer.monitor.key, trainer.monitor.mode) == ("val_metric", "max")
    checkpoints = CheckpointCallback(tmp_path / "run", {}, ckpt_every=None)
    # (step, loss, accuracy): loss lowest at step 20, accuracy highest at step 40
    for step, loss, accuracy in [(10, 0.9, 0.30), (20, 0.5, 0.37), (30, 0.7, 0.41),
                                 (40, 0.8, 0.47), (50, 0.6, 0.47)]:
        trainer.step = step
        checkpoints.after_eval(trainer, scripted_eval(trainer, loss, accuracy))
    best = load_checkpoint(checkpoints.best_path)
    assert best["step"] == 40 and checkpoints.best_step == 40
    assert checkpoints.best.metrics["accuracy"] == 0.47  # an equal later value never wins


def test_periodic_checkpoint_waits_for_the_steps_eval(tmp_path, trainer):
    """last.pt at a checkpoint step that is also an eval step includes that eval."""
    checkpoints = CheckpointCallback(tmp_path / "run", {}, ckpt_every=20)
    trainer.callbacks.append(checkpoints)  # its state goes into the checkpoint
    trainer.step = 20
    checkpoints.after_step(trainer, torch.tensor(1.0))
    assert not checkpoints.last_path.exists()  # eval due at step 20: not yet
    checkpoints.after_eval(trainer, scripted_eval(trainer, 0.8))
    saved = load_checkpoint(checkpoints.last_path)
    assert saved["step"] == 20
    assert saved["trainer"]["evals"][-1]["loss"] == 0.8  # the trainer's one eval history


def test_failed_write_leaves_previous_checkpoint_intact(tmp_path, trainer, monkeypatch):
    checkpoints = CheckpointCallback(tmp_path / "run", {}, ckpt_every=None)
    trainer.step = 10
    checkpoints.after_eval(trainer, scripted_eval(trainer, 0.9))

    def torn_save(payload, path):
        with open(path, "wb") as handle:
            handle.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", torn_save)
    trainer.step = 20
    with pytest.raises(OSError, match="disk full"):
        checkpoints.after_eval(trainer, scripted_eval(trainer, 0.1))
    assert load_checkpoint(checkpoints.best_path)["step"] == 10
    assert [p.name for p in checkpoints.best_path.parent.iterdir()] == ["best.pt"]


@pytest.mark.parametrize("content, problem", [
    (b"not a checkpoint", "cannot be read"),
    (None, "not a trainprobe checkpoint"),
])
def test_unreadable_checkpoint_is_a_config_error(tmp_path, content, problem):
    path = tmp_path / "last.pt"
    if content is None:
        torch.save({"model": {}}, path)  # a plain state dict, not ours
    else:
        path.write_bytes(content)
    with pytest.raises(ConfigError, match=problem):
        load_checkpoint(path)


def test_checkpoint_holds_the_full_trainer_state(tmp_path, trainer):
    checkpoints = CheckpointCallback(tmp_path / "run", {"seed": 3}, ckpt_every=5)
    trainer.step = 5
    checkpoints.after_step(trainer, torch.tensor(1.0))
    saved = load_checkpoint(checkpoints.last_path)
    assert saved["config"] == {"seed": 3}
    assert set(saved["trainer"]) >= {"model", "optimizer", "scaler", "plateau", "batches",
                                     "step", "losses", "rng_cpu", "callbacks"}
    assert same_weights(weights(checkpoints.last_path), trainer.model.state_dict())
