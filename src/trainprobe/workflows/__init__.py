"""Workflows: what one user command does from start to end, as records: the ladder and
the diagnosis into report.json, a training run analysed into summary.json, the sweeps into
lr_sweep.json / grid.json. They sit below views/, which draw those records; the public
functions that do both (`tp.probe()`, `tp.train()`, `report_run`, `choose_lr`, ...) are
the thin fronts in `trainprobe.api`."""

from .probe import run_probe, write_report_json
from .sweeps import LRSweepOutcome, search_grid, sweep_lr
from .training import LoadedRun, analyze_missing, analyze_run_dir, train_and_analyze

__all__ = ["LRSweepOutcome", "LoadedRun", "analyze_missing", "analyze_run_dir",
           "run_probe", "search_grid", "sweep_lr", "train_and_analyze", "write_report_json"]

# Names this package exported before the fronts moved to trainprobe.api (they also render)
_MOVED_TO_API = ("choose_lr", "compare_runs", "grid_search", "render_run", "report_run",
                 "train", "write_report")


def __getattr__(name: str) -> object:
    """A moved name is an error that says where it went, not a bare AttributeError."""
    if name in _MOVED_TO_API:
        raise AttributeError(f"trainprobe.workflows.{name} moved to trainprobe.api.{name} "
                             "(workflows write the records; the api also renders them)")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
