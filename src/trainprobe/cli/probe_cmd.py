"""`trainprobe probe` and `trainprobe demo`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import torch
from rich.table import Table
from rich.text import Text

from ..api import probe as run_probe
from ..demos import BROKEN_DEMO, HEALTHY_DEMO, copy_examples, demo_files, describe
from ..engine import make_config
from ..overfit.ladder import ProbeRun, RungResult
from ..train.config_file import read_config_file
from ..views.progress import ProgressCallback, make_progress
from ..views.tables import diagnoses_table, ladder_table, verdict_line
from .common import EXIT_INTERRUPTED, SEED, console, console_err, exit_with, parse_sizes

__all__ = ["demo", "probe"]

_EXIT_PASS, _EXIT_FAIL = 0, 1


def _run_and_show(spec_path: Path, *, sizes: Any = None, out: Path | None = None,
                  json_path: Path | None = None, show_table: bool = True,
                  **options: Any) -> tuple[ProbeRun, dict[str, Any]]:
    """Run the probe with a live progress bar, then print the ladder, diagnoses, verdict."""
    progress = make_progress(console_err)
    bar = ProgressCallback(progress, "")

    def on_rung(n: int, result: RungResult | None) -> None:
        bar.description = f"rung n={n}"
        if result is not None and not progress.disable:
            colour = {"passed": "green", "failed": "red", "not_applicable": "yellow"}
            mark = ("memorized" if result.passed else result.stop_reason, colour[result.status])
            progress.console.print(Text.assemble(f"  n={n:<5} ", mark, f" in {result.steps} "
                                                 f"steps ({result.seconds:.1f}s)"))

    with progress:
        run, report = run_probe(spec_path, sizes, out_dir=out, json_path=json_path,
                                on_rung=on_rung, callbacks=[bar], **options)
    if show_table:
        console.print(ladder_table(report, [r.stop_reason for r in run.rungs]))
    if report["diagnoses"]:
        console.print(diagnoses_table(report["diagnoses"]))
    for note in run.notes:
        console.print(f"note: {note}", style="dim")
    console.print(verdict_line(report, spec_path.name))
    if run.interrupted:
        console_err.print("interrupted: the report holds the rungs finished so far")
    return run, report


@click.command()
@click.argument("spec", type=click.Path(path_type=Path))
@click.option("--sizes", help="Rung sizes, comma-separated; 'full' = whole training set. "
              "Default 1,2,5,10,20,50,100.")
@click.option("--mode", type=click.Choice(["progressive", "single", "specific"]),
              default="progressive", show_default=True,
              help="progressive: the ladder; single: one rung (--n-samples); "
                   "specific: CONFIG exactly, no presets.")
@click.option("--n-samples", type=click.IntRange(min=1), help="Rung size for --mode single.")
@click.option("--keep-going", is_flag=True, help="Run every rung even after one fails.")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--device", default=None, help="auto, cpu, cuda, cuda:N or mps (default auto).")
@click.option("--max-seconds", type=click.FloatRange(min=0, min_open=True),
              help="Time budget per rung (default 60).")
@click.option("--max-steps", type=click.IntRange(min=1), help="Step budget per rung (default 1500).")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="YAML file of settings applied on top of the spec's CONFIG "
                   "(e.g. the lr.yaml written by lr-sweep).")
@click.option("--no-diagnose", is_flag=True, help="Skip the diagnosis checks.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              help="Directory for report.json and report.md [default: trainprobe-out/SPEC].")
@click.option("--json", "json_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write report.json to this path.")
def probe(spec: Path, sizes: str | None, mode: str, n_samples: int | None, keep_going: bool,
          seed: int, device: str | None, max_seconds: float | None, max_steps: int | None,
          config_path: Path | None, no_diagnose: bool, out: Path | None,
          json_path: Path | None) -> None:
    """Prove SPEC can learn: memorize 1, 2, 5, ... samples and find where it breaks.

    Exit status: 0 every rung memorized, 1 a rung failed, 2 bad input.
    """
    overrides = read_config_file(config_path) if config_path is not None else {}
    make_config(overrides, source=config_path.name if config_path else "--config")  # own errors
    overrides.update({key: value for key, value in
                      (("device", device), ("max_seconds", max_seconds), ("max_steps", max_steps))
                      if value is not None})
    out = out or Path("trainprobe-out") / spec.stem
    run, report = _run_and_show(spec, sizes=parse_sizes(sizes), out=out, json_path=json_path,
                          mode=mode, n_samples=n_samples, keep_going=keep_going, seed=seed,
                          overrides=overrides, diagnose=not no_diagnose)
    console.print(f"report: {out / 'report.json'}, {out / 'report.md'}", style="dim")
    if run.interrupted:
        exit_with(EXIT_INTERRUPTED)
    exit_with(_EXIT_PASS if report["verdict"] == "pass" else _EXIT_FAIL)


@click.command()
@click.option("--list", "list_specs", is_flag=True, help="List the example specs and exit.")
@click.option("--copy", "copy_to", type=click.Path(path_type=Path, file_okay=False),
              help="Copy the example specs into this directory and exit.")
@click.option("--force", is_flag=True,
              help="With --copy: overwrite example files already in DIR.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              default=Path("trainprobe-out/demo"), show_default=True)
@click.option("--train", "train_demo", is_flag=True,
              help="Instead: train a char-level LM past convergence (a few minutes) and "
                   "write its dashboard to OUT/charlm_pydoc.")
@click.pass_context
def demo(ctx: click.Context, list_specs: bool, copy_to: Path | None, force: bool,
         out: Path, train_demo: bool) -> None:
    """Run the ladder on scikit-learn's digits for a healthy and a broken model."""
    if ctx.find_root().params.get("threads") is None:
        torch.set_num_threads(1)  # demo models are tiny: threads only contend
    if train_demo:
        from .train_cmd import show_train_demo

        exit_with(show_train_demo(out / "charlm_pydoc"))
    if list_specs:
        console.print(_examples_table())
        return
    if copy_to is not None:
        copied = copy_examples(copy_to, force=force)
        console.print(f"copied {len(copied)} example specs and scripts to {copy_to}")
        return
    verdicts = []
    for spec_path in (HEALTHY_DEMO, BROKEN_DEMO):
        console.rule(f"{spec_path.name}: {describe(spec_path)[1]}")
        _, report = _run_and_show(spec_path, out=out / spec_path.stem, keep_going=False)
        verdicts.append(verdict_line(report, spec_path.name))
    console.rule("verdicts")
    for line in verdicts:
        console.print(line)


def _examples_table() -> Table:
    table = Table(title="Example specs (copy one with `trainprobe demo --copy DIR`)",
                  title_justify="left")
    table.add_column("task")
    table.add_column("path", overflow="fold")
    table.add_column("what it shows")
    for path in demo_files():  # specs, then scripts (task column: "script")
        task, summary = describe(path)
        table.add_row(task, str(path), summary)
    return table
