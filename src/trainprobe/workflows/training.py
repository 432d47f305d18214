"""`tp.train()`: one full training run (train/run.py), then its run directory analysed
(summary.json) and rendered (gap-analysis.md and dashboard.html, by views/). The run only
writes records; the analysis and the views read them back from the directory, so
`trainprobe dashboard RUN_DIR` redraws exactly what a finished run drew."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.progress import Progress

from ..analysis.records import RunLog
from ..analysis.run import SUMMARY_NAME, analyze_run, load_run, require_log
from ..engine import Callback
from ..engine.distributed import current
from ..spec import Spec
from ..train.run import ConfigLike, TrainResult, run_training
from ..views.dashboard import write_comparison, write_dashboard
from ..views.gap_report import write_gap_report
from ..views.progress import ProgressCallback

__all__ = ["compare_runs", "render_run", "report_run", "train"]


def train(spec: Spec | str | Path, config: ConfigLike = None,
          out_dir: str | Path = "runs/run", *, resume: bool = False,
          overrides: Mapping[str, Any] | None = None, callbacks: Sequence[Callback] = (),
          progress: Progress | None = None, allow_changed_spec: bool = False) -> TrainResult:
    """Train SPEC into `out_dir` with checkpoints, early stopping, the inspector log and a
    manifest; then write the analysis, the gap report and the dashboard. Ctrl-C or SIGTERM
    end the run at the next step boundary with a checkpoint (status "interrupted",
    resumable). `allow_changed_spec`: let --resume continue a run whose spec file or data
    changed (recorded in the manifest; refused otherwise)."""
    extra = list(callbacks)
    if progress is not None:
        extra.append(ProgressCallback(progress, f"train {Path(out_dir).name}"))
    result = run_training(spec, config, out_dir, resume=resume, overrides=overrides,
                          callbacks=extra, allow_changed_spec=allow_changed_spec)
    if current().is_main:  # under torchrun only rank 0 wrote the run directory
        result.summary, result.dashboard = report_run(result.run_dir)
    return result


def report_run(run_dir: str | Path) -> tuple[dict[str, Any], Path]:
    """Analyse a run directory (summary.json) and render it; the log is parsed once."""
    loaded = load_run(run_dir)
    summary = analyze_run(run_dir, loaded)
    return summary, render_run(run_dir, summary, loaded)


def render_run(run_dir: str | Path, summary: dict[str, Any],
               loaded: tuple[RunLog, dict[str, Any]] | None = None) -> Path:
    """gap-analysis.md and dashboard.html from a run directory and its summary.json's
    content; returns the dashboard's path."""
    write_gap_report(run_dir, summary)
    return write_dashboard(run_dir, summary, loaded)


def compare_runs(run_dirs: Sequence[str | Path], out_path: str | Path) -> Path:
    """The comparison page. A run without summary.json yet (e.g. a log written by
    tp.Inspector in your own loop) is analysed first, which writes its summary.json."""
    for run_dir in run_dirs:
        require_log(run_dir)  # name the bad directory before doing any work
    for run_dir in run_dirs:
        if not (Path(run_dir) / SUMMARY_NAME).is_file():
            analyze_run(run_dir)
    return write_comparison(list(run_dirs), out_path)
