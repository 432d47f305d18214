"""`trainprobe train` under torchrun: two gloo processes on CPU train exactly what one
process trains on the same global batch, rank 0 alone writes, and --resume works."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import trainprobe as tp
from trainprobe.engine.distributed import Distributed, _shard_bounds
from trainprobe.instruments.logfile import iter_records
from trainprobe.tasks import Batch

SPEC = Path(tp.__file__).parent / "demos" / "digits_mlp.py"
STEPS = 50  # the inspector's first statistics step (every 50)
CONFIG = {"batch_size": 63, "eval_every": 5, "lr": 3e-3, "device": "cpu"}  # 63: uneven shards


@pytest.mark.parametrize(("total", "world", "expected"), [
    (8, 2, [(0, 4), (4, 8)]), (7, 2, [(0, 4), (4, 7)]), (5, 3, [(0, 2), (2, 4), (4, 5)])])
def test_shards_cover_the_global_batch_once(total, world, expected):
    assert [_shard_bounds(total, rank, world) for rank in range(world)] == expected


@pytest.mark.parametrize(("items", "world", "sizes"), [(7, 2, [4, 3]), (2, 3, [1, 1, 2])])
def test_shard_weights_make_the_mean_of_rank_losses_the_global_mean(items, world, sizes):
    targets = torch.arange(float(items))
    batch = Batch(targets[:, None], targets)
    shares = [Distributed(rank, world).shard(batch) for rank in range(world)]
    weighted = sum(part.targets.mean() * share for part, share in shares) / world
    assert weighted.item() == pytest.approx(targets.mean().item())
    # a rank left without items (a short last batch) takes the whole batch at weight 0
    assert [len(part) for part, _ in shares] == sizes
    assert [share == 0 for _, share in shares] == [size == items for size in sizes]


def stats_at(log: Path, step: int) -> dict:
    return next(r for r in iter_records(log) if r["kind"] == "stats" and r["step"] == step)


def torchrun(config: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(Path(tp.__file__).parents[1]), "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               "--nproc-per-node", "2", "-m", "trainprobe", "train", str(SPEC),
               "--config", str(config), "--out", str(out), *extra]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def test_torchrun_two_processes_equal_one_process_and_resume(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(json.dumps(CONFIG))  # JSON is YAML
    run = tmp_path / "ddp"
    first = torchrun(config, run, "--max-steps", "12")
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.stdout.count("DONE") == 1  # only rank 0 prints
    assert json.loads((run / "manifest.json").read_text())["world_size"] == 2
    resumed = torchrun(config, run, "--resume", "--max-steps", str(STEPS))
    assert resumed.returncode == 0, resumed.stderr[-3000:]

    single = tp.train(SPEC, {**CONFIG, "max_steps": STEPS}, tmp_path / "single")
    ddp = torch.load(run / "checkpoints" / "last.pt", weights_only=True)["trainer"]
    assert ddp["step"] == STEPS
    for name, value in single.model.state_dict().items():
        torch.testing.assert_close(ddp["model"][name], value, rtol=1e-4, atol=1e-6)
    # one log, written by rank 0 alone: each step once, the loss of the global batch
    assert sorted(p.name for p in run.glob("*.jsonl")) == ["inspector.log.jsonl"]
    steps = [r["step"] for r in iter_records(run / "inspector.log.jsonl") if r["kind"] == "train"]
    assert steps == list(range(1, STEPS + 1))
    ddp_losses = [r["loss"] for r in iter_records(run / "inspector.log.jsonl")
                  if r["kind"] == "train"]
    assert ddp_losses == pytest.approx(single.losses, rel=1e-3)
    # the activation statistics of step 50 (after the resume) are the global batch's:
    # each rank measured its half and rank 0 logged the merge, as one process sees it
    ddp_stats, single_stats = (stats_at(path / "inspector.log.jsonl", STEPS)
                               for path in (run, tmp_path / "single"))
    assert ddp_stats["act_mean"] == pytest.approx(single_stats["act_mean"], rel=1e-3)
    assert ddp_stats["dead"] == single_stats["dead"] and max(ddp_stats["dead"]) > 0
    assert (run / "dashboard.html").is_file()
