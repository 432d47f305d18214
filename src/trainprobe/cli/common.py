"""Shared CLI pieces: consoles, option parsing helpers, progress display."""

from __future__ import annotations

import sys
from typing import Any

import click
from rich.console import Console

__all__ = ["EXIT_BAD_INPUT", "EXIT_INTERRUPTED", "SEED", "console", "console_err", "exit_with",
           "parse_sizes"]

#: exit statuses shared by every command (each command's help names its own)
EXIT_BAD_INPUT = 2  # a TrainprobeError: one line naming the problem and the fix
EXIT_INTERRUPTED = 130  # Ctrl-C or SIGTERM (128 + SIGINT), as shells report it
#: the seeds torch.manual_seed accepts; a larger --seed is a one-line usage error
SEED = click.IntRange(0, 2**63 - 1)

console = Console(highlight=False)
console_err = Console(stderr=True, highlight=False)


def parse_sizes(text: str | None) -> list[int | str] | None:
    """'1,2,5,full' -> [1, 2, 5, 'full']; whitespace and repeated commas are tolerated."""
    if text is None:
        return None
    sizes: list[int | str] = []
    for part in text.replace(" ", ",").split(","):
        if not part:
            continue
        if part == "full":
            sizes.append("full")
        elif part.isdigit():
            sizes.append(int(part))
        else:
            raise click.BadParameter(f"{part!r} is not a rung size; use integers or 'full', "
                                     "e.g. --sizes 1,2,5,10,full", param_hint="--sizes")
    if not sizes:
        raise click.BadParameter("no rung sizes given; e.g. --sizes 1,2,5",
                                 param_hint="--sizes")
    return sizes



def exit_with(code: int) -> Any:
    sys.exit(code)
