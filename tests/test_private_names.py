"""Internals are marked private (issue 12 item 4): in the packages below each module states
its public names in `__all__`, every other top-level name is `_private`, and no other
trainprobe module imports a private name. A test that imports a `_name` is then visibly a
white-box test."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "trainprobe"
CHECKED = ["cli", "diagnose", "engine", "instruments", "overfit", "sweep", "tasks", "train"]
#: a package's __init__.py is checked too: cli's holds the command group and its helpers
MODULES = [path for name in CHECKED for path in sorted((PACKAGE / name).glob("*.py"))]


def _declared(tree: ast.Module) -> list[str] | None:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets):
            return list(ast.literal_eval(node.value))
    return None


def _defined(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                elements = target.elts if isinstance(target, ast.Tuple) else [target]
                names.update(e.id for e in elements if isinstance(e, ast.Name))
    return names - {"__all__"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported_from(path: Path, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = _module_name(path).split(".")
    base = base[:len(base) - node.level + (path.name == "__init__.py")]
    return ".".join(base + ([node.module] if node.module else []))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_public_name_is_declared(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    declared = _declared(tree)
    assert declared is not None, "no __all__"
    undeclared = sorted(n for n in _defined(tree) - set(declared) if not n.startswith("_"))
    assert undeclared == [], "public but not in __all__: make them _private or declare them"


def test_no_module_imports_another_modules_private_name():
    checked = {_module_name(path) for path in MODULES}
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and _imported_from(path, node) in checked:
                offenders += [f"{_module_name(path)}: {alias.name}" for alias in node.names
                              if alias.name.startswith("_")]
    assert offenders == []
