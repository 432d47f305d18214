"""analyze_run(run_dir): read the inspector log (and manifest), write summary.json
atomically, return the summary. Rendering it (gap-analysis.md, dashboard.html) is the
views' job, called by the fronts in api.py after workflows/training.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import TrainprobeError
from ..instruments.logfile import LOG_NAME
from ..io import write_json
from .records import RunLog, read_log
from .summary import summarize

SUMMARY_NAME = "summary.json"


def require_log(run_dir: str | Path) -> Path:
    """The log path of a run directory, or a one-line error naming what is missing."""
    run_dir = Path(run_dir)
    log = run_dir / LOG_NAME
    if not log.is_file():
        raise TrainprobeError(f"{run_dir} has no {LOG_NAME}",
                              "point at a run directory written by `trainprobe train` or by "
                              "tp.Inspector(model, log_dir)")
    return log


#: manifest keys the analysis reads, and the JSON type each must have
MANIFEST_MAPPINGS = ("config", "best_checkpoint", "spec", "data")


def read_manifest(run_dir: str | Path) -> dict[str, Any]:
    """manifest.json as a dict; {} when absent or not JSON (analysis does not need it). A
    manifest whose keys have the wrong type (edited by hand) is a one-line error."""
    path = Path(run_dir) / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    for key in MANIFEST_MAPPINGS:
        if data.get(key) is not None and not isinstance(data[key], dict):
            raise TrainprobeError(f"{path}: {key!r} is {type(data[key]).__name__} "
                                  f"{data[key]!r}, not a mapping",
                                  "restore the manifest written by `trainprobe train`, or "
                                  "delete it (the analysis works without it)")
    return data


def load_run(run_dir: str | Path) -> tuple[RunLog, dict[str, Any]]:
    """The parsed inspector log and the manifest: read once per command, then handed to
    the analysis and the views alike."""
    return read_log(require_log(run_dir)), read_manifest(run_dir)


def analyze_run(run_dir: str | Path,
                loaded: tuple[RunLog, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Analyse one run directory; writes summary.json next to the log. `loaded`: the
    run's (log, manifest) when the caller has already read them (see load_run)."""
    run_dir = Path(run_dir)
    run, manifest = loaded if loaded is not None else load_run(run_dir)
    summary = summarize(run, manifest, str(run_dir))
    write_json(run_dir / SUMMARY_NAME, summary)
    return summary


def read_summary(run_dir: str | Path) -> dict[str, Any]:
    """summary.json of a run directory, as the analysis wrote it; a one-line error when
    it is missing (the views render it and never recompute it)."""
    path = Path(run_dir) / SUMMARY_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TrainprobeError(f"{run_dir} has no {SUMMARY_NAME}",
                              f"run `trainprobe dashboard {run_dir}` (it analyses the run "
                              "first), or trainprobe.analysis.analyze_run(run_dir)") from None
    except (OSError, ValueError) as error:
        raise TrainprobeError(f"{path} cannot be read ({error})",
                              f"rewrite it with `trainprobe dashboard {run_dir}`") from None
    return data
