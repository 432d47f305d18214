"""Errors that end a command with exit status 2 and one line of advice.

The CLI prints `str(error)` and nothing else (no traceback unless --debug), so every
message names the problem *and* the fix.
"""

from __future__ import annotations

import traceback
from pathlib import Path


class TrainprobeError(Exception):
    """Bad input from the user: a spec, a flag, a config file. Exit status 2."""

    def __init__(self, problem: str, fix: str | None = None):
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem}; {fix}" if fix else problem)


class SpecError(TrainprobeError):
    """The spec file does not follow the contract documented in the README."""


class ConfigError(TrainprobeError):
    """A CONFIG dict, config.yaml or grid.yaml holds an unknown key or a bad value."""


class UserCodeError(TrainprobeError):
    """An exception raised inside the user's own code (model, data, loss).

    Carries the innermost frame that belongs to the user's files, so that a diagnosis or
    an error line can point at *their* file and line, not at trainprobe's.
    """

    def __init__(self, stage: str, error: BaseException, user_files: tuple[str, ...] = ()):
        self.stage = stage
        self.error = error
        self.location = user_frame(error, user_files)
        where = f" at {self.location}" if self.location else ""
        super().__init__(
            f"{stage} raised {type(error).__name__}: {first_line(error)}{where}",
            "fix that code (rerun with --debug for the full traceback)",
        )


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else ""


def user_frame(error: BaseException, user_files: tuple[str, ...] = ()) -> str | None:
    """`file:line` of the innermost traceback frame outside torch and trainprobe."""
    package_dir = str(Path(__file__).parent)
    frames = traceback.extract_tb(error.__traceback__)
    wanted = [str(Path(f).resolve()) for f in user_files]
    for frame in reversed(frames):
        path = str(Path(frame.filename).resolve()) if frame.filename else ""
        if wanted and path in wanted:
            return f"{frame.filename}:{frame.lineno}"
    for frame in reversed(frames):
        name = frame.filename
        if name.startswith(package_dir) or "/torch/" in name or name.startswith("<"):
            continue
        return f"{name}:{frame.lineno}"
    return None
