"""SIGKILL at random points, then --resume, until the run finishes: the log must be the
uninterrupted run's byte for byte (apart from the `resume` events that say where it
resumed) and no temporary file may be left (issue 14 items 4 and 5)."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from test_train_support import TINY_SPEC, write_spec

from trainprobe.api import train

# each forward sleeps 2 ms, so the 240 steps take long enough to be killed at random
SLOW_SPEC = TINY_SPEC.replace(
    '''def build_model(hidden_dim: int = 16, dropout: float = 0.0):
    return nn.Sequential(''',
    '''class Slow(nn.Module):
    def forward(self, x):
        import time
        time.sleep(0.002)
        return x


def build_model(hidden_dim: int = 16, dropout: float = 0.0):
    return nn.Sequential(Slow(), ''')
CONFIG = {"max_steps": 240, "eval_every": 10, "ckpt_every": 10, "batch_size": 16,
          "dropout": 0.2, "augment": True, "lr": 1e-2, "seed": 3}
KILLS = 4


def log_without_resume_events(run: Path) -> list[str]:
    """The log's lines, with the run's own folder (named in event paths) made neutral."""
    text = (run / "inspector.log.jsonl").read_text().replace(str(run), "RUN")
    return [line for line in text.splitlines() if '"event":"resume"' not in line]


def start(spec: Path, config: Path, run: Path) -> subprocess.Popen:
    resume = ["--resume"] if run.exists() else []
    return subprocess.Popen([sys.executable, "-m", "trainprobe", "--threads", "1", "train",
                             str(spec), "--config", str(config), "--out", str(run), *resume],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def wait_for_training(run: Path, process: subprocess.Popen, timeout: float = 60) -> None:
    """Until the log holds a train record (the process is past its imports)."""
    log = run / "inspector.log.jsonl"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if log.is_file() and '"kind":"train"' in log.read_text():
            return
        time.sleep(0.01)


def test_sigkill_at_random_then_resume_reproduces_the_log(tmp_path):
    spec = write_spec(tmp_path, SLOW_SPEC)
    config = tmp_path / "config.yaml"
    config.write_text("".join(f"{key}: {value}\n" for key, value in CONFIG.items()).lower())
    reference = train(spec, CONFIG, tmp_path / "full").run_dir
    run = tmp_path / "killed"
    chance = random.Random(14)
    kills = 0
    for _ in range(KILLS + 3):
        process = start(spec, config, run)
        if kills < KILLS:
            wait_for_training(run, process)
            time.sleep(chance.uniform(0.0, 0.5))  # mid-step, mid-eval or mid-checkpoint
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                kills += 1
        _, err = process.communicate(timeout=120)
        if process.returncode == 0:
            break
        assert process.returncode == -signal.SIGKILL, err
    assert kills == KILLS and process.returncode == 0
    assert log_without_resume_events(run) == log_without_resume_events(reference)
    assert not list(run.rglob("*.tmp")), list(run.rglob("*.tmp"))


KILL_AFTER_PUBLISH = '''
import os, sys
from pathlib import Path
import trainprobe.io as io
from trainprobe.api import train

real = io.fsync_dir


def killed_right_after_publish(folder):  # the audit's 25 ms window, made certain
    real(folder)
    if Path(folder).name == "checkpoints" and (Path(folder) / "last.pt").exists():
        os._exit(137)


io.fsync_dir = killed_right_after_publish
train(sys.argv[1], eval(sys.argv[2]), sys.argv[3])
'''


def test_the_log_covers_last_pt_even_when_killed_right_after_publishing_it(tmp_path):
    """last.pt at step 5 (not an eval step) is published, then the process dies: the log
    on disk must already hold every record up to step 5."""
    spec = write_spec(tmp_path)
    config = {**CONFIG, "max_steps": 30, "ckpt_every": 5}
    reference = train(spec, config, tmp_path / "full").run_dir
    run = tmp_path / "killed"
    done = subprocess.run([sys.executable, "-c", KILL_AFTER_PUBLISH, str(spec), repr(config),
                           str(run)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 137, done.stderr
    train(spec, None, run, resume=True)
    assert log_without_resume_events(run) == log_without_resume_events(reference)
