"""The rendered files of each command, written next to the records the workflows left:
report.md beside report.json, lr_sweep.md/.html beside lr_sweep.json, grid.md beside
grid.json, gap-analysis.md and dashboard.html in a run directory. Kept here, not in
workflows/, so that the records never depend on how they are drawn (views sit above
workflows in the layer contract)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..analysis.records import RunLog
from ..io import write_text
from ..overfit.ladder import ProbeRun
from ..sweep.grid import GridResult
from ..sweep.lr_sweep import SweepResult
from .dashboard import write_dashboard
from .gap_report import write_gap_report
from .probe_report import report_markdown
from .sweep_plots import sweep_html
from .sweep_report import grid_markdown, sweep_markdown

__all__ = ["render_run", "write_grid_markdown", "write_probe_markdown", "write_sweep_pages"]


def render_run(run_dir: str | Path, summary: dict[str, Any],
               loaded: tuple[RunLog, dict[str, Any]] | None = None) -> Path:
    """gap-analysis.md and dashboard.html from a run directory and its summary.json's
    content (`loaded`: the log already parsed by the analysis, so it is parsed once);
    returns the dashboard's path."""
    write_gap_report(run_dir, summary)
    return write_dashboard(run_dir, summary, loaded)


def write_probe_markdown(out_dir: str | Path, run: ProbeRun, report: dict[str, Any]) -> Path:
    """report.md, the readable twin of the report.json the probe workflow wrote."""
    return write_text(Path(out_dir) / "report.md", report_markdown(run, report))


def write_sweep_pages(out_dir: str | Path, report: dict[str, Any], sweep: SweepResult | None,
                      ranges: dict[str, Any] | None) -> list[Path]:
    """lr_sweep.md and lr_sweep.html, drawn from what lr_sweep.json records."""
    return [write_text(Path(out_dir) / "lr_sweep.md", sweep_markdown(report)),
            write_text(Path(out_dir) / "lr_sweep.html", sweep_html(sweep, ranges))]


def write_grid_markdown(out_dir: str | Path, result: GridResult, spec_name: str) -> Path:
    """grid.md, the ranked table of what grid.json records."""
    return write_text(Path(out_dir) / "grid.md", grid_markdown(result, spec_name))
