"""Views: every renderer (terminal tables, progress, markdown reports, the dashboard, the
gradient-flow chart, sweep plots). They read recorded data (a run directory, a report
dict) and never train or recompute an analysis."""

from .dashboard import write_comparison, write_dashboard
from .gap_report import write_gap_report
from .gradflow import gradflow_bars, write_html, write_png
from .probe_report import report_markdown
from .progress import ProgressCallback, make_progress
from .sweep_report import grid_markdown, sweep_markdown

__all__ = ["ProgressCallback", "grid_markdown", "gradflow_bars", "make_progress",
           "report_markdown", "sweep_markdown", "write_comparison", "write_dashboard",
           "write_gap_report", "write_html", "write_png"]
