"""Example specs shipped with trainprobe, one or more per task. `trainprobe demo --list`
prints their paths; `trainprobe demo --copy DIR` copies them for editing."""

from __future__ import annotations

import ast
from pathlib import Path

DEMO_DIR = Path(__file__).parent
HEALTHY_DEMO = DEMO_DIR / "digits_mlp.py"
BROKEN_DEMO = DEMO_DIR / "digits_softmax_bug.py"


def demo_specs() -> list[Path]:
    return sorted(p for p in DEMO_DIR.glob("*.py") if not p.name.startswith("_"))


def describe(path: Path) -> tuple[str, str]:
    """(TASK, first docstring line) read without importing the spec."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    doc = (ast.get_docstring(tree) or "").strip().splitlines()
    task = "?"
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "TASK"
                                                 for t in node.targets):
            task = getattr(node.value, "value", "?")
    return task, doc[0] if doc else ""
