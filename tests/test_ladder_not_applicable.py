"""A rung that cannot run for a structural reason (BatchNorm on a batch of one sample) is
'not applicable': reported, skipped, never the breaking point (issue 13 item 1)."""

from __future__ import annotations

import json

from conftest import SPECS

import trainprobe as tp
from trainprobe.overfit.ladder import ProbeRun, RungResult
from trainprobe.sweep.rung import choose_rung

BN_CNN = SPECS / "digits_resnet_bn.py"


def test_batchnorm_cnn_skips_rung_one_and_passes(tmp_path):
    run, report = tp.probe(BN_CNN, [1, 2, 5], out_dir=tmp_path,
                           overrides={"max_seconds": 600.0})
    assert [(e["n"], e["status"]) for e in report["ladder"]] == \
        [(1, "not_applicable"), (2, "passed"), (5, "passed")]
    assert report["verdict"] == "pass" and report["breaking_point"] is None
    assert "BatchNorm" in report["ladder"][0]["note"]
    assert [d["severity"] for d in report["diagnoses"]] == ["info"]
    assert report["diagnoses"][0]["code"] == "BATCHNORM_SMALL_BATCH"
    assert "not applicable" in report["diagnoses"][0]["message"]
    markdown = (tmp_path / "report.md").read_text()
    assert "| 1 | n/a (skipped) |" in markdown and "rung 1 not applicable" in markdown
    assert json.loads((tmp_path / "report.json").read_text())["schema"] == "trainprobe.report/2"


def test_sweep_picks_the_first_rung_that_actually_failed():
    """One step cannot memorize two samples: rung 2 is the first real failure, and the
    sweep runs there, not at the inapplicable rung 1."""
    spec = tp.load_spec(BN_CNN)
    train, _ = spec.build_data()
    choice = choose_rung(spec, train, None, 0, overrides={"max_steps": 1})
    assert choice.n == 2 and choice.why == "the ladder's breaking rung"


def rung(n: int, passed: bool, applicable: bool = True) -> RungResult:
    return RungResult(n, passed, 10, 0.1, 0.5, "accuracy", 1.0 if passed else 0.5,
                      "memorized" if passed else "plateau", {}, applicable=applicable)


def test_verdict_and_breaking_point_ignore_inapplicable_rungs():
    spec = tp.load_spec(BN_CNN)
    skipped = rung(1, False, applicable=False)
    assert ProbeRun(spec, [], [skipped, rung(2, True)], 0).verdict == "pass"
    assert ProbeRun(spec, [], [skipped, rung(2, False)], 0).breaking_point == 2
    only_skipped = ProbeRun(spec, [], [skipped], 0)
    assert only_skipped.verdict == "fail" and only_skipped.breaking_point is None
