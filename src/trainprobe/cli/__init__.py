"""The `trainprobe` command: a thin front over the public API. Each command parses its
flags, calls the library, and formats the result; no training logic lives here.

Exit status: 0 success, 1 the model failed (a rung, a check), 2 bad input, 130 interrupted.
"""

from __future__ import annotations

import errno
import logging
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click
import torch
from rich.text import Text

from .._version import __version__
from ..errors import LOG, TrainprobeError, UserCodeError
from .common import EXIT_BAD_INPUT, EXIT_INTERRUPTED, console_err
from .dashboard_cmd import compare, dashboard
from .diagnose_cmd import diagnose
from .probe_cmd import demo, probe
from .sweep_cmd import grid, lr_sweep
from .train_cmd import train_command, transition

__all__ = ["main"]

#: errors of the file system that are the user's to fix (a read-only or full folder, a
#: file where a folder is expected), reported as one line, never a traceback
_FILE_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT,
                errno.ENOTDIR, errno.EISDIR, errno.ENAMETOOLONG, errno.ELOOP, errno.EEXIST}


class _Main(click.Group):
    """Every way a command can end badly becomes one line: TrainprobeError and file-system
    errors exit 2 (traceback only with --debug), a usage error exits 2 with the command's
    --help as the fix, Ctrl-C or SIGTERM anywhere exit 130 (temporary files removed)."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        with _sigterm_interrupts():
            try:
                value = super().main(args, prog_name, complete_var, standalone_mode=False,
                                     **extra)
            except click.UsageError as error:
                _usage_line(error)
                sys.exit(EXIT_BAD_INPUT)
            except click.ClickException as error:
                error.show()
                sys.exit(error.exit_code)
            except click.Abort:  # Ctrl-C while click itself was running (parsing, prompts)
                console_err.print("interrupted", style="yellow")
                sys.exit(EXIT_INTERRUPTED)
        if not standalone_mode:
            return value
        sys.exit(value if isinstance(value, int) else 0)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except TrainprobeError as error:  # user code's tracebacks were logged when caught
            _error_line(ctx, str(error), show_traceback=not isinstance(error, UserCodeError))
        except OSError as error:
            if error.errno not in _FILE_ERRNOS:
                raise
            where = f" {error.filename}" if error.filename else ""
            _error_line(ctx, f"cannot use{where}: {error.strerror}; choose a folder you can "
                            "write to (and that has free space), or fix its permissions")
        except KeyboardInterrupt:  # Ctrl-C or SIGTERM outside a training loop
            console_err.print("interrupted", style="yellow")
            sys.exit(EXIT_INTERRUPTED)


def _error_line(ctx: click.Context, message: str, show_traceback: bool = True) -> None:
    if ctx.meta.get("debug") and show_traceback:
        traceback.print_exc()
    # Text, not markup: a message may hold brackets ("sizes [1, 2]")
    console_err.print(Text.assemble(("error:", "bold red"), f" {message}"), soft_wrap=True)
    sys.exit(EXIT_BAD_INPUT)


def _show_debug_log(ctx: click.Context) -> None:
    """--debug: the "trainprobe" logger's DEBUG records on stderr, for this command only.
    They hold the full traceback of every exception from user code, including those the
    probe and the diagnosis turn into findings rather than errors."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("debug: %(message)s"))
    LOG.addHandler(handler)
    level = LOG.level
    LOG.setLevel(logging.DEBUG)  # setLevel, not .level =: it clears the enabled cache

    def remove() -> None:
        LOG.removeHandler(handler)
        LOG.setLevel(level)

    ctx.call_on_close(remove)


def _usage_line(error: click.UsageError) -> None:
    """click's four-line usage block as one line with the fix: where to read the usage."""
    command = error.ctx.command_path if error.ctx is not None else "trainprobe"
    message = " ".join(error.format_message().split()).rstrip(".")
    console_err.print(Text.assemble(("error:", "bold red"), f" {message}; see `{command} "
                                    "--help` for the usage"), soft_wrap=True)


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt like Ctrl-C, so that outside a training loop too
    (importing a spec, writing the dashboard) temporary files are removed and the command
    exits 130. Inside fit() the run's own handler takes over (a graceful stop)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="trainprobe")
@click.option("--debug", is_flag=True, help="Show full tracebacks for errors.")
@click.option("--threads", type=click.IntRange(min=1),
              help="CPU threads for torch (default: torch's own choice). Small models on a "
                   "busy machine run much faster with --threads 1.")
@click.pass_context
def main(ctx: click.Context, debug: bool, threads: int | None) -> None:
    """Find out why a PyTorch model does not learn."""
    ctx.meta["debug"] = debug
    if debug:
        _show_debug_log(ctx)
    if threads is not None:
        torch.set_num_threads(threads)


main.add_command(probe)
main.add_command(demo)
main.add_command(diagnose)
main.add_command(lr_sweep)
main.add_command(grid)
main.add_command(dashboard)
main.add_command(compare)
main.add_command(train_command)
main.add_command(transition)
