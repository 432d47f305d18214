"""The held-out silent-bug set (tests/heldout/): eight bugs written in another style than
the corpus, each with a healthy twin, never used to tune a threshold.

Issue 9's bar: at least 7 of the 8 named among the first three diagnoses, and no false
alarm (no warning or error) on any healthy twin. The witnesses of tests/corpus prove the
set itself honest: each bug is there, and not in its twin.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from corpus import load_meta
from corpus.witness import witness
from heldout import heldout_pairs

import trainprobe as tp

PAIRS = heldout_pairs()
STEPS, SECONDS = 400, 15.0  # the corpus' budget per rung


@functools.cache
def diagnoses(path: Path) -> list[dict]:
    spec = tp.load_spec(path)
    budget = {"max_steps": min(STEPS, spec.config.get("max_steps", STEPS)),
              "max_seconds": SECONDS}
    return tp.probe(spec, load_meta(path)["SIZES"], overrides=budget)[1]["diagnoses"]


def test_heldout_named_in_top_three_without_false_alarms(capsys: pytest.CaptureFixture[str]):
    named = [case.stem for case, _, code in PAIRS
             if code in [d["code"] for d in diagnoses(case)][:3]]
    alarms = {twin.stem: [d["code"] for d in diagnoses(twin)
                          if d["severity"] in ("error", "warning")] for _, twin, _ in PAIRS}
    alarms = {k: v for k, v in alarms.items() if v}
    with capsys.disabled():
        print(f"\nheld-out: {len(named)}/{len(PAIRS)} named in the top three, "
              f"false alarms on twins: {alarms or 'none'}")
    assert len(named) >= 7 and not alarms


def test_heldout_has_eight_bugs_of_distinct_classes():
    assert len(PAIRS) == 8 and len({code for _, _, code in PAIRS}) == 8


@pytest.mark.parametrize("case,twin,code", PAIRS, ids=[case.stem for case, _, _ in PAIRS])
def test_heldout_case_is_honest(case: Path, twin: Path, code: str):
    value, shown = witness(case, code)
    twin_value, twin_shown = witness(twin, code)
    assert shown, f"{case.stem}: the {code} witness does not see the bug ({value:.3g})"
    assert not twin_shown, f"{twin.stem}: the {code} witness sees a bug ({twin_value:.3g})"
