"""Nothing lost, nothing hidden (issue 14): NaN runs, demo --copy, crash leftovers,
provenance on --resume, SIGTERM outside training, grid Ctrl-C, fsync on publish."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_train_support import TINY_SPEC, write_spec

import trainprobe.io
from trainprobe.api import train
from trainprobe.cli import main
from trainprobe.demos import demo_specs

NAN_SPEC = TINY_SPEC.replace(
    "    return TensorDataset(x[:64], y[:64])",
    "    x[5, 3] = float('nan')  # one bad row, as in a CSV with a missing value\n"
    "    return TensorDataset(x[:64], y[:64])")
NAN_CONFIG = "max_steps: 40\neval_every: 5\nbatch_size: 16\nseed: 0\n"
TINY = {"max_steps": 12, "eval_every": 4, "ckpt_every": 4, "batch_size": 16}


def cli(*args: str):
    return CliRunner().invoke(main, list(args), prog_name="trainprobe")


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())


@pytest.mark.parametrize("action", ["stop", "warn"])
def test_a_nan_training_loss_is_never_a_quiet_success(tmp_path, action):
    spec = write_spec(tmp_path, NAN_SPEC)
    config = tmp_path / "c.yaml"
    config.write_text(NAN_CONFIG + f"on_nonfinite: {action}\n")
    result = cli("train", str(spec), "--config", str(config), "--out", str(tmp_path / "run"))
    assert result.exit_code == 1, result.output
    assert "warning: training loss" in result.stderr and "non-finite" in result.stderr
    run = tmp_path / "run"
    manifest = read_json(run / "manifest.json")
    summary = read_json(run / "summary.json")
    events = [json.loads(line) for line in (run / "inspector.log.jsonl").read_text().splitlines()
              if '"event":"nonfinite"' in line]
    assert len(events) == 1
    first = events[0]["step"]
    assert summary["verdict"] == "diverged" and summary["headline"].startswith("Diverged")
    assert not summary["checks"]["healthy"]["applies"]
    assert any("non-finite" in w for w in manifest["warnings"])
    if action == "stop":
        assert "FAILED" in result.stdout
        assert manifest["status"] == "failed" and manifest["stop_reason"] == \
            f"diverged: non-finite training loss at step {first}"
        assert manifest["steps"] == first  # stopped at the first NaN step
        last = manifest["last_checkpoint"]
        assert last is None or last["step"] < first  # no NaN weights in last.pt
    else:
        assert manifest["status"] == "finished" and manifest["steps"] == 40


def test_demo_copy_refuses_existing_files_and_never_writes_through_symlinks(tmp_path):
    folder = tmp_path / "examples"
    assert cli("demo", "--copy", str(folder)).exit_code == 0
    edited = folder / demo_specs()[0].name
    edited.write_text("# my edits\n")
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me\n")
    link = folder / demo_specs()[1].name
    link.unlink()
    link.symlink_to(outside)
    refused = cli("demo", "--copy", str(folder))
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert edited.read_text() == "# my edits\n" and outside.read_text() == "keep me\n"
    forced = cli("demo", "--copy", str(folder), "--force")
    assert forced.exit_code == 0
    assert outside.read_text() == "keep me\n"  # the link was replaced, not followed
    assert not link.is_symlink() and link.read_bytes() == demo_specs()[1].read_bytes()
    assert edited.read_bytes() == demo_specs()[0].read_bytes()


def test_leftovers_of_killed_writers_are_removed_on_the_next_start(tmp_path):
    spec = write_spec(tmp_path)
    run = tmp_path / "run"
    train(spec, {**TINY, "max_steps": 8}, run)
    stale = [run / "checkpoints" / ".last.pt.k1ll3d.tmp", run / "checkpoints" / ".best.pt.x.tmp",
             run / ".dashboard.html.y.tmp", run / ".inspector.log.jsonl.resume.tmp"]
    for path in stale:
        path.write_bytes(b"\0" * 1000)
    resumed = train(spec, None, run, resume=True, overrides={"max_steps": 12})
    assert resumed.steps == 12 and not [p for p in stale if p.exists()]
    assert not list(run.rglob("*.tmp"))


@pytest.mark.skipif(sys.platform == "win32", reason="runs are not locked on Windows")
def test_a_folder_in_use_by_another_run_is_refused_in_one_line(tmp_path):
    """Two runs in one folder would delete each other's temporary files: while a run holds
    it, a second one (a --resume typed in another terminal) is exit 2 in one line, and
    the folder is left as it was; once the first run ends, --resume goes on."""
    import fcntl

    spec = write_spec(tmp_path)
    run = tmp_path / "run"
    train(spec, {**TINY, "max_steps": 8}, run)
    before = {p: p.stat().st_mtime_ns for p in run.rglob("*")}
    holder = os.open(run, os.O_RDONLY)  # what the other run holds while it trains
    fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
    try:
        result = cli("train", str(spec), "--out", str(run), "--resume", "--max-steps", "12")
    finally:
        os.close(holder)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"--out {run} is in use by another trainprobe run" in lines[0]
    assert {p: p.stat().st_mtime_ns for p in run.rglob("*")} == before
    assert train(spec, None, run, resume=True, overrides={"max_steps": 12}).steps == 12


@pytest.mark.parametrize("resume", [True, False], ids=["--resume", "new-run"])
def test_a_folder_killed_before_its_first_checkpoint_is_started_over(tmp_path, resume):
    spec = write_spec(tmp_path)
    run = tmp_path / "run"
    # what SIGKILL during the first steps leaves: a manifest saying "running", the start
    # of a log, an empty checkpoint folder with a torn temporary file
    train(spec, TINY, run)
    manifest = read_json(run / "manifest.json")
    manifest.update(status="running", steps=0)
    (run / "manifest.json").write_text(json.dumps(manifest))
    for name in ("last.pt", "best.pt"):
        (run / "checkpoints" / name).unlink()
    (run / "checkpoints" / ".last.pt.abc.tmp").write_bytes(b"torn")
    (run / "summary.json").unlink()
    result = cli("train", str(spec), "--out", str(run), "--max-steps", "6",
                 *(["--resume"] if resume else []))
    assert result.exit_code == 0, result.output
    assert read_json(run / "manifest.json")["status"] == "finished"
    assert read_json(run / "manifest.json")["resumes"] == []  # a fresh start, not a resume
    assert not list(run.rglob("*.tmp"))


def test_a_folder_with_a_checkpoint_is_never_started_over(tmp_path):
    spec = write_spec(tmp_path)
    run = tmp_path / "run"
    train(spec, TINY, run)
    manifest = read_json(run / "manifest.json")
    (run / "manifest.json").write_text(json.dumps({**manifest, "status": "running"}))
    (run / "checkpoints" / "last.pt").unlink()  # best.pt is still there: keep it
    result = cli("train", str(spec), "--out", str(run))
    assert result.exit_code == 2 and "already exists" in result.stderr
    assert (run / "checkpoints" / "best.pt").is_file()


DATA_SPEC = TINY_SPEC.replace(
    "    g = torch.Generator().manual_seed(1)",
    "    from pathlib import Path\n"
    "    seed = int((Path(__file__).parent / 'seed.txt').read_text())\n"
    "    g = torch.Generator().manual_seed(seed)")


def test_resume_with_other_data_is_refused_or_recorded(tmp_path):
    spec = write_spec(tmp_path, DATA_SPEC)
    (tmp_path / "seed.txt").write_text("1")
    run = tmp_path / "run"
    train(spec, TINY, run)
    (tmp_path / "seed.txt").write_text("2")  # same spec file, other data
    refused = cli("train", str(spec), "--out", str(run), "--resume", "--max-steps", "16")
    assert refused.exit_code == 2
    assert "the training data changed since the run started" in refused.stderr
    assert "--allow-changed-spec" in refused.stderr
    accepted = cli("train", str(spec), "--out", str(run), "--resume", "--max-steps", "16",
                   "--allow-changed-spec")
    assert accepted.exit_code == 0, accepted.output
    resumes = read_json(run / "manifest.json")["resumes"]
    assert len(resumes) == 1 and set(resumes[0]["changed"]) == {"train_sha256", "val_sha256"}


def test_sigterm_outside_training_exits_130_and_leaves_no_temp_file(tmp_path, monkeypatch):
    spec = write_spec(tmp_path)
    run = tmp_path / "run"
    train(spec, TINY, run)
    real_fsync = trainprobe.io.fsync_file

    def killed_mid_write(path: Path) -> None:  # SIGTERM while dashboard.html is written
        if path.name.startswith(".dashboard.html."):
            os.kill(os.getpid(), signal.SIGTERM)
        real_fsync(path)

    monkeypatch.setattr(trainprobe.io, "fsync_file", killed_mid_write)
    before = signal.getsignal(signal.SIGTERM)
    result = cli("dashboard", str(run))
    assert result.exit_code == 130 and "interrupted" in result.stderr
    assert "Traceback" not in result.stderr and not list(run.rglob("*.tmp"))
    assert signal.getsignal(signal.SIGTERM) == before  # the handler is the process's again


GRID_SPEC = TINY_SPEC + '''
calls = 0


def build_model(hidden_dim: int = 16, dropout: float = 0.0):
    global calls
    calls += 1
    if calls == 2:  # Ctrl-C during the second point of the grid
        import os, signal
        os.kill(os.getpid(), signal.SIGINT)
    return nn.Sequential(nn.Linear(8, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 3))
'''


def test_grid_ctrl_c_prints_one_line(tmp_path):
    spec = write_spec(tmp_path, GRID_SPEC)
    grid = tmp_path / "grid.yaml"
    grid.write_text("lr: [0.01, 0.003, 0.001]\nmax_steps: 20\n")
    # a real process: Optuna's log handler writes to the stderr it found at import
    done = subprocess.run([sys.executable, "-m", "trainprobe", "--threads", "1", "grid",
                           str(spec), "--grid", str(grid), "--rung", "4",
                           "--out", str(tmp_path / "g")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr and "KeyboardInterrupt" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines == ["interrupted: run the same command (with --storage) to resume"], lines


def test_checkpoint_publish_fsyncs_the_file_and_its_folder(tmp_path, monkeypatch):
    synced: list[str] = []
    real = os.fsync

    def record(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", record)
    from trainprobe.train.checkpoint import _save_checkpoint

    path = _save_checkpoint(tmp_path / "checkpoints" / "last.pt", {"w": 1}, 3, {})
    assert synced[-1] == str(path.parent)  # the folder, after the rename
    assert Path(synced[-2]).name.startswith(".last.pt.")  # the file, before it
