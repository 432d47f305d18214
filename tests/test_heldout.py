"""The held-out silent-bug set (tests/heldout/): eight bugs written in another style than
the corpus, each with a healthy twin, never used to tune a threshold.

Issue 9's bar: at least 7 of the 8 named among the first three diagnoses, and no false
alarm (no warning or error) on any healthy twin. The witnesses of tests/corpus prove the
set itself honest: each bug is there, and not in its twin.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from corpus.witness import witness
from heldout import heldout_pairs

PAIRS = heldout_pairs()


def test_heldout_has_eight_bugs_of_distinct_classes():
    assert len(PAIRS) == 8 and len({code for _, _, code in PAIRS}) == 8


@pytest.mark.parametrize("case,twin,code", PAIRS, ids=[case.stem for case, _, _ in PAIRS])
def test_heldout_case_is_honest(case: Path, twin: Path, code: str):
    value, shown = witness(case, code)
    twin_value, twin_shown = witness(twin, code)
    assert shown, f"{case.stem}: the {code} witness does not see the bug ({value:.3g})"
    assert not twin_shown, f"{twin.stem}: the {code} witness sees a bug ({twin_value:.3g})"
