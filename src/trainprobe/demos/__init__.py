"""Example specs shipped with trainprobe, one or more per task, and example scripts (no
TASK: they build a `tp.Spec` in memory). `trainprobe demo --list` prints their paths;
`trainprobe demo --copy DIR` copies them for editing."""

from __future__ import annotations

import ast
from pathlib import Path

DEMO_DIR = Path(__file__).parent
HEALTHY_DEMO = DEMO_DIR / "digits_mlp.py"
BROKEN_DEMO = DEMO_DIR / "digits_softmax_bug.py"

__all__ = ["BROKEN_DEMO", "DEMO_DIR", "HEALTHY_DEMO", "copy_examples", "demo_files", "demo_scripts",
           "demo_specs", "describe"]


def demo_files() -> list[Path]:
    return sorted(p for p in DEMO_DIR.glob("*.py") if not p.name.startswith("_"))


def demo_specs() -> list[Path]:
    """The spec files (they set TASK)."""
    return [p for p in demo_files() if describe(p)[0] != SCRIPT]


def demo_scripts() -> list[Path]:
    """Scripts run with `python`, e.g. an in-memory tp.Spec as in a notebook."""
    return [p for p in demo_files() if describe(p)[0] == SCRIPT]


SCRIPT = "script"


def describe(path: Path) -> tuple[str, str]:
    """(TASK, first docstring line) read without importing the spec."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    doc = (ast.get_docstring(tree) or "").strip().splitlines()
    task = SCRIPT
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "TASK"
                                                 for t in node.targets):
            task = getattr(node.value, "value", "?")
    return task, doc[0] if doc else ""


def copy_examples(folder: Path, *, force: bool = False) -> list[Path]:
    """Copy the example specs into `folder`. A file already there (edited by the user,
    perhaps) is refused unless `force`; even then a symlink is replaced by the copy, never
    written through, so nothing outside `folder` is touched."""
    from ..errors import ConfigError
    from ..io import atomic_write

    folder.mkdir(parents=True, exist_ok=True)
    targets = [(source, folder / source.name) for source in demo_files()]
    existing = [target for _, target in targets if target.exists() or target.is_symlink()]
    if existing and not force:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise ConfigError(f"--copy: {existing[0]} already exists{more}",
                          "add --force to overwrite the examples, or copy into a new folder")
    for _, target in targets:
        if target.is_dir() and not target.is_symlink():
            raise ConfigError(f"--copy: {target} is a folder",
                              "move it away, or copy into another folder")
    for source, target in targets:  # the rename replaces a symlink itself
        atomic_write(target, lambda tmp, source=source: tmp.write_bytes(source.read_bytes()))
    return [target for _, target in targets]
