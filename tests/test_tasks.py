"""The five tasks, table-driven: collate, loss, metric direction, memorization, frozen
statistics, capabilities; and that no task holds state (issue 12, stateless tasks)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
import torch
from torch import nn

from trainprobe.diagnose.context import Context
from trainprobe.diagnose.dynamics import _Curve, _metric_checks
from trainprobe.engine import EvalRecord, make_config
from trainprobe.engine.evaluate import evaluate
from trainprobe.engine.forward import forward
from trainprobe.overfit.ladder import RungResult
from trainprobe.spec import load_spec
from trainprobe.tasks import TASKS, SampledItems, TaskStats, make_task

SRC = Path(__file__).parents[1] / "src" / "trainprobe"
SPECS = Path(__file__).parent / "specs"


def one_hot_scores(labels: torch.Tensor, classes: int) -> torch.Tensor:
    return nn.functional.one_hot(labels, classes).float() * 30 - 15


def ctc_frames(labels: list[int], classes: int = 5) -> torch.Tensor:
    """One frame per label with a blank frame after each: greedy decoding gives labels."""
    frames = []
    for label in labels:
        frames += [label, 0]
    return one_hot_scores(torch.tensor(frames), classes)


def items_and_outputs(name: str) -> tuple[list, torch.Tensor, torch.Tensor]:
    """(items, perfect outputs, wrong outputs) for a batch of three items."""
    x = torch.randn(3, 4)
    if name == "classification":
        y = torch.tensor([0, 2, 1])
        return [(x[i], int(y[i])) for i in range(3)], one_hot_scores(y, 3), \
            one_hot_scores((y + 1) % 3, 3)
    if name == "binary":
        y = torch.tensor([0.0, 1.0, 1.0])
        return [(x[i], int(y[i])) for i in range(3)], (y * 40 - 20)[:, None], \
            (20 - y * 40)[:, None]
    if name == "regression":
        y = torch.tensor([0.5, -1.0, 2.0])
        return [(x[i], y[i]) for i in range(3)], y[:, None], (y + 1)[:, None]
    if name == "lm":
        tokens = torch.tensor([[1, 2, 3], [2, 3, 1], [3, 1, 2]])
        nxt = (tokens + 1) % 4
        return [(tokens[i], nxt[i]) for i in range(3)], one_hot_scores(nxt, 4), \
            one_hot_scores(tokens, 4)
    labels = [[1, 2], [3, 4], [2, 2]]
    items = [(torch.randn(4, 6), torch.tensor(seq)) for seq in labels]
    good = torch.stack([ctc_frames(seq) for seq in labels])
    bad = torch.stack([ctc_frames([1, 1]) for _ in labels])
    return items, good, bad


@pytest.mark.parametrize("name", sorted(TASKS))
def test_task_memorizes_perfect_outputs_and_not_wrong_ones(name):
    task = make_task(name)
    items, good, bad = items_and_outputs(name)
    stats = task.prepare(items)
    batch = task.collate(items)
    results = {}
    for label, outputs in (("good", good), ("bad", bad)):
        loss = float(task.loss(outputs, batch, None))
        counts = {**task.reference_counts([batch]), **task.score(outputs, batch),
                  "loss_sum": loss * len(batch), "items": len(batch)}
        metrics = task.summarize(counts, stats)
        results[label] = (loss, metrics[task.metric_name], task.memorized(loss, metrics, stats))
    assert results["good"][2] and not results["bad"][2]
    assert results["good"][0] < results["bad"][0]
    better = results["good"][1] > results["bad"][1]
    assert better == task.higher_is_better, "the metric's direction is flipped"


@pytest.mark.parametrize(("name", "metric", "higher"), [
    ("classification", "accuracy", True), ("binary", "accuracy", True),
    ("regression", "r2", True), ("lm", "token_accuracy", True), ("ctc", "wer", False),
])
def test_metric_direction(name, metric, higher):
    task = make_task(name)
    assert (task.metric_name, task.higher_is_better) == (metric, higher)


def ctc_rung(wer_values: list[float]) -> RungResult:
    losses = [3.0 * 0.5 ** i for i in range(len(wer_values))]
    evals = [EvalRecord(loss, {"wer": w}, "wer", False, 5, step=i + 1, monitored=loss)
             for i, (loss, w) in enumerate(zip(losses, wer_values))]
    return RungResult(n=5, passed=False, steps=len(losses), seconds=0.1, final_loss=losses[-1],
                      metric_name="wer", metric_value=wer_values[-1], stop_reason="max_steps",
                      config={"lr": 1e-3}, losses=losses, evals=evals)


@pytest.mark.parametrize(("wer_values", "mismatch"), [
    ([1.0, 0.8, 0.5, 0.3, 0.2, 0.1], False),  # loss and WER fall together: healthy
    ([0.5, 0.5, 0.5, 0.5, 0.5, 0.5], True),  # loss falls, WER stays: loss/task mismatch
    ([0.2, 0.4, 0.6, 0.8, 0.9, 1.0], True),  # WER rises: worse, whatever the loss says
])
def test_ctc_lower_wer_is_progress_in_the_diagnosis(wer_values, mismatch):
    spec = load_spec(SPECS / "tiny_ctc.py")
    ctx = Context(spec, [], 5, make_config({}))
    rung = ctc_rung(wer_values)
    codes = [f.code for f in _metric_checks(ctx, rung, _Curve.of(rung.losses), "rung", {})]
    assert ("LOSS_TASK_MISMATCH" in codes) == mismatch


@pytest.mark.parametrize("name", sorted(TASKS))
def test_prepare_returns_frozen_statistics_and_leaves_the_task_unchanged(name):
    task = make_task(name)
    items, _, _ = items_and_outputs(name)
    before = dict(vars(task))
    stats = task.prepare(items)
    assert isinstance(stats, TaskStats) and vars(task) == before == {}
    with pytest.raises(dataclasses.FrozenInstanceError):
        stats.target_variance = 2.0  # type: ignore[misc]


def test_regression_statistics_come_from_the_whole_training_set():
    task = make_task("regression")
    items = [(torch.zeros(2), torch.tensor(float(v))) for v in (1.0, 3.0)]
    stats = task.prepare(SampledItems(items))
    assert stats == TaskStats(target_variance=1.0, target_mean_square=5.0)
    assert task.loss_bound(stats) == pytest.approx(1e-3)
    assert task.summarize({"sse": 1.0, "count": 1}, stats)["r2"] == pytest.approx(0.0)


def test_sampled_items_are_read_only_when_a_task_needs_them():
    class Counting(list):
        reads = 0

        def __getitem__(self, index):
            Counting.reads += 1
            return super().__getitem__(index)

    data = Counting([(torch.zeros(2), 1)] * 10)
    make_task("classification").prepare(SampledItems(data))
    assert Counting.reads == 0


@pytest.mark.parametrize(("name", "capabilities"), [
    ("classification", {"class_scores": True, "item_targets": True, "real_targets": False}),
    ("binary", {"reshapes_outputs": True, "class_scores": False}),
    ("regression", {"real_targets": True, "class_scores": False}),
    ("lm", {"token_level_targets": True, "item_targets": False, "uniform_untrained_loss": True}),
    ("ctc", {"aligned_frames": True, "item_targets": False, "class_scores": True}),
])
def test_capabilities(name, capabilities):
    task = make_task(name)
    assert {key: getattr(task, key) for key in capabilities} == capabilities


@pytest.mark.parametrize(("name", "expected"), [
    ("classification", ("label", 0, 9)), ("lm", ("next-token id", 0, 9)),
    ("ctc", ("label", 1, 9)), ("binary", None), ("regression", None),
])
def test_label_range(name, expected):
    assert make_task(name).label_range(10) == expected


class Strided(nn.Module):
    """Halves time; says so through output_lengths()."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(6, 5, 2, stride=2)

    def forward(self, x):
        return self.conv(x.transpose(1, 2)).transpose(1, 2)

    def output_lengths(self, lengths):
        return lengths // 2


def test_the_engine_puts_the_models_output_lengths_on_the_batch():
    task = make_task("ctc")
    items = [(torch.randn(t, 6), torch.tensor([1])) for t in (8, 5)]
    outputs, batch = forward(Strided(), task.collate(items))
    assert batch.output_lengths.tolist() == [4, 2]
    assert task.output_lengths(outputs, batch).tolist() == [4, 2]
    result = evaluate(Strided(), [task.collate(items)], task, None, torch.device("cpu"))
    assert math.isfinite(result.loss)


def test_no_code_assigns_to_a_task_or_restores_its_state():
    source = "\n".join(p.read_text() for p in SRC.rglob("*.py"))
    assert "task.model =" not in source and "task.__dict__" not in source
