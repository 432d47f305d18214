"""Overfit onset and train/val diagnosis, table-driven over synthetic curves."""

from __future__ import annotations

import json

import numpy as np
import pytest

from trainprobe.analysis import analyze_run, diagnose, overfit_onset, read_log
from trainprobe.analysis.smoothing import moving_average, noise_level
from trainprobe.analysis.synthetic import write_synthetic_run
from trainprobe.errors import TrainprobeError
from trainprobe.views.gap_report import write_gap_report

STEPS = np.arange(50, 5001, 50)  # 100 evals
T = STEPS / STEPS[-1]


def noisy(curve: np.ndarray, seed: int, sigma: float = 0.01) -> np.ndarray:
    return curve + np.random.default_rng(seed).normal(0, sigma, len(curve))


def healthy(seed):
    train = 0.1 + 2.2 * np.exp(-5 * T)
    return train, noisy(train + 0.04, seed)


def overfitting(seed):  # validation trend minimum near step 2000 (t = 0.4)
    train = 0.02 + 2.3 * np.exp(-6 * T)
    val = 0.6 + 0.8 * (T - 0.4) ** 2 * np.where(T < 0.4, 6.0, 1.5)
    return train, noisy(val, seed)


def noisy_dip(seed):  # a plateau; one lucky eval at step 2500 is the global raw minimum
    train = 0.3 + 2.0 * np.exp(-8 * T)
    val = noisy(train + 0.1, seed)
    val[49] = val.min() * 0.7
    return train, val


def never_improving(seed):
    return np.full_like(T, 2.30) + 0.0, noisy(np.full_like(T, 2.31), seed, 0.02)


def val_better(seed):
    train = 0.5 + 1.8 * np.exp(-5 * T)
    return train, noisy(train - 0.2, seed)


def gap_still_improving(seed):  # the ResNet case: large gap, validation at its minimum at the end
    train = 0.02 + 2.3 * np.exp(-6 * T)
    return train, noisy(1.0 + 1.3 * np.exp(-1.5 * T), seed)


def gap_stalled(seed):  # validation flat from t = 0.5 on while training keeps falling
    train = 0.02 + 2.3 * np.exp(-3 * T)
    return train, noisy(1.0 + 1.3 * np.exp(-10 * np.minimum(T, 0.5)), seed, 0.005)


def gap_converged(seed):  # both level off early with a large gap: not an onset
    train = 0.2 + 2.1 * np.exp(-20 * T)
    return train, noisy(1.0 + 1.3 * np.exp(-20 * T), seed, 0.005)


# (curves, verdict, onset expected?, codes that must apply, codes that must not)
CASES = {
    "healthy": (healthy, "healthy", False, {"healthy"},
                {"overfitting", "underfitting", "noisy_dips", "val_better_than_train"}),
    "overfitting": (overfitting, "overfitting", True, {"overfitting"},
                    {"healthy", "underfitting"}),
    "noisy_dip": (noisy_dip, "healthy", False, {"noisy_dips", "healthy"}, {"overfitting"}),
    "never_improving": (never_improving, "underfitting", False, {"underfitting"},
                        {"overfitting", "healthy"}),
    "val_better": (val_better, "healthy", False, {"val_better_than_train", "healthy"},
                   {"overfitting"}),
    "gap_still_improving": (gap_still_improving, "healthy", False, {"healthy"},
                            {"overfitting", "underfitting", "nonfinite"}),
    "gap_stalled": (gap_stalled, "overfitting", False, {"overfitting"}, {"healthy"}),
    "gap_converged": (gap_converged, "healthy", False, {"healthy"}, {"overfitting"}),
}

# the headline a user reads first, per scripted curve (issue 13 item 3)
HEADLINES = {
    "healthy": "Healthy: validation still near its best",
    "overfitting": "Overfitting begins at step",
    "gap_still_improving": "Still improving; gap large",
    "gap_stalled": "Overfitting: validation no longer improves",
    "gap_converged": "Converged with a large gap",
}


@pytest.mark.parametrize("name", list(HEADLINES))
def test_headline_follows_the_onset_rule(name, tmp_path):
    train, val = CASES[name][0](0)
    summary = summarize_curves(train, val)
    assert summary["headline"].startswith(HEADLINES[name]), summary["headline"]
    if name == "gap_still_improving":
        assert "Train longer, then regularize" in summary["headline"]
        assert summary["checks"]["overfitting"]["evidence"]["big_gap"] is True
        assert summary["checks"]["overfitting"]["evidence"]["still_improving"] is True


def summarize_curves(train: np.ndarray, val: np.ndarray) -> dict:
    """A RunLog made of the scripted curves: one train record per eval step."""
    from trainprobe.analysis.records import Columns, RunLog
    from trainprobe.analysis.summary import summarize

    steps = STEPS.astype(np.int64)
    run = RunLog({}, Columns(steps, {"loss": np.asarray(train, float)}),
                 Columns(steps, {"val_loss": np.asarray(val, float)}), Columns(steps[:0]), [])
    return summarize(run)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", list(CASES))
