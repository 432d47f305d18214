"""`tp.train()`: one full training run (train/run.py), then its run directory rendered
(gap-analysis.md and dashboard.html, by views/). The run only writes records; rendering
reads them back from the directory, so `trainprobe dashboard RUN_DIR` redraws exactly what
a finished run drew."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.progress import Progress

from ..analysis import analyze_run
from ..engine import Callback
from ..spec import Spec
from ..train.run import ConfigLike, TrainResult, run_training
from ..views.dashboard import write_dashboard
from ..views.gap_report import write_gap_report
from ..views.progress import ProgressCallback

__all__ = ["render_run", "report_run", "train"]


def train(spec: Spec | str | Path, config: ConfigLike = None,
          out_dir: str | Path = "runs/run", *, resume: bool = False,
          overrides: Mapping[str, Any] | None = None, callbacks: Sequence[Callback] = (),
          progress: Progress | None = None, allow_changed_spec: bool = False) -> TrainResult:
    """Train SPEC into `out_dir` with checkpoints, early stopping, the inspector log and a
    manifest; then write the gap analysis and the dashboard. Ctrl-C or SIGTERM end the run
    at the next step boundary with a checkpoint (status "interrupted", resumable).
    `allow_changed_spec`: let --resume continue a run whose spec file or data changed
    (recorded in the manifest; refused otherwise)."""
    extra = list(callbacks)
    if progress is not None:
        extra.append(ProgressCallback(progress, f"train {Path(out_dir).name}"))
    result = run_training(spec, config, out_dir, resume=resume, overrides=overrides,
                          callbacks=extra, allow_changed_spec=allow_changed_spec)
    if result.summary is not None:
        result.dashboard = render_run(result.run_dir, result.summary)
    return result


def render_run(run_dir: str | Path, summary: dict[str, Any]) -> Path:
    """gap-analysis.md and dashboard.html from a run directory whose summary.json is
    written; returns the dashboard's path."""
    write_gap_report(run_dir, summary)
    return write_dashboard(run_dir, summary)


def report_run(run_dir: str | Path) -> tuple[dict[str, Any], Path]:
    """Re-run the analysis of a run directory (summary.json) and re-render it."""
    summary = analyze_run(run_dir)
    return summary, render_run(run_dir, summary)
