"""Dynamics rules, table-driven over scripted loss curves, plus ranking and the mapping of
real exceptions from user code."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from trainprobe.diagnose.context import Context
from trainprobe.diagnose.dynamics import dynamics_checks
from trainprobe.diagnose.findings import Finding
from trainprobe.diagnose.rank import rank
from trainprobe.diagnose.user_errors import error_finding
from trainprobe.engine import EvalRecord, make_config
from trainprobe.errors import UserCodeError
from trainprobe.overfit.ladder import RungResult
from trainprobe.spec import Spec
from trainprobe.tasks import make_task


def context(task: str = "classification", untrained: float | None = math.log(10)) -> Context:
    spec = Spec(task=make_task(task), build_model=lambda: nn.Linear(2, 2),
                build_data=lambda: ([], None), path=__file__)
    ctx = Context(spec, [], 2, make_config({}))
    ctx.untrained_loss = untrained
    return ctx


def rung(losses: list[float], *, n: int = 2, passed: bool = False, lr: float = 1e-2,
         stop: str = "plateau", evals=None, metric: str = "accuracy") -> RungResult:
    return RungResult(n=n, passed=passed, steps=len(losses), seconds=1.0,
                      final_loss=losses[-1], metric_name=metric, metric_value=0.5,
                      stop_reason=stop, config={"lr": lr, "optimizer": "adam"},
                      losses=losses, evals=evals or [])


def decay(start: float, rate: float, steps: int) -> list[float]:
    return [start * math.exp(-rate * i) for i in range(steps)]


def oscillating(steps: int) -> list[float]:
    return [2.3, 0.1, 80.0, 400.0, 50.0] + [1.0 if i % 2 else 1.2 for i in range(steps)]


@pytest.mark.parametrize(("losses", "lr", "stop", "expected"), [
    (oscillating(300), 5.0, "plateau", "LR_TOO_HIGH"),
    ([2.3] * 20 + [5.0 * 1.05 ** i for i in range(40)], 1.0, "diverged: loss", "LR_TOO_HIGH"),
    (decay(2.3, 0.001, 600), 1e-2, "max_steps", "LR_TOO_LOW"),
    ([2.3 - 1e-5 * i for i in range(310)], 1e-7, "plateau", "LR_TOO_LOW"),
    ([2.3] + decay(1.0, 0.05, 100) + [0.4] * 300, 1e-2, "plateau", "CAPACITY"),
    ([2.3] * 20 + [float("nan")] * 3, 1e-2, "diverged: non-finite", "NONFINITE"),
    # AdamW lr 0.5 on a BERT classifier: a jump to 2.4x the start, then stalled at 1.33
    ([2.3, 5.6, 4.6, 3.4, 2.9, 1.9, 1.6] + [1.33] * 300, 0.5, "plateau", "LR_TOO_HIGH"),
])
def test_curve_names_its_cause(losses, lr, stop, expected):
    rungs = [rung([1.0, 0.01], n=1, passed=True), rung(losses, lr=lr, stop=stop)]
    found = [f.code for f in dynamics_checks(context(), rungs)]
    assert expected in found


def test_a_jump_that_recovers_is_not_a_high_lr():
    """Doubling the start once and then learning (best below half the start) is no stall."""
    losses = [2.3, 5.0, 3.0, 1.5] + decay(1.0, 0.01, 300)
    found = [f.code for f in dynamics_checks(context(), [rung(losses, stop="max_steps")])]
    assert "LR_TOO_HIGH" not in found


def test_an_unstable_curve_tries_lr_over_10_first():
    """The lr/10 rerun goes before reruns for findings ranked above it, unless one of
    them is a cause that explains the curve."""
    from trainprobe.diagnose.confirm import _experiment_order

    capacity = Finding("CAPACITY", "warning", "m", "f", weight=2.0)
    unstable = Finding("LR_TOO_HIGH", "warning", "m", "f", evidence={"unstable": True})
    assert _experiment_order([capacity, unstable]) == [unstable, capacity]
    calm = Finding("LR_TOO_HIGH", "warning", "m", "f")
    assert _experiment_order([capacity, calm]) == [capacity, calm]


def test_passed_rungs_are_not_judged():
    assert dynamics_checks(context(), [rung(oscillating(300), passed=True)]) == []


def test_loss_falling_while_metric_stuck():
    evals = [EvalRecord(loss, {"accuracy": 0.0}, "accuracy", False, 5, step=step, monitored=loss)
             for step, loss in ((10, 2.0), (200, 0.01))]
    found = dynamics_checks(context(), [rung(decay(2.3, 0.02, 200), evals=evals,
                                             stop="max_steps")])
    assert found[0].code == "LOSS_TASK_MISMATCH"
    assert found[0].evidence["metric_last"] == 0.0


def test_loss_stuck_at_log_c_is_uniform_output():
    found = [f.code for f in dynamics_checks(context(), [rung([2.30] * 320)])]
    assert "UNIFORM_OUTPUT" in found


def test_confirmed_cause_outranks_unconfirmed_error():
    unconfirmed = Finding("LABEL_OUT_OF_RANGE", "error", "m", "f", weight=3.5)
    confirmed = Finding("LR_TOO_HIGH", "warning", "m", "f", weight=1.0,
                        evidence={"confirmed_by": "x", "rung_passed": True})
    assert [f.code for f in rank([unconfirmed, confirmed])] == ["LR_TOO_HIGH",
                                                                "LABEL_OUT_OF_RANGE"]


def test_severity_then_weight_then_dedupe():
    findings = [Finding("CAPACITY", "info", "m", "f", where="a", weight=9),
                Finding("DEAD_UNITS", "warning", "m", "f", where="x", weight=1),
                Finding("NONFINITE", "warning", "m", "f", weight=2),
                Finding("DEAD_UNITS", "warning", "m", "f", where="y", weight=0.5)]
    ranked = rank(findings)
    assert [f.code for f in ranked] == ["NONFINITE", "DEAD_UNITS", "CAPACITY"]
    assert ranked[1].evidence["also_at"] == ["y"]


def test_cause_goes_before_the_symptom_it_explains():
    symptom = Finding("DEAD_UNITS", "error", "m", "f", weight=2.8)
    cause = Finding("BAD_INIT", "error", "m", "f", weight=2.5)
    assert [f.code for f in rank([symptom, cause])] == ["BAD_INIT", "DEAD_UNITS"]


def test_refuted_cause_drops_below():
    refuted = Finding("CAPACITY", "error", "m", "f", weight=3,
                      evidence={"confirmed_by": "x", "rung_passed": False})
    other = Finding("VANISHING_GRADIENT", "error", "m", "f", weight=2)
    assert [f.code for f in rank([refuted, other])][0] == "VANISHING_GRADIENT"


def raised(fn) -> UserCodeError:
    try:
        fn()
    except Exception as error:  # noqa: BLE001 - the point is to catch what user code raises
        return UserCodeError("training step", error, (__file__,))
    raise AssertionError("expected an exception")


@pytest.mark.parametrize(("fn", "expected"), [
    (lambda: nn.functional.cross_entropy(torch.randn(4, 3), torch.tensor([0, 1, 2, 3])),
     "LABEL_OUT_OF_RANGE"),
    (lambda: nn.Embedding(5, 2)(torch.tensor([7])), "LABEL_OUT_OF_RANGE"),
    (lambda: nn.Linear(3, 2)(torch.randn(4, 5)), "TARGET_SHAPE_MISMATCH"),
    (lambda: nn.BCEWithLogitsLoss()(torch.randn(4, 1), torch.rand(4)), "TARGET_SHAPE_MISMATCH"),
    (lambda: nn.BatchNorm1d(3).train()(torch.randn(1, 3)), "BATCHNORM_SMALL_BATCH"),
    (lambda: nn.BCELoss()(torch.randn(4) * 5, torch.rand(4)), "OUTPUT_ACTIVATION_MISMATCH"),
    (lambda: nn.functional.cross_entropy(torch.randn(4, 3), torch.rand(4, 2)),
     "TARGET_SHAPE_MISMATCH"),
    (lambda: {}["key"], "USER_CODE_ERROR"),
])
def test_user_exceptions_are_named(fn, expected):
    finding = error_finding(raised(fn), rung=2)
    assert finding.code == expected
    assert finding.severity == "error"
    assert finding.where is not None and finding.where.startswith(__file__)
