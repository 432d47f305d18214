"""The probe as records: the ladder, the diagnosis and report.json in one call.
`tp.probe()` (trainprobe/api.py) is this plus report.md, drawn by views/.

It lives above both `overfit` (the ladder) and `diagnose` (which reads the ladder's
results), so neither of those packages needs the other's entry point: the diagnosis
imports the ladder, the ladder never imports the diagnosis.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..diagnose import diagnose_probe
from ..engine import Callback
from ..io import write_json
from ..overfit.ladder import Mode, ProbeRun, RungResult, run_ladder
from ..overfit.report import report_dict
from ..spec import Spec, as_spec

__all__ = ["run_probe", "write_report_json"]


def run_probe(spec: Spec | str | Path, sizes: Sequence[int | str] | None = None, *,
              mode: Mode = "progressive", n_samples: int | None = None,
              keep_going: bool = False, seed: int = 0,
              overrides: dict[str, Any] | None = None, diagnose: bool = True,
              out_dir: str | Path | None = None, json_path: str | Path | None = None,
              on_rung: Callable[[int, RungResult | None], None] | None = None,
              callbacks: Sequence[Callback] = ()) -> tuple[ProbeRun, dict[str, Any]]:
    """Run the overfitting ladder on a spec and return (run, report dict).

    `report` follows the schema trainprobe.report/2; it is also written to
    out_dir/report.json, and to json_path, when those are given.
    """
    spec = as_spec(spec, "tp.probe")
    run = run_ladder(spec, sizes, mode=mode, n_samples=n_samples, keep_going=keep_going,
                     seed=seed, overrides=overrides, on_rung=on_rung, callbacks=callbacks)
    diagnoses = diagnose_probe(run) if diagnose else []
    report = write_report_json(run, out_dir, json_path, diagnoses)
    return run, report


def write_report_json(run: ProbeRun, out_dir: str | Path | None,
                      json_path: str | Path | None,
                      diagnoses: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """report.json into out_dir and to json_path, when given; returns the report."""
    report = report_dict(run, diagnoses)
    if out_dir is not None:
        write_json(Path(out_dir) / "report.json", report)
    if json_path is not None:
        write_json(json_path, report)
    return report
