"""lr-sweep and grid as records: the sweep itself (sweep/), then lr_sweep.json and lr.yaml,
or grid.json. `choose_lr` / `grid_search` (trainprobe/api.py) add the pages views/ draw
from them (lr_sweep.md/.html, grid.md); the CLI is a thin front over those."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..engine import Callback, reraise_interrupt
from ..io import write_json, write_text
from ..overfit.ladder import rung_config, train_rung
from ..spec import Spec, as_spec
from ..sweep.grid import GridResult, run_grid
from ..sweep.grid_file import read_grid
from ..sweep.lr_sweep import DEFAULT_LRS, DEFAULT_STEPS, SweepResult, SweepRun, run_lr_sweep
from ..sweep.range_test import check_ramp, run_range_tests
from ..sweep.report import clean, lr_yaml, sweep_report
from ..sweep.rung import choose_rung

__all__ = ["LRSweepOutcome", "search_grid", "sweep_lr", "write_grid_json",
           "write_sweep_records"]

Method = Literal["sweep", "range", "both"]


@dataclass
class LRSweepOutcome:
    report: dict[str, Any]  # schema trainprobe.lr_sweep/1
    sweep: SweepResult | None
    ranges: dict[str, Any] | None
    files: list[Path]

    @property
    def chosen(self) -> float | None:
        return self.report["chosen_lr"]

    @property
    def ok(self) -> bool:
        """A rate was chosen and (when checked) the probe's rung memorized with it."""
        verify = self.report["verify"]
        return self.chosen is not None and (verify is None or verify["passed"])


def sweep_lr(spec: str | Path | Spec, *, rung: int | None = None, method: Method = "both",
             lrs: Sequence[float] = DEFAULT_LRS, steps: int = DEFAULT_STEPS, seeds: int = 3,
             seed: int = 0, min_lr: float = 1e-6, max_lr: float = 1.0, range_steps: int = 100,
             verify: bool = True, out_dir: str | Path | None = None,
             overrides: dict[str, Any] | None = None,
             on_run: Callable[[SweepRun], None] | None = None,
             storage: str | None = None, study_name: str | None = None) -> LRSweepOutcome:
    """Choose a learning rate for the spec at a rung; optionally check it with the probe.
    Writes lr_sweep.json and lr.yaml into out_dir when given.
    `storage`: an Optuna storage URL through which processes share the sweep's runs."""
    if method in ("range", "both"):
        check_ramp(min_lr, max_lr, range_steps)  # before minutes of ladder and sweep
    spec = as_spec(spec, "choose_lr")
    train_data, _ = spec.build_data()
    where = choose_rung(spec, train_data, rung, seed, overrides)
    seed_list = list(range(seed, seed + seeds))
    sweep = ranges = None
    if method in ("sweep", "both"):
        sweep = run_lr_sweep(spec, train_data, where.n, lrs=lrs, steps=steps, seeds=seed_list,
                             overrides=overrides, on_run=on_run, storage=storage,
                             study_name=study_name)
    if method in ("range", "both"):
        ranges = run_range_tests(spec, train_data, where.n, seeds=seed_list, min_lr=min_lr,
                                 max_lr=max_lr, steps=range_steps, overrides=overrides)
    chosen, chosen_by = (sweep.chosen, "sweep") if sweep else (ranges["suggestion"], "range")
    checked = _check_rate(spec, train_data, where.n, chosen, seed, overrides) \
        if verify and chosen else None
    report = sweep_report(spec_name=spec.title, task=spec.task.name, rung=where.n,
                          rung_source=where.why, method=method, sweep=sweep, ranges=ranges,
                          chosen=chosen, chosen_by=chosen_by if chosen else None,
                          verify=checked)
    files = write_sweep_records(Path(out_dir), report) if out_dir else []
    return LRSweepOutcome(report, sweep, ranges, files)


def _check_rate(spec: Spec, train_data: Sequence[Any], n: int, lr: float, seed: int,
               overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Run the probe's own rung n with the chosen rate (presets + CONFIG + lr)."""
    config = rung_config(spec, n, "single", seed, {**(overrides or {}), "lr": lr})
    rung = train_rung(spec, train_data, n, config)
    reraise_interrupt(rung.stop_reason)
    return {"lr": lr, "n": n, "passed": rung.passed, "steps": rung.steps,
            "seconds": round(rung.seconds, 3), "final_loss": rung.final_loss,
            "stop_reason": rung.stop_reason}


def search_grid(spec: str | Path | Spec, grid_path: str | Path, *, rung: int | None = None,
         storage: str | None = None, study_name: str | None = None, jobs: int = 1,
         trials: int | None = None, seed: int = 0, out_dir: str | Path | None = None,
         overrides: dict[str, Any] | None = None,
         callbacks: Sequence[Callback] = ()) -> tuple[GridResult, str, list[Path]]:
    """Run or resume a configuration grid; returns (result, rung source, files written:
    grid.json into out_dir when given)."""
    spec = as_spec(spec, "grid_search")
    space = read_grid(grid_path)  # bad grid files fail before any training
    train_data, _ = spec.build_data()
    where = choose_rung(spec, train_data, rung, seed, overrides)
    result = run_grid(spec, train_data, where.n, space, storage=storage, study_name=study_name,
                      jobs=jobs, trials=trials, seed=seed, overrides=overrides,
                      callbacks=callbacks)
    files = [write_grid_json(Path(out_dir), result)] if out_dir else []
    return result, where.why, files


def write_sweep_records(out_dir: Path, report: dict[str, Any]) -> list[Path]:
    """lr_sweep.json, and lr.yaml (train's config format) when a rate was chosen."""
    written = [write_json(out_dir / "lr_sweep.json", report)]
    if report["chosen_lr"] is not None:
        written.append(write_text(out_dir / "lr.yaml",
                                  lr_yaml(report["chosen_lr"], report["chosen_by"])))
    return written


def write_grid_json(out_dir: Path, result: GridResult) -> Path:
    return write_json(out_dir / "grid.json", clean(result.to_dict()))
