"""manifest.json: what it takes to know how a run was made and to trust its numbers.

Keys (schema trainprobe.manifest/1):
    schema, status ("running" | "finished" | "interrupted"), stop_reason, steps,
    config (the full resolved TrainConfig), seeds {seed, model_init, data_order},
    versions {python, torch, trainprobe, platform}, device,
    spec {path, sha256, task}, data {train_items, val_items, train_sha256, val_sha256,
    hashed_items_train, hashed_items_val, method}, git {commit, dirty, root} | null,
    schedule {kind, warmup_steps, horizon, max_steps, horizon_differs},
    start_time, end_time (ISO 8601 UTC), resumes [{time, step}],
    best_checkpoint {path, step, val_loss} | null, last_checkpoint {path, step} | null.
"""

from __future__ import annotations

import hashlib
import platform
import subprocess
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch

from .._version import __version__
from ..engine import TrainConfig
from ..engine.schedule import schedule_info
from ..errors import ConfigError
from ..spec import Spec
from ..tasks import Batch, Task
from ..tasks.structure import tensor_leaves

__all__ = ["SCHEMA", "finish", "mark_resumed", "new_manifest", "provenance_changes"]

SCHEMA = "trainprobe.manifest/1"
_HASH_ITEMS = 10_000  # at most this many items are hashed per dataset, evenly spaced
_HASH_CHUNK = 256  # items collated together before hashing


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def new_manifest(spec: Spec, config: TrainConfig, device: str, train_data: Sequence[Any],
                 val_data: Sequence[Any] | None) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "status": "running",
        "stop_reason": None,
        "steps": 0,
        "config": config.model_dump(mode="json"),
        "seeds": {"seed": config.seed, "model_init": config.seed, "data_order": config.seed},
        "versions": _versions(),
        "device": device,
        "spec": {"path": str(spec.path), "sha256": spec.file_hash(), "task": spec.task.name},
        "data": _data_hashes(spec.task, train_data, val_data, spec.user_collate()),
        "git": _git_info(spec.path.parent),
        "schedule": schedule_info(config),
        "start_time": _now(),
        "end_time": None,
        "resumes": [],
        "best_checkpoint": None,
        "last_checkpoint": None,
    }


def _versions() -> dict[str, str]:
    return {"python": platform.python_version(), "torch": torch.__version__,
            "trainprobe": __version__, "platform": sys.platform}


# --- data hash --------------------------------------------------------------------------
def _hashed_indices(length: int, limit: int = _HASH_ITEMS) -> list[int]:
    """Every index when the set is small, else `limit` evenly spaced ones (first included)."""
    if length <= limit:
        return list(range(length))
    return [i * length // limit for i in range(limit)]


def _dataset_hash(task: Task, dataset: Sequence[Any],
                 collate: Callable[[list[Any]], Batch] | None = None) -> tuple[str, int]:
    """sha256 over the collated tensors (dtype, shape and bytes) of the hashed items, in
    chunks of _HASH_CHUNK, plus the dataset length. Returns (hex digest, items hashed)."""
    digest = hashlib.sha256(f"len={len(dataset)}".encode())
    indices = _hashed_indices(len(dataset))
    for start in range(0, len(indices), _HASH_CHUNK):
        batch = (collate or task.collate)([dataset[i] for i in indices[start:start + _HASH_CHUNK]])
        leaves = [leaf for _, leaf in tensor_leaves(batch.inputs)]
        for tensor in (*leaves, batch.targets, batch.input_lengths, batch.target_lengths):
            if tensor is not None:
                _update_with_tensor(digest, tensor)
    return digest.hexdigest(), len(indices)


def _update_with_tensor(digest: Any, tensor: torch.Tensor) -> None:
    tensor = tensor.detach().cpu().contiguous()
    digest.update(f"{tensor.dtype}{tuple(tensor.shape)}".encode())
    digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())


def _data_hashes(task: Task, train_data: Sequence[Any], val_data: Sequence[Any] | None,
                collate: Callable[[list[Any]], Batch] | None = None) -> dict[str, Any]:
    """`collate`: the spec's own, when it has one (else the task's)."""
    train_hash, train_count = _dataset_hash(task, train_data, collate)
    val_hash, val_count = _dataset_hash(task, val_data, collate) if val_data is not None \
        else (None, 0)
    return {
        "train_items": len(train_data), "val_items": len(val_data) if val_data else 0,
        "train_sha256": train_hash, "val_sha256": val_hash,
        "hashed_items_train": train_count, "hashed_items_val": val_count,
        "method": f"sha256 of the task-collated tensors (dtype, shape, bytes) of up to "
                  f"{_HASH_ITEMS} evenly spaced items, in chunks of {_HASH_CHUNK}, after the length",
    }


# --- git ---------------------------------------------------------------------------------
def _git_info(folder: Path) -> dict[str, Any] | None:
    """The commit of the repository holding the spec, or None (no git, not a repo)."""
    commit = _run_git(folder, "rev-parse", "HEAD")
    if commit is None:
        return None
    status = _run_git(folder, "status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status) if status is not None else None,
            "root": _run_git(folder, "rev-parse", "--show-toplevel")}


def _run_git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True,
                              timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


# --- updates during the run ---------------------------------------------------------------
def mark_resumed(manifest: dict[str, Any], step: int,
                 changes: dict[str, Any] | None = None) -> dict[str, Any]:
    """A resume entry; `changes` ({"spec_sha256": [old, new], ...}) records a spec or data
    change accepted with --allow-changed-spec."""
    manifest["status"] = "running"
    manifest["end_time"] = None
    entry: dict[str, Any] = {"time": _now(), "step": step}
    if changes:
        entry["changed"] = changes
    manifest.setdefault("resumes", []).append(entry)
    return manifest


def finish(manifest: dict[str, Any], *, status: str, stop_reason: str, steps: int,
           best: dict[str, Any] | None, last: dict[str, Any] | None) -> dict[str, Any]:
    manifest.update(status=status, stop_reason=stop_reason, steps=steps, end_time=_now(),
                    best_checkpoint=best, last_checkpoint=last)
    return manifest


def provenance_changes(manifest: dict[str, Any], spec: Spec, train_data: Sequence[Any],
                       val_data: Sequence[Any] | None, allow: bool) -> dict[str, Any]:
    """What changed in the spec file or the data since the run started, as {key: [old,
    new]} sha256 pairs. A resume with a change is refused (another spec's run would go on
    silently under the old provenance) unless `allow`; then the caller records it."""
    before = {"spec_sha256": (manifest.get("spec") or {}).get("sha256"),
              "train_sha256": (manifest.get("data") or {}).get("train_sha256"),
              "val_sha256": (manifest.get("data") or {}).get("val_sha256")}
    data = _data_hashes(spec.task, train_data, val_data)
    now = {"spec_sha256": spec.file_hash(), "train_sha256": data["train_sha256"],
           "val_sha256": data["val_sha256"]}
    changes = {key: [before[key], now[key]] for key in now
               if before[key] is not None and before[key] != now[key]}
    if changes and not allow:
        key, (old, new) = next(iter(changes.items()))
        what = {"spec_sha256": f"the spec file {spec.path.name}",
                "train_sha256": "the training data", "val_sha256": "the validation data"}[key]
        raise ConfigError(f"--resume: {what} changed since the run started (sha256 "
                          f"{old[:12]} -> {new[:12]})",
                          "resume with the spec and data that started the run, start a new "
                          "run with a new --out, or add --allow-changed-spec to continue "
                          "anyway (recorded in manifest.json)")
    return changes
