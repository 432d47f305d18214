"""manifest.json: provenance of a run (config, seeds, versions, hashes, git, times, best
checkpoint), and the optional TensorBoard export."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from test_train_support import (
    TINY_CONFIG,
    TINY_SPEC,
    write_spec,
)

import trainprobe
from trainprobe.api import train
from trainprobe.errors import ConfigError
from trainprobe.instruments.logfile import iter_flat_records
from trainprobe.spec import load_spec
from trainprobe.train.manifest import _data_hashes, _dataset_hash, _hashed_indices

SHORT = {**TINY_CONFIG, "max_steps": 20}


def git(folder, *args):
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
                          cwd=folder, capture_output=True, text=True, check=True).stdout.strip()


def test_manifest_records_provenance(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    spec = write_spec(repo)
    git(repo, "add", "tiny.py")
    git(repo, "commit", "-q", "-m", "spec")
    result = train(spec, {**SHORT, "tensorboard": True}, tmp_path / "run")
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())

    assert manifest["schema"] == "trainprobe.manifest/1" and manifest["status"] == "finished"
    assert manifest["config"]["lr"] == SHORT["lr"] and manifest["config"]["max_steps"] == 20
    assert manifest["seeds"]["seed"] == SHORT["seed"]
    assert manifest["versions"]["trainprobe"] == trainprobe.__version__
    assert manifest["versions"]["python"] == ".".join(map(str, sys.version_info[:3]))
    assert manifest["spec"]["sha256"] == load_spec(spec).file_hash()
    assert manifest["git"]["commit"] == git(repo, "rev-parse", "HEAD")
    assert manifest["git"]["dirty"] is False
    assert manifest["data"]["train_items"] == 64 and manifest["data"]["val_items"] == 32
    assert manifest["start_time"] <= manifest["end_time"]
    assert manifest["best_checkpoint"]["step"] == result.best_step
    assert manifest["best_checkpoint"]["path"].endswith("checkpoints/best.pt")
    assert manifest["last_checkpoint"]["step"] == 20
    # the same scalars, exported for TensorBoard: one train loss per step, equal to the log's
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(tmp_path / "run" / "tensorboard"))
    events.Reload()
    exported = [(e.step, e.value) for e in events.Scalars("train/loss")]
    assert [step for step, _ in exported] == list(range(1, 21))
    assert [v for _, v in exported] == pytest.approx(result.losses, rel=1e-6)
    # and the inspector log's per-layer curves (schema /2 arrays, read through the reader)
    log = list(iter_flat_records(tmp_path / "run" / "inspector.log.jsonl"))
    layer_keys = {k for r in log if r["kind"] in ("train", "stats") for k in r if "/" in k}
    tags = set(events.Tags()["scalars"])
    assert layer_keys and {f"layers/{k}" for k in layer_keys} <= tags
    grads = events.Scalars("layers/grad_norm/0")
    at = {r["step"]: r["grad_norm/0"] for r in log if r["kind"] == "train"}
    assert [(e.step, e.value) for e in grads] == [(s, pytest.approx(at[s], rel=1e-6))
                                                  for s in range(1, 21)]


def test_no_git_repository_is_tolerated(tmp_path):
    from trainprobe.train.manifest import _git_info

    assert _git_info(tmp_path) is None  # pytest's tmp folders are not in a repository
    assert _git_info(tmp_path / "missing-folder") is None


def test_data_hash_is_stable_and_sees_changes(tmp_path):
    spec = load_spec(write_spec(tmp_path))
    train_data, val_data = spec.build_data()
    first = _data_hashes(spec.task, train_data, val_data)
    again = _data_hashes(spec.task, *spec.build_data())
    assert first["train_sha256"] == again["train_sha256"]
    assert first["val_sha256"] == again["val_sha256"] != first["train_sha256"]
    changed = write_spec(tmp_path, TINY_SPEC.replace("manual_seed(1)", "manual_seed(2)"),
                         "other.py")
    other = load_spec(changed)
    assert _dataset_hash(other.task, other.build_data()[0])[0] != first["train_sha256"]


def test_hashed_items_are_bounded():
    assert _hashed_indices(5) == [0, 1, 2, 3, 4]
    spread = _hashed_indices(1_000_000, limit=10)
    assert len(spread) == 10 and spread[0] == 0 and spread[-1] == 900_000


def test_tensorboard_missing_is_an_install_hint(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # import fails
    with pytest.raises(ConfigError, match=r"trainprobe\[tensorboard\]"):
        train(write_spec(tmp_path), {**SHORT, "tensorboard": True}, tmp_path / "run")
    assert not (tmp_path / "run").exists()  # failed before writing anything
