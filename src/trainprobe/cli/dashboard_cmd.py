"""`trainprobe dashboard RUN_DIR` and `trainprobe compare RUN_A RUN_B ...`."""

from __future__ import annotations

from pathlib import Path

import click
from rich.text import Text

from ..api import compare_runs, report_run
from .common import console

__all__ = ["compare", "dashboard"]

_VERDICT_STYLES = {"diverged": "bold red reverse", "overfitting": "bold red", "underfitting": "bold magenta",
                   "healthy": "bold green", "inconclusive": "bold"}


def _verdict_text(summary: dict) -> Text:
    verdict = summary["verdict"]
    return Text.assemble((verdict.upper(), _VERDICT_STYLES.get(verdict, "bold")),
                         f"  {summary['headline']}")


@click.command()
@click.argument("run_dir", type=click.Path(path_type=Path, file_okay=False))
def dashboard(run_dir: Path) -> None:
    """Re-run the analysis of RUN_DIR and re-render its dashboard.html.

    Writes summary.json, gap-analysis.md and dashboard.html next to inspector.log.jsonl.
    """
    summary, path = report_run(run_dir)
    console.print(_verdict_text(summary))
    console.print(f"wrote {run_dir / 'gap-analysis.md'}, {run_dir / 'summary.json'}, {path}")


@click.command()
@click.argument("run_dirs", nargs=-1, required=True,
                type=click.Path(path_type=Path, file_okay=False))
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              default=Path("compare.html"), show_default=True,
              help="Where to write the comparison page.")
def compare(run_dirs: tuple[Path, ...], out: Path) -> None:
    """Overlay several runs (losses, LR, metric, gradient norm) in one HTML page."""
    path = compare_runs(list(run_dirs), out)
    console.print(f"wrote {path} ({len(run_dirs)} runs)")
