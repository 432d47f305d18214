"""The package's layer contract (pyproject.toml [tool.importlinter]): no module imports a
layer above its own, so no import cycle between packages can come back."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SPECS

import trainprobe
import trainprobe.workflows as workflows
from trainprobe.workflows.probe import run_probe

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


@pytest.mark.parametrize(("module", "package"), [("train/run.py", "train"),
                                                 ("workflows/training.py", "workflows")])
def test_an_upward_import_breaks_the_contract(tmp_path, module, package):
    """train and workflows write records; drawing them is views/' job, one layer up."""
    copy = tmp_path / "trainprobe"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    with open(copy / module, "a", encoding="utf-8") as handle:
        handle.write("\nfrom ..views import dashboard  # noqa: E402,F401\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0
    assert f"trainprobe.{package} is not allowed to import trainprobe.views" in result.stdout


def test_a_workflow_writes_records_and_the_front_also_renders(tmp_path):
    """Views sit above workflows: run_probe leaves report.json only; tp.probe (the front
    in trainprobe.api) writes the same report and its report.md beside it."""
    _, records = run_probe(SPECS / "tiny_classification.py", [1], diagnose=False,
                           out_dir=tmp_path / "flow")
    assert sorted(p.name for p in (tmp_path / "flow").iterdir()) == ["report.json"]
    _, report = trainprobe.probe(SPECS / "tiny_classification.py", [1], diagnose=False,
                                 out_dir=tmp_path / "front")
    assert sorted(p.name for p in (tmp_path / "front").iterdir()) == ["report.json",
                                                                      "report.md"]
    assert report["verdict"] == records["verdict"] == "pass"


@pytest.mark.parametrize("name", ["train", "report_run", "compare_runs", "choose_lr"])
def test_a_front_moved_out_of_workflows_names_its_new_home(name):
    with pytest.raises(AttributeError, match=f"moved to trainprobe.api.{name} "):
        getattr(workflows, name)
    assert callable(getattr(trainprobe.api, name))


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
