"""The public fronts: each is a workflow (which writes the records) followed by the views
that draw them, so `tp.probe()`, `tp.train()` and the CLI write the same files. This
module sits above views/ in the layer contract, which lets workflows/ stay free of any
renderer; the CLI and the integrations call these, never a workflow plus a view of their
own. The progress bar is injected here (a `Progress` in, a ProgressCallback on the
engine), so no workflow imports it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rich.progress import Progress

from .engine import Callback
from .overfit.ladder import Mode, ProbeRun, RungResult
from .spec import Spec, as_spec
from .sweep.grid import GridResult
from .sweep.lr_sweep import DEFAULT_LRS, DEFAULT_STEPS, SweepRun
from .train.run import ConfigLike, TrainResult
from .views.dashboard import write_comparison
from .views.progress import ProgressCallback
from .views.publish import render_run, write_grid_markdown, write_probe_markdown, write_sweep_pages
from .workflows import probe as probe_flow
from .workflows import sweeps as sweep_flow
from .workflows import train_demo as demo_flow
from .workflows import training as training_flow
from .workflows.sweeps import LRSweepOutcome, Method

__all__ = ["LRSweepOutcome", "choose_lr", "compare_runs", "grid_search", "probe",
           "render_run", "report_run", "run_train_demo", "train", "write_report"]


def probe(spec: Spec | str | Path, sizes: Sequence[int | str] | None = None, *,
          mode: Mode = "progressive", n_samples: int | None = None, keep_going: bool = False,
          seed: int = 0, overrides: dict[str, Any] | None = None, diagnose: bool = True,
          out_dir: str | Path | None = None, json_path: str | Path | None = None,
          on_rung: Callable[[int, RungResult | None], None] | None = None,
          callbacks: Sequence[Callback] = ()) -> tuple[ProbeRun, dict[str, Any]]:
    """Run the overfitting ladder on a spec and return (run, report dict).

    `report` follows the schema trainprobe.report/2; it is also written to
    out_dir/report.json and report.md, and to json_path, when those are given.
    """
    run, report = probe_flow.run_probe(
        spec, sizes, mode=mode, n_samples=n_samples, keep_going=keep_going, seed=seed,
        overrides=overrides, diagnose=diagnose, out_dir=out_dir, json_path=json_path,
        on_rung=on_rung, callbacks=callbacks)
    if out_dir is not None:
        write_probe_markdown(out_dir, run, report)
    return run, report


def write_report(run: ProbeRun, out_dir: str | Path | None, json_path: str | Path | None,
                 diagnoses: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """report.json and report.md into out_dir, and report.json to json_path, when given."""
    report = probe_flow.write_report_json(run, out_dir, json_path, diagnoses)
    if out_dir is not None:
        write_probe_markdown(out_dir, run, report)
    return report


def train(spec: Spec | str | Path, config: ConfigLike = None,
          out_dir: str | Path = "runs/run", *, resume: bool = False,
          overrides: Mapping[str, Any] | None = None, callbacks: Sequence[Callback] = (),
          progress: Progress | None = None, allow_changed_spec: bool = False) -> TrainResult:
    """Train SPEC into `out_dir` with checkpoints, early stopping, the inspector log and a
    manifest; then write the analysis, the gap report and the dashboard. Ctrl-C or SIGTERM
    end the run at the next step boundary with a checkpoint (status "interrupted",
    resumable). `allow_changed_spec`: let --resume continue a run whose spec file or data
    changed (recorded in the manifest; refused otherwise)."""
    extra = _with_progress(callbacks, progress, f"train {Path(out_dir).name}")
    result, loaded = training_flow.train_and_analyze(
        spec, config, out_dir, resume=resume, overrides=overrides, callbacks=extra,
        allow_changed_spec=allow_changed_spec)
    return _rendered(result, loaded)


def report_run(run_dir: str | Path) -> tuple[dict[str, Any], Path]:
    """Analyse a run directory (summary.json) and render it; the log is parsed once."""
    summary, loaded = training_flow.analyze_run_dir(run_dir)
    return summary, render_run(run_dir, summary, loaded)


def compare_runs(run_dirs: Sequence[str | Path], out_path: str | Path) -> Path:
    """The comparison page. A run without summary.json yet (e.g. a log written by
    tp.Inspector in your own loop) is analysed first, which writes its summary.json."""
    training_flow.analyze_missing(run_dirs)
    return write_comparison(list(run_dirs), out_path)


def run_train_demo(out_dir: str | Path, progress: Progress | None = None,
                   overrides: dict[str, Any] | None = None) -> TrainResult:
    """`trainprobe demo --train`: the char-LM demo trained into `out_dir`, then drawn."""
    extra = _with_progress((), progress, f"train {Path(out_dir).name}")
    result, loaded = demo_flow.train_demo(out_dir, overrides, callbacks=extra)
    return _rendered(result, loaded)


def choose_lr(spec: str | Path | Spec, *, rung: int | None = None, method: Method = "both",
              lrs: Sequence[float] = DEFAULT_LRS, steps: int = DEFAULT_STEPS, seeds: int = 3,
              seed: int = 0, min_lr: float = 1e-6, max_lr: float = 1.0,
              range_steps: int = 100, verify: bool = True, out_dir: str | Path | None = None,
              overrides: dict[str, Any] | None = None,
              on_run: Callable[[SweepRun], None] | None = None,
              storage: str | None = None, study_name: str | None = None) -> LRSweepOutcome:
    """Choose a learning rate for the spec at a rung; optionally check it with the probe.
    Writes lr_sweep.json/.md/.html and lr.yaml into out_dir when given. `storage`: an
    Optuna storage URL through which processes share the sweep's runs."""
    outcome = sweep_flow.sweep_lr(
        spec, rung=rung, method=method, lrs=lrs, steps=steps, seeds=seeds, seed=seed,
        min_lr=min_lr, max_lr=max_lr, range_steps=range_steps, verify=verify,
        out_dir=out_dir, overrides=overrides, on_run=on_run, storage=storage,
        study_name=study_name)
    if out_dir is not None:  # files: lr_sweep.json, .md, .html, then lr.yaml
        pages = write_sweep_pages(out_dir, outcome.report, outcome.sweep, outcome.ranges)
        outcome.files[1:1] = pages
    return outcome


