"""lr-sweep and grid as library calls (the CLI is a thin front over these): the sweep
itself (sweep/), then the files it leaves behind, rendered by views/."""

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
from ..views.sweep_plots import sweep_html
from ..views.sweep_report import grid_markdown, sweep_markdown

__all__ = ["LRSweepOutcome", "choose_lr", "grid_search", "write_grid_files",
           "write_sweep_files"]

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


def choose_lr(spec: str | Path | Spec, *, rung: int | None = None, method: Method = "both",
             lrs: Sequence[float] = DEFAULT_LRS, steps: int = DEFAULT_STEPS, seeds: int = 3,
             seed: int = 0, min_lr: float = 1e-6, max_lr: float = 1.0, range_steps: int = 100,
             verify: bool = True, out_dir: str | Path | None = None,
             overrides: dict[str, Any] | None = None,
             on_run: Callable[[SweepRun], None] | None = None,
             storage: str | None = None, study_name: str | None = None) -> LRSweepOutcome:
    """Choose a learning rate for the spec at a rung; optionally check it with the probe.
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
    files = write_sweep_files(Path(out_dir), report, sweep, ranges) if out_dir else []
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


def grid_search(spec: str | Path | Spec, grid_path: str | Path, *, rung: int | None = None,
         storage: str | None = None, study_name: str | None = None, jobs: int = 1,
         trials: int | None = None, seed: int = 0, out_dir: str | Path | None = None,
         overrides: dict[str, Any] | None = None,
         callbacks: Sequence[Callback] = ()) -> tuple[GridResult, str, list[Path]]:
    """Run or resume a configuration grid; returns (result, rung source, files written)."""
    spec = as_spec(spec, "grid_search")
    space = read_grid(grid_path)  # bad grid files fail before any training
    train_data, _ = spec.build_data()
    where = choose_rung(spec, train_data, rung, seed, overrides)
    result = run_grid(spec, train_data, where.n, space, storage=storage, study_name=study_name,
                      jobs=jobs, trials=trials, seed=seed, overrides=overrides,
                      callbacks=callbacks)
    files = write_grid_files(Path(out_dir), result, spec.title) if out_dir else []
    return result, where.why, files


def write_sweep_files(out_dir: Path, report: dict[str, Any], sweep: SweepResult | None,
                      ranges: dict[str, Any] | None) -> list[Path]:
    written = [write_json(out_dir / "lr_sweep.json", report),
               write_text(out_dir / "lr_sweep.md", sweep_markdown(report)),
               write_text(out_dir / "lr_sweep.html", sweep_html(sweep, ranges))]
    if report["chosen_lr"] is not None:
        written.append(write_text(out_dir / "lr.yaml",
                                  lr_yaml(report["chosen_lr"], report["chosen_by"])))
    return written


def write_grid_files(out_dir: Path, result: GridResult, spec_name: str) -> list[Path]:
    return [write_json(out_dir / "grid.json", clean(result.to_dict())),
            write_text(out_dir / "grid.md", grid_markdown(result, spec_name))]
