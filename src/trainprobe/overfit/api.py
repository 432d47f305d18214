"""`tp.probe()`: the ladder, the diagnosis and the report in one call; the CLI's
`trainprobe probe` is a thin front over it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..diagnose import diagnose_probe
from ..engine import Callback
from ..spec import Spec, load_spec
from .ladder import Mode, ProbeRun, RungResult, run_ladder
from .report import write_report


def probe(spec: Spec | str | Path, sizes: Sequence[int | str] | None = None, *,
          mode: Mode = "progressive", n_samples: int | None = None, keep_going: bool = False,
          seed: int = 0, overrides: dict[str, Any] | None = None, diagnose: bool = True,
          out_dir: str | Path | None = None, json_path: str | Path | None = None,
          on_rung: Callable[[int, RungResult | None], None] | None = None,
          callbacks: Sequence[Callback] = ()) -> tuple[ProbeRun, dict[str, Any]]:
    """Run the overfitting ladder on a spec and return (run, report dict).

    `report` follows the schema trainprobe.report/1; it is also written to
    out_dir/report.json and report.md, and to json_path, when those are given.
    """
    spec = spec if isinstance(spec, Spec) else load_spec(spec)
    run = run_ladder(spec, sizes, mode=mode, n_samples=n_samples, keep_going=keep_going,
                     seed=seed, overrides=overrides, on_rung=on_rung, callbacks=callbacks)
    diagnoses = diagnose_probe(run) if diagnose else []
    report = write_report(run, out_dir, json_path, diagnoses)
    return run, report
