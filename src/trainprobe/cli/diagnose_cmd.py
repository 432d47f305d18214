"""`trainprobe diagnose SPEC`: the before-training and one-batch checks, in seconds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..diagnose import inspect_spec
from ..diagnose.findings import clean
from ..io import write_json
from ..spec import load_spec
from ..views.gradflow import gradflow_bars, write_html, write_png
from ..views.tables import diagnoses_table
from .common import SEED, console, exit_with

__all__ = ["diagnose"]

_SCHEMA = "trainprobe.diagnose/1"
_EXIT_CLEAN, _EXIT_ERROR_FINDING = 0, 1


def _diagnose_report(spec_path: Path, task: str, n: int, findings: list[dict[str, Any]],
                     flow: list[dict[str, Any]]) -> dict[str, Any]:
    return {"schema": _SCHEMA, "spec": str(spec_path), "task": task, "n": n,
            "diagnoses": findings, "gradient_flow": clean(flow)}


@click.command()
@click.argument("spec", type=click.Path(path_type=Path))
@click.option("--n", "n", type=click.IntRange(min=1), default=20, show_default=True,
              help="Items in the checked batch (the first n of the ladder's order).")
@click.option("--seed", type=SEED, default=0, show_default=True)
@click.option("--json", "json_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the findings and the gradient flow as JSON.")
@click.option("--html", "html_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the gradient-flow chart as a self-contained HTML page.")
@click.option("--png", "png_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the gradient-flow chart as a PNG image.")
def diagnose(spec: Path, n: int, seed: int, json_path: Path | None, html_path: Path | None,
             png_path: Path | None) -> None:
    """Check SPEC before training: model vs loss, data, one batch of gradients.

    Exit status: 0 no error finding, 1 at least one error finding, 2 bad input.
    """
    loaded = load_spec(spec)
    result = inspect_spec(loaded, n=n, seed=seed)
    if result.findings:
        console.print(diagnoses_table(result.findings, limit=len(result.findings)))
    else:
        console.print("[green]no findings[/]: the model, loss and data pass every "
                      "before-training and one-batch check")
    for note in result.notes:
        console.print(f"note: {note}", style="dim")
    if result.gradient_flow:
        console.print(gradflow_bars(result.gradient_flow))
    title = f"{spec.name}: gradient flow, one batch of {result.n}"
    written = []
    if json_path is not None:
        written.append(write_json(json_path, _diagnose_report(
            spec, loaded.task.name, result.n, result.findings, result.gradient_flow)))
    if html_path is not None:
        written.append(write_html(html_path, result.gradient_flow, title))
    if png_path is not None:
        written.append(write_png(png_path, result.gradient_flow, title))
    for path in written:
        console.print(f"wrote {path}", style="dim")
    errors = any(f["severity"] == "error" for f in result.findings)
    exit_with(_EXIT_ERROR_FINDING if errors else _EXIT_CLEAN)
