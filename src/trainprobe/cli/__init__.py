"""The `trainprobe` command: a thin front over the public API. Each command parses its
flags, calls the library, and formats the result; no training logic lives here.

Exit status: 0 success, 1 the model failed (a rung, a check), 2 bad input, 130 interrupted.
"""

from __future__ import annotations

import sys
import traceback

import click

from .. import __version__
from ..errors import TrainprobeError
from .common import console_err
from .probe_cmd import demo, probe

EXIT_BAD_INPUT = 2


class Main(click.Group):
    """Turns TrainprobeError into one line and exit status 2 (traceback only with --debug)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except TrainprobeError as error:
            if ctx.meta.get("debug"):
                traceback.print_exc()
            console_err.print(f"[bold red]error:[/] {error}", markup=True, highlight=False,
                              soft_wrap=True)
            sys.exit(EXIT_BAD_INPUT)


@click.group(cls=Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="trainprobe")
@click.option("--debug", is_flag=True, help="Show full tracebacks for errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Find out why a PyTorch model does not learn."""
    ctx.meta["debug"] = debug


main.add_command(probe)
main.add_command(demo)
