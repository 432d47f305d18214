"""Errors that end a command with exit status 2 and one line of advice.

The CLI prints `str(error)` and nothing else (no traceback unless --debug), so every
message names the problem *and* the fix. An exception from user code is often not fatal
(the probe turns it into a finding); its traceback goes to the "trainprobe" logger at
DEBUG level, which `--debug` prints.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

#: `trainprobe --debug` shows this logger's records (the full tracebacks) on stderr
LOG = logging.getLogger("trainprobe")


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
        # the traceback is kept for --debug even when this error becomes a finding
        LOG.debug("%s raised %s", stage, type(error).__name__,
                  exc_info=(type(error), error, error.__traceback__))
        where = f" at {self.location}" if self.location else ""
        super().__init__(
            f"{stage} raised {type(error).__name__}: {first_line(error)}{where}",
            "fix that code (rerun with --debug for the full traceback)",
        )


def first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else ""


def user_frame(error: BaseException, user_files: tuple[str, ...] = ()) -> str | None:
    """`file:line` where the exception was raised, the way the user should read it: the
    innermost frame in `user_files` (their spec), else the innermost frame outside
    trainprobe and torch (their other modules, or a library they use), else the innermost
    torch frame, else trainprobe's own (an error inside trainprobe, e.g. its collate).
    Never a file the traceback does not pass through; None only without a traceback."""
    frames = [f for f in traceback.extract_tb(error.__traceback__)
              if f.filename and not f.filename.startswith("<")]
    wanted = {str(Path(f).resolve()) for f in user_files}
    for frame in reversed(frames):
        if str(Path(frame.filename).resolve()) in wanted:
            return f"{frame.filename}:{frame.lineno}"
    outside = [f for f in frames if not in_package(f.filename)]  # the user's, a library's
    mine = [f for f in outside if "/torch/" not in f.filename]
    for found in (mine, outside, frames):  # trainprobe's own frame only when nothing else
        if found:
            return f"{short_path(found[-1].filename)}:{found[-1].lineno}"
    return None


def in_package(filename: str) -> bool:
    return filename.startswith(str(Path(__file__).parent))


def short_path(filename: str) -> str:
    """trainprobe's and installed libraries' files from their package name on
    (`trainprobe/tasks/base.py`, `torch/nn/functional.py`); the user's files in full."""
    if in_package(filename):
        return str(Path(filename).relative_to(Path(__file__).parents[1]))
    for marker in ("/site-packages/", "/dist-packages/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename
