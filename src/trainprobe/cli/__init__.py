"""The `trainprobe` command: a thin front over the public API. Each command parses its
flags, calls the library, and formats the result; no training logic lives here.

Exit status: 0 success, 1 the model failed (a rung, a check), 2 bad input, 130 interrupted.
"""

from __future__ import annotations

import sys
import traceback

import click
import torch
from rich.text import Text

from .._version import __version__
from ..errors import TrainprobeError
from .common import EXIT_BAD_INPUT, EXIT_INTERRUPTED, console_err
from .dashboard_cmd import compare, dashboard
from .diagnose_cmd import diagnose
from .probe_cmd import demo, probe
from .sweep_cmd import grid, lr_sweep
from .train_cmd import train_command, transition


class Main(click.Group):
    """Turns TrainprobeError into one line and exit status 2 (traceback only with --debug)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except TrainprobeError as error:
            if ctx.meta.get("debug"):
                traceback.print_exc()
            # Text, not markup: a message may hold brackets ("sizes [1, 2]")
            console_err.print(Text.assemble(("error:", "bold red"), f" {error}"), soft_wrap=True)
            sys.exit(EXIT_BAD_INPUT)
        except KeyboardInterrupt:  # Ctrl-C outside a training loop (set-up, analysis)
            console_err.print("interrupted", style="yellow")
            sys.exit(EXIT_INTERRUPTED)


@click.group(cls=Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="trainprobe")
@click.option("--debug", is_flag=True, help="Show full tracebacks for errors.")
@click.option("--threads", type=click.IntRange(min=1),
              help="CPU threads for torch (default: torch's own choice). Small models on a "
                   "busy machine run much faster with --threads 1.")
@click.pass_context
def main(ctx: click.Context, debug: bool, threads: int | None) -> None:
    """Find out why a PyTorch model does not learn."""
    ctx.meta["debug"] = debug
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