def grid_search(spec: str | Path | Spec, grid_path: str | Path, *, rung: int | None = None,
                storage: str | None = None, study_name: str | None = None, jobs: int = 1,
                trials: int | None = None, seed: int = 0, out_dir: str | Path | None = None,
                overrides: dict[str, Any] | None = None,
                callbacks: Sequence[Callback] = ()) -> tuple[GridResult, str, list[Path]]:
    """Run or resume a configuration grid; returns (result, rung source, files written:
    grid.json and grid.md into out_dir when given)."""
    spec = as_spec(spec, "grid_search")
    result, rung_source, files = sweep_flow.search_grid(
        spec, grid_path, rung=rung, storage=storage, study_name=study_name, jobs=jobs,
        trials=trials, seed=seed, out_dir=out_dir, overrides=overrides, callbacks=callbacks)
    if out_dir is not None:
        files.append(write_grid_markdown(out_dir, result, spec.title))
    return result, rung_source, files


def _with_progress(callbacks: Sequence[Callback], progress: Progress | None,
                   description: str) -> list[Callback]:
    """The caller's callbacks, plus a bar on `progress` when one is given."""
    extra = list(callbacks)
    if progress is not None:
        extra.append(ProgressCallback(progress, description))
    return extra


def _rendered(result: TrainResult, loaded: training_flow.LoadedRun | None) -> TrainResult:
    """Draw a trained run (gap-analysis.md, dashboard.html); the torchrun ranks that wrote
    nothing (loaded is None) draw nothing."""
    if loaded is not None and result.summary is not None:
        result.dashboard = render_run(result.run_dir, result.summary, loaded)
    return result
