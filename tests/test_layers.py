"""The package's layer contract (pyproject.toml [tool.importlinter]): no module imports a
layer above its own, so no import cycle between packages can come back."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import trainprobe

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(trainprobe.__file__).parent


def lint_imports(src: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = "from importlinter.cli import lint_imports_command; lint_imports_command()"
    return subprocess.run([sys.executable, "-c", command, "--config",
                           str(ROOT / "pyproject.toml"), "--no-cache"],
                          cwd=src, env=env, capture_output=True, text=True, timeout=120)


def test_layers_are_kept():
    result = lint_imports(PACKAGE.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    copy = tmp_path / "trainprobe"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    with open(copy / "train" / "run.py", "a", encoding="utf-8") as handle:
        handle.write("\nfrom ..views import dashboard  # noqa: E402,F401\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert "trainprobe.train is not allowed to import trainprobe.views" in result.stdout


def test_only_conftest_sets_the_thread_count():
    """One shared fixture (conftest.one_thread) keeps every test on one thread."""
    call = "torch.set_num_threads" + "("  # split, so this file does not match itself
    setters = [path.name for path in (ROOT / "tests").glob("test_*.py")
               if call in path.read_text(encoding="utf-8")]
    assert setters == []


def test_every_package_declares_its_public_names():
    """Each package's __init__ lists its public names; everything else is reached by its
    module path, and helpers used by one module only are `_private`."""
    missing = [path.parent.name for path in PACKAGE.glob("*/__init__.py")
               if "__all__" not in path.read_text(encoding="utf-8")]
    assert missing == []
