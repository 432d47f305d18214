"""The sweep's and range test's decision rules on scripted loss curves."""

import math

import pytest

from trainprobe.sweep import curves
from trainprobe.sweep.lr_sweep import SweepRun, _decide, lr_range
from trainprobe.sweep.range_test import _suggest

NAN = float("nan")


@pytest.mark.parametrize(("losses", "diverged", "status"), [
    ([2.0, 1.5, 0.9, 0.5], False, "descended"),
    ([2.0, 1.9, 1.8, 1.7], False, "never descended"),
    ([2.0, 0.8, 5.0, NAN], True, "diverged"),
    ([2.0, 3.0, 9.0, NAN], True, "diverged at once"),
])
def test_curve_status(losses, diverged, status):
    assert curves.curve_status(losses, diverged) == status


def test_area_score_rewards_falling_earlier_and_further():
    fast = curves.area_score([1.0, 0.1, 0.01], budget=10)  # memorized early: padded at 0.01
    slow = curves.area_score([1.0, 0.9, 0.5, 0.1, 0.01] + [0.01] * 5, budget=10)
    flat = curves.area_score([1.0] * 10, budget=10)
    assert fast < slow < flat == 0.0
    assert fast == pytest.approx((0 - 1 - 2 * 8) / 10)


def test_area_score_pads_a_diverged_run_with_its_start():
    # stopping early after a brief dip must not look like progress
    assert curves.area_score([1.0, 0.5, NAN], budget=10, diverged=True) == pytest.approx(
        2 * math.log10(0.5) / 10)  # best so far 0.5 at steps 2-3, then the start


def run(lr, seed, score, status="descended"):
    return SweepRun(lr=lr, seed=seed, steps=10, passed=True, stop_reason="memorized",
                    best_loss=0.1, score=score, status=status)


def test_decide_skips_a_rate_that_diverged_in_any_seed():
    runs = [run(1e-3, 0, -0.5), run(1e-2, 0, -1.5),
            run(1e-3, 1, -0.6), run(1e-2, 1, -2.0, status="diverged")]
    result = _decide(10, 10, [1e-3, 1e-2], [0, 1], runs)
    assert result.chosen == 1e-3
    assert result.per_seed == [1e-2, 1e-3]
    assert result.spread == pytest.approx(10.0)
    assert "disagree" in result.trust


def test_decide_reports_never_descended():
    runs = [run(lr, 0, -0.01, status="never descended") for lr in (1e-4, 1e-3)]
    result = _decide(10, 10, [1e-4, 1e-3], [0], runs)
    assert result.chosen is None
    assert "never halved" in result.reason


@pytest.mark.parametrize(("choices", "expected"), [
    ([1e-3, 1e-3, 1e-3], "all 3 seeds agree"),
    ([1e-3, 3e-3], "at most a half-decade apart"),
    ([1e-4, 1e-2], "disagree by x100"),
    ([1e-3, None], "1 of 2 seed(s) found no usable"),
    ([1e-3], "one seed only"),
])
def test_trust_text(choices, expected):
    assert expected in curves.trust_text(choices)


def test_suggest_picks_the_steepest_descent_before_the_minimum():
    lrs = [10 ** (-6 + k * 0.25) for k in range(21)]  # 1e-6 .. 1
    smoothed = [2.0] * 8 + [1.9, 1.2, 0.4, 0.35, 0.2, 0.15, 0.1, 0.12, 0.5, 2.0, 5.0, 9.0, 20.0]
    lr, reason = _suggest(lrs, smoothed)
    assert lr == pytest.approx(lrs[9])  # 1.9 -> 1.2 -> 0.4: the steepest central difference
    assert "steepest" in reason


@pytest.mark.parametrize(("smoothed", "reason"), [
    ([2.0, 1.9, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN], "too few finite points"),
    ([2.0, 1.99, 1.98, 1.97, 1.96, 1.95, 1.94, 1.93, 1.92, 1.91, 1.9, 1.95], "never descended"),
])
def test_suggest_returns_none_with_a_reason(smoothed, reason):
    lrs = [10 ** (-6 + k * 0.5) for k in range(len(smoothed))]
    lr, why = _suggest(lrs, smoothed)
    assert lr is None and reason in why


def test_lr_range_is_log_spaced_and_inclusive():
    assert lr_range(1e-5, 1e-2, 7) == [1e-5, 3.16e-5, 1e-4, 3.16e-4, 1e-3, 3.16e-3, 1e-2]


def test_user_code_failing_at_one_rate_is_a_diverged_run_and_at_every_rate_an_error(
        tmp_path):
    import textwrap

    import pytest

    from trainprobe.errors import UserCodeError
    from trainprobe.spec import load_spec
    from trainprobe.sweep.lr_sweep import run_lr_sweep

    body = textwrap.dedent('''
        import torch
        from torch import nn
        from torch.utils.data import TensorDataset
        TASK = "classification"
        ALWAYS = {always}
        def build_data():
            g = torch.Generator().manual_seed(0)
            return TensorDataset(torch.randn(20, 4, generator=g),
                                 torch.randint(0, 3, (20,), generator=g)), None
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.layer = nn.Linear(4, 3)
            def forward(self, x):
                # a user's sanity check that fires once a huge rate blows the weights up
                assert not ALWAYS and self.layer.weight.abs().max() < 1e3, "weights exploded"
                return self.layer(x)
        def build_model():
            return Net()
        ''')
    (tmp_path / "sometimes.py").write_text(body.format(always=False))
    (tmp_path / "always.py").write_text(body.format(always=True))
    spec = load_spec(tmp_path / "sometimes.py")
    train, _ = spec.build_data()
    result = run_lr_sweep(spec, train, 5, lrs=[1e-3, 1e5], steps=20, seeds=[0],
                          overrides={"optimizer": "sgd", "grad_clip": None})
    by_lr = {run.lr: run for run in result.runs}
    assert by_lr[1e5].status.startswith("diverged")
    assert not by_lr[1e-3].status.startswith("diverged")
    spec = load_spec(tmp_path / "always.py")
    train, _ = spec.build_data()
    with pytest.raises(UserCodeError, match="weights exploded"):
        run_lr_sweep(spec, train, 5, lrs=[1e-3, 1e-2], steps=5, seeds=[0])
