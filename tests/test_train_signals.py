"""SIGTERM to a running `trainprobe train`: exit 130, a readable log, a checkpoint at the
step the run reached, and a run that --resume continues."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import torch
from test_train_support import TINY_SPEC, write_spec

from trainprobe.api import train

# the same tiny spec, slowed down so the run is surely mid-way when the signal arrives
SLOW_SPEC = TINY_SPEC.replace(
    "def build_augment():",
    "class Slow(nn.Module):\n"
    "    def forward(self, x):\n"
    "        import time\n"
    "        time.sleep(0.01)\n"
    "        return x\n\n\n"
    "_build = build_model\n\n\n"
    "def build_model(hidden_dim: int = 16, dropout: float = 0.0):\n"
    "    return nn.Sequential(Slow(), _build(hidden_dim, dropout))\n\n\n"
    "def build_augment():")

CLI = [sys.executable, "-c", "from trainprobe.cli import main; main()"]


def wait_for(path, process, seconds=120.0):
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.1)


def test_sigterm_saves_checkpoint_and_closes_log(tmp_path):
    spec = write_spec(tmp_path, SLOW_SPEC)
    config = tmp_path / "config.yaml"
    config.write_text("max_steps: 100000\neval_every: 5\nckpt_every: 10\nbatch_size: 16\n")
    run = tmp_path / "run"
    process = subprocess.Popen([*CLI, "train", str(spec), "--config", str(config),
                                "--out", str(run)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(run / "checkpoints" / "last.pt", process)  # mid-run: step 10 is done
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "INTERRUPTED" in stdout and "--resume" in stdout

    lines = (run / "inspector.log.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]  # every line is complete JSON
    stopped_at = max(r["step"] for r in records if r["kind"] == "train")
    assert any(r.get("event") == "interrupted" and r["step"] == stopped_at for r in records)

    checkpoint = torch.load(run / "checkpoints" / "last.pt", weights_only=True)
    assert checkpoint["step"] == stopped_at >= 10
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["steps"] == stopped_at
    assert manifest["end_time"] is not None

    resumed = train(spec, None, run, resume=True, overrides={"max_steps": stopped_at + 3})
    assert resumed.status == "finished" and resumed.steps == stopped_at + 3
    assert len(resumed.losses) == stopped_at + 3
