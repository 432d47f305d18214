"""Workflows: what one user command does from start to end, assembled from the layers
below (the ladder, the diagnosis, training, sweeps) and the views that render their
records. `tp.probe()` and `tp.train()` are here; the CLI is a thin front over them."""

from .probe import probe, write_report
from .sweeps import LRSweepOutcome, choose_lr, grid_search
from .training import compare_runs, render_run, report_run, train

__all__ = ["LRSweepOutcome", "choose_lr", "compare_runs", "grid_search", "probe",
           "render_run", "report_run", "train", "write_report"]