def test_diagnosis_table(name, seed):
    make, verdict, has_onset, must, must_not = CASES[name]
    train, val = make(seed)
    onset = overfit_onset(STEPS, train, val)
    found, checks = diagnose(onset, train_initial=float(train[0]), n_evals=len(STEPS))
    applies = {c.code for c in checks if c.applies}
    assert found == verdict, (found, [c.text for c in checks])
    assert onset.detected is has_onset
    assert must <= applies and not (must_not & applies), applies
    assert len(checks) == 6 and all(c.text for c in checks)


@pytest.mark.parametrize("seed", range(5))
def test_onset_named_near_the_true_minimum(seed):
    train, val = overfitting(seed)
    onset = overfit_onset(STEPS, train, val)
    assert onset.detected and abs(onset.onset_step - 2000) <= 250
    assert onset.t_val_min == onset.onset_step
    assert onset.train_min_step == STEPS[-1]  # training loss still falling at the end
    assert onset.final_gap == pytest.approx(onset.final_val - onset.final_train)


def test_noisy_dip_is_the_raw_minimum_but_not_the_onset():
    train, val = noisy_dip(0)
    onset = overfit_onset(STEPS, train, val)
    assert int(STEPS[np.argmin(val)]) == 2500  # a raw argmin would pick the dip ...
    assert onset.raw_val_min_step == 2500
    assert onset.t_val_min != 2500 and not onset.detected  # ... the trend does not
    assert [a["step"] for a in onset.anomalies if a["kind"] == "dip"] == [2500]


@pytest.mark.parametrize("best, expected", [(2050, True), (4500, False), (None, None)])
def test_best_checkpoint_at_or_away_from_t_val_min(best, expected):
    train, val = overfitting(0)
    onset = overfit_onset(STEPS, train, val, best_step=best)
    assert onset.best_at_val_min is expected


def test_rise_shorter_than_patience_is_not_an_onset():
    # falls for 88 evals, then rises for 12: an onset only if patience <= the evals above
    val = np.concatenate([np.linspace(2.0, 0.5, 88), np.linspace(0.52, 0.8, 12)])
    train = np.linspace(2.0, 0.3, 100)
    onset = overfit_onset(STEPS, train, val, patience=5)
    assert onset.detected and abs(onset.onset_step - 4400) <= 100
    assert 5 <= onset.evals_above <= 12
    assert overfit_onset(STEPS, train, val, patience=onset.evals_above + 1).detected is False


def test_smoothing_helpers_against_slow_references():
    values = np.random.default_rng(0).normal(size=37)
    slow = [values[max(0, i - 2):i + 3].mean() for i in range(37)]
    assert moving_average(values, 5) == pytest.approx(slow)
    rng = np.random.default_rng(1)
    assert noise_level(rng.normal(0, 0.05, 2000) + 1.0) == pytest.approx(0.05, rel=0.1)


def test_analyze_run_writes_summary_and_report(tmp_path):
    run_dir = write_synthetic_run(tmp_path / "run", "overfitting", steps=4000)
    summary = analyze_run(run_dir)
    write_gap_report(run_dir, summary)
    on_disk = json.loads((run_dir / "summary.json").read_text())
    assert on_disk == summary
    assert summary["schema"] == "trainprobe.summary/1" and summary["verdict"] == "overfitting"
    assert summary["onset_detected"] and 1400 <= summary["onset_step"] <= 1900
    assert summary["best_checkpoint"]["at_val_min"] is True
    assert summary["best_checkpoint"]["path"] == "checkpoints/best.pt"
    assert summary["metric"]["name"] == "accuracy"
    assert set(summary["checks"]) == {"nonfinite", "underfitting", "overfitting", "healthy",
                                      "val_better_than_train", "noisy_dips"}
    report = (run_dir / "gap-analysis.md").read_text()
    for title in ("Underfitting", "Overfitting", "Healthy", "Validation better than training",
                  "Noisy single-eval dips", "Best checkpoint"):
        assert title in report
    assert f"| overfitting onset | {summary['onset_step']} |" in report


def test_cosine_horizon_difference_is_reported(tmp_path):
    run_dir = write_synthetic_run(tmp_path / "run", "healthy", steps=1000)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    manifest["config"]["schedule_steps"] = 3000
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    summary = analyze_run(run_dir)
    write_gap_report(run_dir, summary)
    assert summary["lr"]["horizon_differs"] is True and "lr_horizon_differs" in summary["findings"]
    assert "T=3000" in (run_dir / "gap-analysis.md").read_text()


def test_torn_last_line_and_missing_log(tmp_path):
    run_dir = write_synthetic_run(tmp_path / "run", "healthy", steps=500, manifest=False)
    log = run_dir / "inspector.log.jsonl"
    with open(log, "a") as handle:
        handle.write('{"kind":"train","step":501,"lo')  # a writer killed mid-line
    run = read_log(run_dir)
    assert int(run.train.steps[-1]) == 500 and len(run.evals) == 10
    assert analyze_run(run_dir)["steps"] == 500
    with pytest.raises(TrainprobeError, match="has no inspector.log.jsonl"):
        analyze_run(tmp_path / "empty")
