"""report.json's content (schema trainprobe.report/2) from a ProbeRun; report.md is
rendered by views/probe_report.py; report.json is written by workflows/probe.py and
report.md by views/publish.py (tp.probe, in api.py, does both).

The JSON schema is a contract documented in the README: change it only on purpose, and
bump the schema string when you do.
"""

from __future__ import annotations

from typing import Any

from ..formatting import finite_or_none
from .ladder import ProbeRun, RungResult

__all__ = ["READABLE_SCHEMAS", "SCHEMA", "report_dict"]

SCHEMA = "trainprobe.report/2"
#: every schema a reader accepts: /1 had no per-rung "status" (every rung ran)
READABLE_SCHEMAS = ("trainprobe.report/1", SCHEMA)


def _rung_entry(rung: RungResult) -> dict[str, Any]:
    return {
        "n": rung.n,
        "passed": rung.passed,
        "status": rung.status,
        "steps": rung.steps,
        "seconds": round(rung.seconds, 3),
        "final_loss": finite_or_none(rung.final_loss),
        "metric": {"name": rung.metric_name, "value": finite_or_none(rung.metric_value)},
        "note": rung.stop_reason if rung.status == "not_applicable" else None,
    }


def report_dict(run: ProbeRun, diagnoses: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "task": run.spec.task.name,
        "verdict": run.verdict,
        "breaking_point": run.breaking_point,
        "ladder": [_rung_entry(r) for r in run.rungs],
        "diagnoses": diagnoses or [],
    }
