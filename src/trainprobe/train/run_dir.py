"""The run directory before training starts: what may be reused, what is left over.

A run killed by SIGKILL (or a power cut) can leave three kinds of debris, and none of it
may block the next command:
- temporary files `.NAME.*.tmp` of a write that never finished (a checkpoint can be
  hundreds of MB): removed when the next run starts in that folder;
- a folder killed before its first checkpoint (a manifest saying "running", the start of
  a log, no `last.pt`, no `best.pt`): nothing in it can be resumed, so `--resume` and a new
  run both start it over instead of refusing;
- a half-set-up folder of a run whose set-up failed: removed by `discard_new_run`.
Only files trainprobe writes are ever deleted, and never a folder holding a checkpoint.

That clean-up assumes one writer per folder, so a run holds its folder (`exclusive`): a
second run started on it, e.g. a `--resume` typed in another terminal, is refused in one
line instead of deleting the first run's temporary files mid-write.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..io import TEMP_SUFFIX, remove_stale_temps
from .checkpoint import BEST, LAST, checkpoint_dir

try:
    import fcntl
except ImportError:  # Windows: runs are not locked there
    fcntl = None  # type: ignore[assignment]

__all__ = ["clear_leftovers", "discard_new_run", "exclusive", "killed_before_first_checkpoint",
           "remove_own_files"]

#: what `trainprobe train` writes into a run directory (and may therefore delete there)
_OWN_FILES = ("manifest.json", "inspector.log.jsonl", "summary.json", "gap-analysis.md",
             "dashboard.html")
_OWN_DIRS = ("checkpoints", "tensorboard")
_UNFINISHED = ("running", "failed")


@contextmanager
def exclusive(run_dir: Path) -> Iterator[bool]:
    """Hold `run_dir` for this process while the block runs: an advisory lock (flock) on
    the folder itself, so no lock file is left behind, and the kernel releases it when the
    process dies, even by SIGKILL. Yields whether this created the folder; a folder this
    created and left empty is removed at the end."""
    created = not run_dir.exists()
    run_dir.mkdir(parents=True, exist_ok=True)
    handle = os.open(run_dir, os.O_RDONLY)
    try:
        if fcntl is not None:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ConfigError(f"--out {run_dir} is in use by another trainprobe run",
                                  "wait for that run to end, or choose another --out name") \
                    from None
        yield created
    finally:
        os.close(handle)
        if created and run_dir.is_dir() and not any(run_dir.iterdir()):
            run_dir.rmdir()


def clear_leftovers(run_dir: Path) -> list[Path]:
    """Remove the temporary files of killed writers in the run directory and its
    checkpoint folder (this process is the only writer there)."""
    return remove_stale_temps(run_dir) + remove_stale_temps(checkpoint_dir(run_dir))


def _is_temp(path: Path) -> bool:
    return path.name.startswith(".") and path.name.endswith(TEMP_SUFFIX)


def killed_before_first_checkpoint(run_dir: Path) -> bool:
    """True for a folder holding only a run's own files, with no checkpoint of any kind and
    a manifest (if any) of a run that never finished: there is nothing to resume or keep."""
    if not run_dir.is_dir():
        return False
    for entry in run_dir.iterdir():
        if entry.is_symlink() or not (entry.name in _OWN_FILES or entry.name in _OWN_DIRS
                                      or _is_temp(entry)):
            return False
    folder = checkpoint_dir(run_dir)
    if folder.exists() and (not folder.is_dir() or any(
            not _is_temp(entry) or entry.is_symlink() for entry in folder.iterdir())):
        return False  # last.pt, best.pt, or anything else: keep it
    return _manifest_status(run_dir) in (*_UNFINISHED, None)


def _manifest_status(run_dir: Path) -> str | None:
    """The manifest's status; None when there is no manifest (killed before writing it)."""
    try:
        data: Any = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return "unreadable"
    return data.get("status") if isinstance(data, dict) else "unreadable"


def remove_own_files(run_dir: Path) -> None:
    """Delete what a run writes into `run_dir` (nothing else), keeping the folder."""
    for name in _OWN_FILES:
        (run_dir / name).unlink(missing_ok=True)
    for name in _OWN_DIRS:
        folder = run_dir / name
        if folder.is_dir() and not folder.is_symlink():
            shutil.rmtree(folder)
    remove_stale_temps(run_dir)


def _has_checkpoint(run_dir: Path) -> bool:
    folder = checkpoint_dir(run_dir)
    return (folder / LAST).is_file() or (folder / BEST).is_file()


def discard_new_run(run_dir: Path) -> None:
    """Undo the set-up of a new run that failed before its first step: what it wrote
    (`exclusive` then removes the folder if this run created it). Nothing is left to block
    the rerun."""
    if not run_dir.is_dir() or _has_checkpoint(run_dir):
        return
    remove_own_files(run_dir)
