"""Every bad input of the audit (issue 14) ends the same way: exit status 2, one line on
stderr naming the problem and the fix, no traceback, and nothing left behind (no temp
file, no half-written run folder that would block the rerun)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from trainprobe.cli import main

SPEC = '''
import torch
from torch import nn
from torch.utils.data import TensorDataset
TASK = "classification"
def build_data():
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(48, 8, generator=g), torch.randint(0, 3, (48,), generator=g)
    return TensorDataset(x[:32], y[:32]), TensorDataset(x[32:], y[32:])
def build_model(hidden_dim: int = 16):
    return nn.Sequential(nn.Linear(8, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 3))
'''
OTHER_MODEL = SPEC.replace("nn.Linear(hidden_dim, 3)", "nn.Linear(hidden_dim, 5)")
BAD_LEN = SPEC + '''
class Broken(torch.utils.data.Dataset):
    def __len__(self):
        raise OSError("index file missing")
    def __getitem__(self, i):
        return torch.zeros(8), 0
def build_data():
    return Broken(), None
'''
SPEC_EXITS = "import sys\nsys.exit(3)\n" + SPEC
TINY = "max_steps: 4\neval_every: 2\nbatch_size: 8\n"


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    """A real 4-step run: its checkpoint, log and manifest are the raw material."""
    folder = tmp_path_factory.mktemp("base")
    spec, config = write(folder / "spec.py", SPEC), write(folder / "c.yaml", TINY)
    result = CliRunner().invoke(main, ["train", str(spec), "--config", str(config),
                                       "--out", str(folder / "run")])
    assert result.exit_code == 0, result.output
    return folder


def copy_run(base: Path, tmp: Path) -> Path:
    shutil.copy(base / "spec.py", tmp / "spec.py")
    shutil.copytree(base / "run", tmp / "run")
    return tmp / "run"


def edit_log(run: Path, edit: Callable[[list[dict]], None]) -> None:
    log = run / "inspector.log.jsonl"
    records = [json.loads(line) for line in log.read_text().splitlines()]
    edit(records)
    log.write_text("".join(json.dumps(r) + "\n" for r in records))


def set_first(kind: str, **fields) -> Callable[[list[dict]], None]:
    def edit(records: list[dict]) -> None:
        next(r for r in records if r["kind"] == kind).update(fields)
    return edit


@pytest.fixture
def read_only() -> Iterator[Callable[[Path], Path]]:
    """Make a folder unwritable, also for root (who ignores mode bits): chattr +i."""
    locked: list[Path] = []

    def lock(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            subprocess.run(["chattr", "+i", str(folder)], check=True)
        else:
            folder.chmod(0o555)
        locked.append(folder)
        probe = folder / "probe"
        with pytest.raises(OSError):  # the folder really refuses writes
            probe.touch()
        return folder

    yield lock
    for folder in locked:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)


def case_seed_train(tmp, base, ro):
    return ["train", str(write(tmp / "spec.py", SPEC)), "--out", str(tmp / "run"),
            "--seed", str(2**70)], "--seed"


def case_seed_probe(tmp, base, ro):
    return ["probe", str(write(tmp / "spec.py", SPEC)), "--out", str(tmp / "out"),
            "--seed", str(2**70)], "--seed"


def case_lr_inf(tmp, base, ro):
    spec, config = write(tmp / "spec.py", SPEC), write(tmp / "c.yaml", TINY + "lr: .inf\n")
    return ["train", str(spec), "--config", str(config), "--out", str(tmp / "run")], "'lr'"


def case_max_steps_true(tmp, base, ro):
    spec, config = write(tmp / "spec.py", SPEC), write(tmp / "c.yaml", "max_steps: true\n")
    return ["train", str(spec), "--config", str(config), "--out", str(tmp / "run")], \
        "'max_steps'"


def case_grid_lr_inf(tmp, base, ro):
    spec, grid = write(tmp / "spec.py", SPEC), write(tmp / "g.yaml", "lr: [0.01, .inf]\n")
    return ["grid", str(spec), "--grid", str(grid), "--rung", "2", "--out", str(tmp / "g")], \
        "lr"


def case_resume_other_model(tmp, base, ro):
    run = copy_run(base, tmp)
    write(tmp / "spec.py", OTHER_MODEL)
    return ["train", str(tmp / "spec.py"), "--out", str(run), "--resume",
            "--allow-changed-spec"], "does not fit this spec's model"


def case_resume_changed_spec(tmp, base, ro):
    run = copy_run(base, tmp)
    write(tmp / "spec.py", OTHER_MODEL)
    return ["train", str(tmp / "spec.py"), "--out", str(run), "--resume"], \
        "spec file spec.py changed since the run started"


def case_resume_missing_keys(tmp, base, ro):
    run = copy_run(base, tmp)
    last = run / "checkpoints" / "last.pt"
    payload = torch.load(last, weights_only=True)
    del payload["trainer"]["optimizer"]
    torch.save(payload, last)
    return ["train", str(tmp / "spec.py"), "--out", str(run), "--resume"], "'optimizer'"


def case_log_step_null(tmp, base, ro):
    run = copy_run(base, tmp)
    edit_log(run, set_first("train", step=None))
    return ["dashboard", str(run)], "step"


def case_binary_log(tmp, base, ro):
    run = copy_run(base, tmp)
    write(run / "inspector.log.jsonl", bytes(range(256)) * 8)
    return ["dashboard", str(run)], "inspector.log.jsonl"


def case_wrong_types(tmp, base, ro):
    run = copy_run(base, tmp)
    edit_log(run, lambda records: (set_first("meta", layers=5, act_layers="x")(records),
                                   set_first("eval", metric_name=7, val_loss="low")(records)))
    return ["dashboard", str(run)], "inspector.log.jsonl"


def case_manifest_config_5(tmp, base, ro):
    run = copy_run(base, tmp)
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["config"] = 5
    write(run / "manifest.json", json.dumps(manifest))
    return ["dashboard", str(run)], "manifest.json"


def case_transition_n_ten(tmp, base, ro):
    report = {"schema": "trainprobe.report/1", "task": "classification", "verdict": "pass",
              "breaking_point": None, "diagnoses": [],
              "ladder": [{"n": "ten", "passed": True, "steps": 10, "seconds": 0.1,
                          "final_loss": 0.01, "metric": {"name": "accuracy", "value": 1.0}}]}
    path = write(tmp / "report.json", json.dumps(report))
    return ["transition", str(path), "--out", str(tmp / "config.yaml")], "'n'"


def case_read_only_dashboard(tmp, base, ro):
    run = copy_run(base, tmp)
    ro(run)
    return ["dashboard", str(run)], "cannot use"


def case_read_only_demo_copy(tmp, base, ro):
    return ["demo", "--copy", str(ro(tmp / "examples"))], "cannot use"


def case_read_only_train_out(tmp, base, ro):
    spec = write(tmp / "spec.py", SPEC)
    return ["train", str(spec), "--out", str(ro(tmp / "parent") / "run")], "cannot use"


def case_len_raises(tmp, base, ro):
    return ["train", str(write(tmp / "spec.py", BAD_LEN)), "--out", str(tmp / "run")], \
        "len(train dataset) raised OSError: index file missing"


def case_spec_exits(tmp, base, ro):
    return ["train", str(write(tmp / "spec.py", SPEC_EXITS)), "--out", str(tmp / "run")], \
        "spec.py called sys.exit(3)"


CASES = {name[len("case_"):]: fn for name, fn in globals().items() if name.startswith("case_")}


def tree(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size if p.is_file() else -1
            for p in sorted(folder.rglob("*"))}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_one_line_exit_2_and_leaves_nothing(name, tmp_path, finished_run,
                                                         read_only, capfd):
    args, expected = CASES[name](tmp_path, finished_run, read_only)
    before = tree(tmp_path)
    result = CliRunner().invoke(main, args, prog_name="trainprobe")
    err = result.stderr + capfd.readouterr().err
    assert result.exit_code == 2, (result.output, err, result.exception)
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    assert expected in lines[0], lines[0]
    after = tree(tmp_path)
    assert not [p for p in after if p.endswith(".tmp")], after
    assert set(after) == set(before), set(after) ^ set(before)  # no run folder, no stray file
