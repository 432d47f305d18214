"""A full training run as records: train/run.py writes the run directory (manifest, log,
checkpoints), then the analysis reads it back into summary.json. Drawing it
(gap-analysis.md, dashboard.html) is views/' job; `tp.train()` (trainprobe/api.py) does
both, so `trainprobe dashboard RUN_DIR` redraws exactly what a finished run drew."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..analysis.records import RunLog
from ..analysis.run import SUMMARY_NAME, analyze_run, load_run, require_log
from ..engine import Callback
from ..engine.distributed import current
from ..spec import Spec
from ..train.run import ConfigLike, TrainResult, run_training

__all__ = ["LoadedRun", "analyze_missing", "analyze_run_dir", "train_and_analyze"]

LoadedRun = tuple[RunLog, dict[str, Any]]  # the parsed log and manifest (analysis.load_run)


def train_and_analyze(spec: Spec | str | Path, config: ConfigLike = None,
                      out_dir: str | Path = "runs/run", *, resume: bool = False,
                      overrides: Mapping[str, Any] | None = None,
                      callbacks: Sequence[Callback] = (),
                      allow_changed_spec: bool = False) -> tuple[TrainResult, LoadedRun | None]:
    """Train SPEC into `out_dir` (train.run.run_training), then write summary.json and set
    `result.summary`. Returns the parsed run too, so a view can draw it without parsing
    the log again; None on the torchrun ranks that wrote nothing."""
    result = run_training(spec, config, out_dir, resume=resume, overrides=overrides,
                          callbacks=callbacks, allow_changed_spec=allow_changed_spec)
    if not current().is_main:  # under torchrun only rank 0 wrote the run directory
        return result, None
    result.summary, loaded = analyze_run_dir(result.run_dir)
    return result, loaded


def analyze_run_dir(run_dir: str | Path) -> tuple[dict[str, Any], LoadedRun]:
    """summary.json for a run directory, and the log parsed once on the way."""
    loaded = load_run(run_dir)
    return analyze_run(run_dir, loaded), loaded


def analyze_missing(run_dirs: Sequence[str | Path]) -> None:
    """Write summary.json for each run that has none yet (e.g. a log written by
    tp.Inspector in your own loop); a directory without a log is named before any work."""
    for run_dir in run_dirs:
        require_log(run_dir)
    for run_dir in run_dirs:
        if not (Path(run_dir) / SUMMARY_NAME).is_file():
            analyze_run(run_dir)
