"""Inspector: values against slow references, the user-loop API, hooks, killed runs, resume."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import textwrap

import pytest
import torch
from torch import nn

from trainprobe.instruments.inspector import Inspector
from trainprobe.instruments.logfile import iter_flat_records

REL = 2e-3  # values are rounded to 4 significant digits



def make_model(dead_units: int = 8) -> nn.Sequential:
    """Linear(10,32) -> ReLU -> Linear(32,16) -> ReLU -> Linear(16,3); the first
    `dead_units` units of the first ReLU can never fire (bias -100, tiny weights)."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 16), nn.ReLU(),
                          nn.Linear(16, 3))
    with torch.no_grad():
        model[0].weight[:dead_units] *= 0.01
        model[0].bias[:dead_units] = -100.0
    return model


def batch(step: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(1000 + step)
    return torch.randn(64, 10, generator=generator), torch.randint(0, 3, (64,), generator=generator)


def train_step(model: nn.Module, opt: torch.optim.Optimizer, step: int) -> torch.Tensor:
    x, y = batch(step)
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss


def records(path) -> list[dict]:
    """The log in the flat form (`grad_norm/<layer>` keys) every reader sees."""
    return list(iter_flat_records(path))


def test_values_match_slow_references(tmp_path):
    model = make_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    inspector = Inspector(model, tmp_path, stats_every=1)
    x, y = batch(1)
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    with torch.no_grad():  # reference activations of the first ReLU on this batch
        hidden = torch.relu(model[0](x))
    loss = nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    grads = {n: p.grad.detach().clone() for n, p in model.named_parameters()}
    opt.step()
    inspector.step(loss=loss, lr=0.1)
    inspector.close()
    meta, train, stats = records(tmp_path / "inspector.log.jsonl")
    assert meta["kind"] == "meta" and meta["layers"] == ["0", "2", "4"]
    assert meta["act_layers"] == ["1", "3"]
    assert train["kind"] == "train" and train["step"] == 1 and train["lr"] == 0.1
    assert train["loss"] == pytest.approx(loss.item(), rel=REL)
    total = torch.sqrt(sum((g ** 2).sum() for g in grads.values())).item()
    assert train["grad_norm"] == pytest.approx(total, rel=REL)
    for layer in ("0", "2", "4"):
        by_hand = torch.cat([grads[f"{layer}.weight"].flatten(), grads[f"{layer}.bias"]]).norm()
        assert train[f"grad_norm/{layer}"] == pytest.approx(by_hand.item(), rel=REL)
    assert stats["kind"] == "stats" and stats["step"] == 1
    dead_by_hand = (hidden.abs().amax(dim=0) <= 1e-6).float().mean().item()
    assert dead_by_hand == 0.25
    assert stats["dead/1"] == pytest.approx(dead_by_hand)
    assert stats["act_mean/1"] == pytest.approx(hidden.abs().mean().item(), rel=REL)
    for name, param in model.named_parameters():
        after = param.detach()
        assert stats[f"weight_norm/{name}"] == pytest.approx(after.norm().item(), rel=REL)
        ratio = ((after - before[name]).norm() / before[name].norm()).item()
        assert stats[f"update_ratio/{name}"] == pytest.approx(ratio, rel=REL)


def test_user_loop_like_the_readme(tmp_path):
    model = make_model(dead_units=0)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    with Inspector(model, tmp_path / "run", stats_every=10, optimizer=opt) as inspector:
        for step in range(1, 31):
            train_step(model, opt, step)
            inspector.step(loss=0.5)  # a float is fine too; lr read from the optimizer
            if step % 10 == 0:
                model.eval()
                with torch.no_grad():
                    x, y = batch(-1)
                    val = nn.functional.cross_entropy(model(x), y).item()
                model.train()
                inspector.eval(val_loss=val, val_metric=0.9, metric_name="accuracy")
        inspector.event("checkpoint", path="ckpt.pt")
    log = records(tmp_path / "run" / "inspector.log.jsonl")
    kinds = [r["kind"] for r in log]
    assert kinds.count("train") == 30 and kinds.count("eval") == 3 and kinds.count("stats") == 3
    assert [r["step"] for r in log if r["kind"] == "train"] == list(range(1, 31))
    assert all(r["lr"] == 0.001 for r in log if r["kind"] == "train")
    # order: each eval and stats record follows its step's train record
    index = {(r["kind"], r.get("step")): i for i, r in enumerate(log)}
    assert index[("train", 10)] < index[("stats", 10)] < index[("eval", 10)] < index[("train", 11)]
    assert log[-1] == {"kind": "event", "step": 30, "event": "checkpoint", "path": "ckpt.pt"}
    # eval forwards (model.eval / no_grad) never count as the measured step
    assert all(r["dead/1"] == 0.0 for r in log if r["kind"] == "stats")


def test_hooks_only_around_scheduled_steps_and_removed_on_close(tmp_path):
    model = make_model()
    relus = [model[1], model[3]]
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    inspector = Inspector(model, tmp_path, stats_every=3)
    assert all(len(m._forward_hooks) == 0 for m in relus)  # step 1 is not scheduled
    train_step(model, opt, 1)
    inspector.step(loss=1.0, lr=0.01)
    assert all(len(m._forward_hooks) == 0 for m in relus)  # step 2 is not scheduled either
    train_step(model, opt, 2)
    inspector.step(loss=1.0, lr=0.01)
    assert all(len(m._forward_hooks) == 1 for m in relus)  # armed for step 3
    inspector.close()
    assert all(len(m._forward_hooks) == 0 for m in relus)
    inspector.close()  # idempotent
    assert all(len(m._forward_hooks) == 0 for m in relus)


def test_killed_run_leaves_every_line_parseable(tmp_path):
    script = textwrap.dedent(f"""
        import os, signal, torch
        from torch import nn
        from trainprobe.instruments.inspector import Inspector
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        inspector = Inspector(model, {str(tmp_path)!r}, stats_every=7)
        for step in range(1, 251):
            loss = model(torch.randn(16, 4)).pow(2).mean()
            opt.zero_grad(); loss.backward(); opt.step()
            inspector.step(loss=loss, lr=0.01)
            if step == 120:
                inspector.eval(val_loss=0.3)
        os.kill(os.getpid(), signal.SIGKILL)  # no close(), no atexit, no flush
    """)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60,
                            env=env)
    assert result.returncode == -9
    text = (tmp_path / "inspector.log.jsonl").read_text()
    assert text.endswith("\n")
    log = [json.loads(line) for line in text.splitlines()]  # every line is complete JSON
    steps = [r["step"] for r in log if r["kind"] == "train"]
    assert steps == list(range(1, len(steps) + 1)) and len(steps) >= 200
    assert any(r["kind"] == "eval" and r["step"] == 120 for r in log)


