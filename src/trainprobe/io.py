"""Atomic, durable file writes: a reader never sees a half-written report or checkpoint,
and a published file survives a power cut; and the one YAML reader for settings files
(one-line errors naming the file and the line).

Every write goes to a temporary name `.NAME.*.tmp` beside the target, is fsynced, then
renamed over the target, and the folder is fsynced so the rename itself is on disk. A
process killed mid-write leaves such a temporary file behind; `remove_stale_temps`
clears them when the next run starts in that folder.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError

TEMP_SUFFIX = ".tmp"


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call `write(tmp_path)`, fsync it, then rename tmp_path over `path` (same directory,
    so the rename is atomic on POSIX) and fsync the directory. On failure (or a signal)
    the temporary file is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600; reports are shared
        fsync_file(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
    return path


def fsync_file(path: Path) -> None:
    """Force a file's contents to disk (before it is renamed into place)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Force a folder's entries (a rename into it) to disk. Some file systems refuse
    fsync on a directory; the rename is still atomic there."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temps(folder: str | Path) -> list[Path]:
    """Delete the `.NAME.*.tmp` files that writers killed mid-write left in `folder` (not
    recursive). Only call it where no other process is writing. Returns what was removed."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    removed = []
    for path in folder.iterdir():
        if path.name.startswith(".") and path.name.endswith(TEMP_SUFFIX) and path.is_file() \
                and not path.is_symlink():
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def write_text(path: str | Path, text: str) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_json(path: str | Path, data: Any) -> Path:
    return write_text(path, json.dumps(data, indent=2, allow_nan=False) + "\n")


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_yaml(path: str | Path, role: str, example: str) -> Any:
    """The parsed YAML document of a settings file; a missing file, bad syntax or non-text
    is one ConfigError line. `role` names the file ("config file", "grid file") and
    `example` shows the expected shape in the fix."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{role} {str(path)!r} does not exist",
                          f"pass the path of a YAML file, e.g. {example}")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise ConfigError(f"{path.name}: {yaml_problem(error)}",
                          f"fix the YAML syntax ({example})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path.name} is not UTF-8 text", "save it as a text file") from None


def yaml_problem(error: yaml.YAMLError) -> str:
    """'YAML syntax error at line L, column C: problem' on one line."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return f"YAML syntax error{where}: {problem}"
