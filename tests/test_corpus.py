"""The engineered-failure corpus through the whole probe (ladder + diagnosis).

Each fault's EXPECTED code must be among the first three diagnoses; a healthy control must
get no `error` finding. test_corpus_summary prints recall and false alarms in one line.
Rungs run with a step budget of CORPUS_STEPS (the default is 1500): every fault in the
corpus shows its signature well within it, and it keeps the whole file within budget.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
from corpus import corpus_specs, load_meta

import trainprobe as tp

SPECS = corpus_specs()
CORPUS_STEPS = 400
CORPUS_SECONDS = 15.0



@functools.cache
def outcome(path: Path) -> dict[str, Any]:
    meta = load_meta(path)
    spec = tp.load_spec(path)
    budget = {"max_steps": min(CORPUS_STEPS, spec.config.get("max_steps", CORPUS_STEPS)),
              "max_seconds": CORPUS_SECONDS}
    _, report = tp.probe(spec, meta["SIZES"], overrides=budget)
    diagnoses = report["diagnoses"]
    return {"expected": meta["EXPECTED"], "task": meta["TASK"],
            "codes": [d["code"] for d in diagnoses],
            "errors": [d["code"] for d in diagnoses if d["severity"] == "error"],
            "diagnoses": diagnoses, "verdict": report["verdict"]}


@pytest.mark.parametrize("path", SPECS, ids=[p.stem for p in SPECS])
def test_corpus_spec(path: Path):
    result = outcome(path)
    if result["expected"] is None:
        assert result["errors"] == [], f"healthy control got error findings: {result['codes']}"
        return
    top = result["codes"][:3]
    assert result["expected"] in top, f"expected {result['expected']}, top three: {top}"
    first = next(d for d in result["diagnoses"] if d["code"] == result["expected"])
    assert first["fix"] and first["message"]


def test_corpus_summary(capsys: pytest.CaptureFixture[str]):
    """Corpus coverage (>= 24 faults, every task with a control) and the summary line."""
    results = {path.stem: outcome(path) for path in SPECS}
    faults = {k: r for k, r in results.items() if r["expected"] is not None}
    controls = {k: r for k, r in results.items() if r["expected"] is None}
    hits = [k for k, r in faults.items() if r["expected"] in r["codes"][:3]]
    first = [k for k, r in faults.items() if r["codes"][:1] == [r["expected"]]]
    alarms = [k for k, r in controls.items() if r["errors"]]
    with capsys.disabled():
        print(f"\ncorpus: recall {len(hits)}/{len(faults)} in top 3 "
              f"({len(first)}/{len(faults)} ranked first), false alarms "
              f"{len(alarms)}/{len(controls)} controls, "
              f"{len({r['expected'] for r in faults.values()})} distinct codes")
    assert len(faults) >= 24
    assert {r["task"] for r in controls.values()} == {"classification", "binary", "regression",
                                                      "ctc", "lm"}
    assert len(hits) == len(faults) and not alarms
