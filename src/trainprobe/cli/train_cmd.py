"""`trainprobe train` and `trainprobe transition`: thin fronts over api.train and
train.transition.transition."""

from __future__ import annotations

import contextlib
from pathlib import Path

import click
from rich.text import Text

from ..api import run_train_demo, train
from ..engine.distributed import current
from ..train.run import TrainResult
from ..train.transition import transition as make_transition
from ..views.progress import make_progress
from ..views.tables import changes_table
from .common import EXIT_INTERRUPTED, SEED, console, console_err, exit_with

__all__ = ["show_train_demo", "train_command", "transition"]

_EXIT_DONE, _EXIT_NONFINITE = 0, 1


@click.command(name="train")
@click.argument("spec", type=click.Path(path_type=Path))
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="YAML file of training settings (see the README's config table).")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Run directory, e.g. runs/NAME. Must be new or empty unless --resume.")
@click.option("--resume", is_flag=True,
              help="Continue the run in --out from its last checkpoint.")
@click.option("--max-steps", type=click.IntRange(min=1), help="Override max_steps.")
@click.option("--device", help="auto, cpu, cuda, cuda:N or mps (overrides device).")
@click.option("--seed", type=SEED, help="Override seed.")
@click.option("--allow-changed-spec", is_flag=True,
              help="With --resume: continue although the spec file or the data changed "
                   "since the run started (recorded in manifest.json).")
def train_command(spec: Path, config_path: Path | None, out: Path, resume: bool,
                  max_steps: int | None, device: str | None, seed: int | None,
                  allow_changed_spec: bool) -> None:
    """Train SPEC with checkpoints, early stopping, an inspector log and a dashboard.

    Ctrl-C or SIGTERM stop at the end of the current step and save a checkpoint (press
    Ctrl-C twice to stop at once); continue with --resume. Exit status: 0 done,
    1 the training loss became NaN/inf, 130 interrupted (checkpoint saved), 2 bad input.
    Under `torchrun --nproc-per-node N` it trains data-parallel; rank 0 alone writes and
    prints.
    """
    overrides = {key: value for key, value in
                 (("max_steps", max_steps), ("device", device), ("seed", seed))
                 if value is not None}
    main = current().is_main  # under torchrun, the other ranks stay quiet
    progress = make_progress(console_err) if main else None
    try:
        with progress or contextlib.nullcontext():
            result = train(spec, config_path, out, resume=resume, overrides=overrides,
                           progress=progress, allow_changed_spec=allow_changed_spec)
    except KeyboardInterrupt:  # Ctrl-C outside the training loop (setup, analysis)
        console_err.print("interrupted", style="yellow")
        exit_with(EXIT_INTERRUPTED)
    if not main:
        exit_with(_exit_status(result))
    _show_warnings(result)
    console.print(_result_text(result))
    exit_with(_exit_status(result))


def _exit_status(result: TrainResult) -> int:
    """130 interrupted, 1 when any training loss was NaN/inf (stopped or, with
    on_nonfinite: warn, trained on), else 0."""
    if result.interrupted:
        return EXIT_INTERRUPTED
    return _EXIT_NONFINITE if result.nonfinite_steps else _EXIT_DONE


def _show_warnings(result: TrainResult) -> None:
    for warning in result.warnings:
        style = "bold red" if "non-finite" in warning else "yellow"
        console_err.print(Text.assemble(("warning:", style), f" {warning}"), soft_wrap=True)


def _result_text(result: TrainResult) -> Text:
    """The closing lines of a run: how it ended, the best checkpoint, the files."""
    text = Text()
    if result.interrupted:
        text.append("INTERRUPTED", style="bold yellow")
        text.append(f"  at step {result.steps}; checkpoint saved. Continue with --resume.\n")
    elif result.status == "failed":
        text.append("FAILED", style="bold red")
        text.append(f"  at step {result.steps} (stopped: {result.stop_reason}): the training "
                    "loss became NaN/inf\n")
    else:
        text.append("DONE", style="bold green")
        text.append(f"  {result.steps} steps in {result.seconds:.1f}s "
                    f"(stopped: {result.stop_reason})\n")
    if result.best_step is not None:
        restored = ", restored into the final model" if result.restored_best else ""
        text.append(f"best val loss {result.best_val_loss:.4g} at step {result.best_step}"
                    f"{restored}: {result.best_checkpoint}\n")
    summary = result.summary or {}
    if summary.get("verdict"):
        text.append(f"analysis ({summary['verdict']}): ", style="bold")
        text.append(f"{summary.get('headline', '')}\n")
    text.append(f"run: {result.run_dir}", style="dim")
    if result.dashboard is not None:
        text.append(f"  dashboard: {result.dashboard}", style="dim")
    return text


@click.command()
@click.argument("report", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--spec", "spec_path", type=click.Path(path_type=Path, dir_okay=False),
              help="The probed spec: its CONFIG, data size and build_augment() refine the "
                   "config (optional).")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              default=Path("config.yaml"), show_default=True,
              help="Where to write the full-training config.")
def transition(report: Path, spec_path: Path | None, out: Path) -> None:
    """Write a full-training config.yaml from a passed probe's REPORT.json, and show each
    change from the probe's settings and why."""
    plan = make_transition(report, spec_path=spec_path, out=out)
    console.print(changes_table(plan))
    for note in plan.notes:
        console.print(f"note: {note}", style="dim")
    console.print(f"wrote {out}; next: trainprobe train SPEC --config {out} --out runs/NAME")



def show_train_demo(run_dir: Path) -> int:
    """`trainprobe demo --train`: run the char-LM demo with a progress bar; exit status."""
    console.rule("charlm_pydoc.py: a tiny GPT trained past convergence on Python's docs")
    progress = make_progress(console_err)
    with progress:
        result = run_train_demo(run_dir, progress=progress)
    _show_warnings(result)
    console.print(_result_text(result))
    return _exit_status(result)
