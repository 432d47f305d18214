"""Pure functions over recorded curves: overfit onset, train/val diagnosis, run summary.
They read inspector records and never train."""

from .diagnosis import Check, diagnose
from .onset import Onset, overfit_onset
from .records import Columns, RunLog, read_log
from .run import analyze_run, load_run, read_manifest, read_summary, require_log
from .summary import SUMMARY_SCHEMA, summarize

__all__ = [
    "SUMMARY_SCHEMA",
    "Check",
    "Columns",
    "Onset",
    "RunLog",
    "analyze_run",
    "diagnose",
    "load_run",
    "overfit_onset",
    "read_log",
    "read_manifest",
    "read_summary",
    "require_log",
    "summarize",
]
