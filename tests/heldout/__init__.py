"""The held-out silent-bug set (issue 9, "Done when"): eight bugs of the corpus' classes,
written in another style (other architectures and tasks, self-contained files, no shared
helpers), each with a healthy twin. It is NOT used to tune any threshold: the checks are
calibrated on the corpus and the shipped examples, and this set measures how they
generalize. Metadata as in tests/corpus (TASK, EXPECTED, FAULT, SIZES, TWIN).
"""

from __future__ import annotations

from pathlib import Path

from corpus import load_meta

HELDOUT_DIR = Path(__file__).resolve().parent


def heldout_pairs() -> list[tuple[Path, Path, str]]:
    """(case, healthy twin, expected code), sorted by case name."""
    pairs = []
    for path in sorted(HELDOUT_DIR.glob("h_*.py")):
        meta = load_meta(path)
        if meta["TWIN"] is not None:
            pairs.append((path, HELDOUT_DIR / f"{meta['TWIN']}.py", meta["EXPECTED"]))
    return pairs
