"""`trainprobe lr-sweep` and `trainprobe grid`.

Exit status: 0 a learning rate / configuration memorizes, 1 none does (or the loss never
descends), 2 bad input, 130 interrupted (a grid resumes from its --storage).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from .. import api
from ..sweep.lr_sweep import DEFAULT_LRS, DEFAULT_STEPS, SweepRun, lr_range
from ..views.sweep_tables import grid_table, range_table, sweep_table
from .common import EXIT_INTERRUPTED, SEED, console, console_err, exit_with

__all__ = ["grid", "lr_sweep"]

_EXIT_OK, _EXIT_NONE = 0, 1


def _parse_lrs(text: str | None) -> list[float]:
    """'1e-4,1e-3,1e-2' (a list) or '1e-5:1e-2:7' (low:high:count, log-spaced)."""
    if text is None:
        return list(DEFAULT_LRS)
    try:
        if ":" in text:
            low, high, count = text.split(":")
            return lr_range(float(low), float(high), int(count))
        values = [float(part) for part in text.replace(" ", ",").split(",") if part]
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a list or range of learning rates; use "
                                 "e.g. --lrs 1e-4,1e-3,1e-2 or --lrs 1e-5:1e-2:7",
                                 param_hint="--lrs") from None
    if not values or any(v <= 0 for v in values):
        raise click.BadParameter("learning rates must be positive, e.g. --lrs 1e-4,1e-3",
                                 param_hint="--lrs")
    return sorted(set(values))


def _runtime_overrides(device: str | None, max_seconds: float | None) -> dict[str, Any]:
    return {key: value for key, value in (("device", device), ("max_seconds", max_seconds))
            if value is not None}


def _storage_options(default_study: str) -> Callable[[Any], Any]:
    """--storage and --study-name, the same for lr-sweep and grid."""
    storage = click.option("--storage", help="Optuna storage URL to resume, or to share the "
                           "runs across processes and machines: sqlite:///sweep.db, "
                           "postgresql://..., journal:///shared/sweep.log [default: in "
                           "memory, this process runs them all].")
    name = click.option("--study-name", help=f"Study name in the storage [default: "
                        f"{default_study}].")
    return lambda command: storage(name(command))


def _show_run(run: SweepRun) -> None:
    console_err.print(f"  seed {run.seed} lr {run.lr:<9g} {run.status:<16} "
                      f"{'memorized' if run.passed else run.stop_reason} in {run.steps} steps",
                      style="dim")


@click.command("lr-sweep")
@click.argument("spec", type=click.Path(path_type=Path))
@click.option("--rung", type=click.IntRange(min=1),
              help="Rung size to sweep at [default: run the ladder; its breaking rung, or the "
                   "largest rung when all pass].")
@click.option("--method", type=click.Choice(["sweep", "range", "both"]), default="both",
              show_default=True, help="sweep: a fresh model per rate; range: one ramped run.")
@click.option("--lrs", help="Rates for the sweep: 1e-4,1e-3,1e-2 or low:high:count "
                            "[default: 1e-5:1e-2:7].")
@click.option("--steps", type=click.IntRange(min=2), default=DEFAULT_STEPS, show_default=True,
              help="Step budget per rate in the sweep.")
@click.option("--seeds", type=click.IntRange(min=1), default=3, show_default=True,
              help="Repeat each method over this many seeds to measure the spread.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="First seed.")
@click.option("--min-lr", type=click.FloatRange(min=0, min_open=True), default=1e-6,
              show_default=True, help="Range test: first rate.")
@click.option("--max-lr", type=click.FloatRange(min=0, min_open=True), default=1.0,
              show_default=True, help="Range test: last rate.")
@click.option("--range-steps", type=click.IntRange(min=10), default=100, show_default=True,
              help="Range test: steps of the ramp.")
@click.option("--verify/--no-verify", default=True, show_default=True,
              help="Run the probe's rung with the chosen rate and report whether it memorizes.")
@click.option("--device", default=None, help="auto, cpu, cuda, cuda:N or mps (default auto).")
@click.option("--max-seconds", type=click.FloatRange(min=0, min_open=True),
              help="Time budget per training run (default 60).")
@_storage_options("trainprobe-lr-sweep-SPEC-nRUNG-STEPSsteps")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              help="Directory for lr_sweep.json/.md/.html and lr.yaml "
                   "[default: trainprobe-out/SPEC/lr-sweep].")
def lr_sweep(spec: Path, rung: int | None, method: str, lrs: str | None, steps: int, seeds: int,
             seed: int, min_lr: float, max_lr: float, range_steps: int, verify: bool,
             device: str | None, max_seconds: float | None, storage: str | None,
             study_name: str | None, out: Path | None) -> None:
    """Choose a learning rate for SPEC at a rung: a sweep and/or a range test.

    Writes lr.yaml (`lr: VALUE`, train's config.yaml format). Exit status: 0 a rate was
    chosen (and memorized the rung when verified), 1 none, 2 bad input.
    """
    rates = _parse_lrs(lrs)
    out = out or Path("trainprobe-out") / spec.stem / "lr-sweep"
    try:
        outcome = api.choose_lr(spec, rung=rung, method=method, lrs=rates,  # type: ignore[arg-type]
                               steps=steps, seeds=seeds, seed=seed, min_lr=min_lr,
                               max_lr=max_lr, range_steps=range_steps, verify=verify,
                               out_dir=out, overrides=_runtime_overrides(device, max_seconds),
                               on_run=_show_run, storage=storage, study_name=study_name)
    except KeyboardInterrupt:
        console_err.print("interrupted")
        exit_with(EXIT_INTERRUPTED)
    for line in _summary_lines(outcome):
        console.print(line)
    console.print(f"files: {', '.join(str(p) for p in outcome.files)}", style="dim")
    exit_with(_EXIT_OK if outcome.ok else _EXIT_NONE)


def _summary_lines(outcome: api.LRSweepOutcome) -> list[Any]:
    """Tables, then one line per verdict; returned, not printed."""
    report, lines = outcome.report, []
    if outcome.sweep:
        lines += [sweep_table(outcome.sweep),
                  f"sweep: {outcome.sweep.reason}. Trust: {outcome.sweep.trust}."]
    if outcome.ranges:
        ranges = outcome.ranges
        flags = [f for f, on in (("never descended", ranges["never_descended"]),
                                 ("diverged at once", ranges["diverged_at_once"])) if on]
        suggestion = f"{ranges['suggestion']:.3g}" if ranges["suggestion"] else "none"
        lines += [range_table(ranges),
                  f"range test: median suggestion {suggestion}. Trust: {ranges['trust']}"
                  + (f". Flags: {', '.join(flags)}" if flags else "") + "."]
    if outcome.chosen is None:
        lines.append("[bold red]no learning rate chosen[/]: the loss never descended usably")
        return lines
    lines.append(f"[bold green]chosen lr {outcome.chosen:.3g}[/] (by the "
                 f"{report['chosen_by']}, rung {report['rung']}: {report['rung_source']})")
    verify = report["verify"]
    if verify:
        mark = "[green]memorized[/]" if verify["passed"] else "[bold red]did NOT memorize[/]"
        lines.append(f"check: probe rung {verify['n']} at lr {verify['lr']:.3g} {mark} in "
                     f"{verify['steps']} steps")
    return lines


@click.command("grid")
@click.argument("spec", type=click.Path(path_type=Path))
@click.option("--grid", "grid_path", type=click.Path(path_type=Path), required=True,
              help="YAML file: setting -> list of values (e.g. `lr: [0.001, 0.01]`).")
@click.option("--rung", type=click.IntRange(min=1),
              help="Rung size [default: run the ladder; its breaking rung, or the largest].")
@_storage_options("trainprobe-grid-SPEC-nRUNG")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Trials run in parallel in this process (threads).")
@click.option("--trials", type=click.IntRange(min=1),
              help="Run at most this many trials now (the rest on a later resume).")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--device", default=None, help="auto, cpu, cuda, cuda:N or mps (default auto).")
@click.option("--max-seconds", type=click.FloatRange(min=0, min_open=True),
              help="Time budget per trial (default 60).")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              help="Directory for grid.json and grid.md [default: trainprobe-out/SPEC/grid].")
def grid(spec: Path, grid_path: Path, rung: int | None, storage: str | None,
         study_name: str | None, jobs: int, trials: int | None, seed: int, device: str | None,
         max_seconds: float | None, out: Path | None) -> None:
    """Run configurations from a grid file at a rung and rank them by whether and how fast
    they memorize. Exit status: 0 one memorizes, 1 none does, 2 bad input, 130 interrupted.
    """
    out = out or Path("trainprobe-out") / spec.stem / "grid"
    result, rung_source, files = api.grid_search(
        spec, grid_path, rung=rung, storage=storage, study_name=study_name, jobs=jobs,
        trials=trials, seed=seed, out_dir=out, overrides=_runtime_overrides(device, max_seconds))
    console.print(grid_table(result.rows))
    console.print(f"rung {result.rung} ({rung_source}); {len(result.rows)}/{result.total} "
                  f"points complete, {result.ran_now} trained now, {result.skipped} already "
                  f"complete in study {result.study_name!r} ({result.storage})")
    for note in result.notes:
        console.print(f"note: {note}", style="yellow")
    console.print(f"files: {', '.join(str(p) for p in files)}", style="dim")
    if result.interrupted:
        console_err.print("interrupted: run the same command (with --storage) to resume")
        exit_with(EXIT_INTERRUPTED)
    exit_with(_EXIT_OK if result.any_passed else _EXIT_NONE)