def run(tmp_path, steps: int, *, resume_from: dict | None = None, stop_at: int | None = None):
    """Train `steps` steps; optionally start from a checkpoint dict; return the checkpoint
    taken at `stop_at` (without closing the inspector: the process 'dies' there)."""
    model = make_model()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    start = 0
    if resume_from:
        model.load_state_dict(resume_from["model"])
        opt.load_state_dict(resume_from["opt"])
        start = resume_from["step"]
    inspector = Inspector(model, tmp_path, stats_every=3, resume=start if resume_from else False)
    checkpoint = None
    for step in range(start + 1, steps + 1):
        loss = train_step(model, opt, step)
        inspector.step(loss=loss, lr=1e-2)
        if step % 5 == 0:
            inspector.eval(val_loss=loss.item() * 1.1, val_metric=0.5, metric_name="accuracy")
        if step == stop_at:
            checkpoint = {"model": {k: v.clone() for k, v in model.state_dict().items()},
                          "opt": copy.deepcopy(opt.state_dict()), "step": step}
    if stop_at is None:
        inspector.close()
    else:
        inspector.flush()  # the killed run got further than its checkpoint
    return checkpoint


def test_resume_drops_later_records_and_matches_uninterrupted(tmp_path):
    run(tmp_path / "straight", 30)
    checkpoint = run(tmp_path / "resumed", 27, stop_at=21)  # log reaches 27, ckpt at 21
    interrupted = records(tmp_path / "resumed" / "inspector.log.jsonl")
    assert max(r["step"] for r in interrupted if r["kind"] == "train") == 27
    run(tmp_path / "resumed", 30, resume_from=checkpoint)
    straight = records(tmp_path / "straight" / "inspector.log.jsonl")
    resumed = records(tmp_path / "resumed" / "inspector.log.jsonl")
    assert resumed == straight
    assert [r["kind"] for r in resumed].count("meta") == 1


