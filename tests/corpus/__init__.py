"""The engineered-failure corpus: small, realistic, genuinely broken specs plus one
healthy control per task. Each file is a normal spec with module-level metadata:

- EXPECTED: the diagnosis code the fault should produce (None for a healthy control)
- FAULT: one sentence, the bug as a user would have written it
- SIZES: optional rungs to run (default DEFAULT_SIZES)
- TWIN: for the silent-bug cases (issue 9), the file stem of the healthy twin (the same
  spec with the bug fixed); `witness.py` proves the bug is in the case and not in the twin

Metadata is read with `ast`, without importing the spec, so listing the corpus is cheap
and has no side effects.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

CORPUS_DIR = Path(__file__).resolve().parent
TASK_PREFIXES = ("classification_", "binary_", "regression_", "ctc_", "lm_")
DEFAULT_SIZES = [1, 2, 5, 10, 20]
META_KEYS = ("TASK", "EXPECTED", "FAULT", "SIZES", "TWIN")


def corpus_specs() -> list[Path]:
    """Every corpus spec (faults and controls), sorted by file name."""
    return sorted(p for p in CORPUS_DIR.glob("*.py") if p.name.startswith(TASK_PREFIXES))


def load_meta(path: str | Path) -> dict[str, Any]:
    """{"TASK", "EXPECTED", "FAULT", "SIZES", "TWIN"} of one corpus spec; SIZES defaults
    to DEFAULT_SIZES, TWIN to None. Raises ValueError when EXPECTED or FAULT is missing."""
    path = Path(path)
    values: dict[str, Any] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            name = getattr(node.targets[0], "id", None)
            if name in META_KEYS:
                values[name] = ast.literal_eval(node.value)
    missing = [key for key in ("TASK", "EXPECTED", "FAULT") if key not in values]
    if missing:
        raise ValueError(f"{path.name}: corpus metadata {', '.join(missing)} missing")
    values.setdefault("SIZES", list(DEFAULT_SIZES))
    values.setdefault("TWIN", None)
    return {key: values[key] for key in META_KEYS}


def is_control(path: str | Path) -> bool:
    return load_meta(path)["EXPECTED"] is None


def twin_pairs() -> list[tuple[Path, Path, str]]:
    """(case, healthy twin, expected code) of every silent-bug case, sorted by case name.
    Raises ValueError when a TWIN names no control of the corpus."""
    pairs = []
    for path in corpus_specs():
        meta = load_meta(path)
        if meta["TWIN"] is None:
            continue
        twin = CORPUS_DIR / f"{meta['TWIN']}.py"
        if not twin.exists() or not is_control(twin):
            raise ValueError(f"{path.name}: TWIN {meta['TWIN']!r} is not a control of the corpus")
        pairs.append((path, twin, meta["EXPECTED"]))
    return pairs
