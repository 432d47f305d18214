"""Atomic file writes (a reader never sees a half-written report or checkpoint) and the
one YAML reader for settings files (one-line errors naming the file and the line)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from .errors import ConfigError


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call `write(tmp_path)`, then rename tmp_path over `path` (same directory, so the
    rename is atomic on POSIX). On failure the temporary file is removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600; reports are shared
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


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