def test_resume_true_waits_for_the_step(tmp_path):
    model = make_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    with Inspector(model, tmp_path) as inspector:
        for step in range(1, 11):
            train_step(model, opt, step)
            inspector.step(loss=1.0, lr=0.01)
    with Inspector(model, tmp_path, resume=True) as inspector:
        inspector.resume_at(6)
        train_step(model, opt, 7)
        inspector.step(loss=2.0, lr=0.01)
    log = records(tmp_path / "inspector.log.jsonl")
    assert [r["step"] for r in log if r["kind"] == "train"] == list(range(1, 8))
    assert log[-1]["loss"] == 2.0
    with Inspector(model, tmp_path, resume=True) as inspector:  # no step given: continue
        train_step(model, opt, 8)
        inspector.step(loss=3.0, lr=0.01)
    log = records(tmp_path / "inspector.log.jsonl")
    assert [r["step"] for r in log if r["kind"] == "train"] == list(range(1, 9))


def test_non_finite_loss_is_null_and_grad_every(tmp_path):
    model = make_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    with Inspector(model, tmp_path, grad_every=2, stats_every=100) as inspector:
        for step in range(1, 5):
            train_step(model, opt, step)
            inspector.step(loss=float("nan") if step == 3 else 1.0, lr=0.01)
    train = [r for r in records(tmp_path / "inspector.log.jsonl") if r["kind"] == "train"]
    assert train[2]["loss"] is None
    assert all(r["grad_norm"] > 0 for r in train)  # the global norm: every step
    assert ["grad_norm/0" in r for r in train] == [False, True, False, True]


def test_callback_on_the_engine_records_grads_before_clipping(tmp_path):
    from trainprobe.engine import Trainer
    from trainprobe.engine.config import make_config
    from trainprobe.instruments.inspector import InspectorCallback
    from trainprobe.tasks import make_task

    model = make_model()
    generator = torch.Generator().manual_seed(0)
    data = [(torch.randn(10, generator=generator), i % 3) for i in range(64)]
    config = make_config({"max_steps": 20, "eval_every": 10, "grad_clip": 1e-3,
                          "batch_size": 16, "lr": 1e-2})
    inspector = Inspector(model, tmp_path, stats_every=5)
    Trainer(model, make_task("classification"), data, config, eval_data=data,
            callbacks=[InspectorCallback(inspector)]).fit()
    log = records(tmp_path / "inspector.log.jsonl")
    train = [r for r in log if r["kind"] == "train"]
    evals = [r for r in log if r["kind"] == "eval"]
    assert [r["step"] for r in train] == list(range(1, 21))
    assert [(r["step"], r["metric_name"]) for r in evals] == [(10, "accuracy"), (20, "accuracy")]
    assert all(r["grad_norm"] > 1e-3 * 10 for r in train)  # the norm before clipping to 1e-3
    assert [r["step"] for r in log if r["kind"] == "stats"] == [5, 10, 15, 20]
    assert all(len(m._forward_hooks) == 0 for m in model.modules())
    inspector.event("restore_best", best_step=10)  # after close: appended, still valid
    assert records(tmp_path / "inspector.log.jsonl")[-1]["event"] == "restore_best"


def test_no_host_sync_between_flushes(tmp_path, monkeypatch):
    """On an accelerator a host sync per step would stall the pipeline: between flushes,
    Inspector.step (including a scheduled statistics step) must never bring a value to
    the host. The CPU path is the same code, so forbidding every host transfer there
    checks it."""
    model = make_model()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    inspector = Inspector(model, tmp_path, stats_every=5, flush_every=50)
    forbidden = ("item", "tolist", "cpu", "numpy", "__float__", "__bool__", "__int__")
    original = {name: getattr(torch.Tensor, name) for name in forbidden}

    def refuse(name):
        def method(*args, **kwargs):
            raise AssertionError(f"host sync in Inspector.step: Tensor.{name}")
        return method

    for step in range(1, 50):  # the 50th step would flush
        loss = train_step(model, opt, step)
        for name in forbidden:
            monkeypatch.setattr(torch.Tensor, name, refuse(name))
        inspector.step(loss=loss.detach(), lr=0.01)
        for name in forbidden:
            monkeypatch.setattr(torch.Tensor, name, original[name])
    inspector.close()
    log = records(tmp_path / "inspector.log.jsonl")
    assert [r["step"] for r in log if r["kind"] == "stats"] == list(range(5, 50, 5))
    assert len([r for r in log if r["kind"] == "train"]) == 49
