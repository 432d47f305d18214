"""dashboard.html for a run, and a comparison page overlaying several runs.

Both are single self-contained HTML files (plotly.js inlined) that read nothing from the
network and open from disk. They are views: they read the run directory (the inspector
log, manifest.json and the analysis' summary.json) and nothing else; they never train and
never recompute the analysis.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..analysis.records import RunLog
from ..analysis.run import load_run, read_summary
from ..formatting import number
from ..io import write_text
from .dashboard_data import finite_any, line
from .dashboard_html import best_card, esc, page, run_header
from .dashboard_panels import Panel, layout, run_panels

DASHBOARD_NAME = "dashboard.html"
COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]


def write_dashboard(run_dir: str | Path, summary: dict[str, Any] | None = None,
                    loaded: tuple[RunLog, dict[str, Any]] | None = None) -> Path:
    """Write `run_dir/dashboard.html` and return its path. `summary` is the run's
    summary.json (read from the directory when not given); `loaded` the (log, manifest)
    the caller already read with load_run, so the log is parsed once."""
    run_dir = Path(run_dir)
    run, manifest = loaded if loaded is not None else load_run(run_dir)
    summary = summary if summary is not None else read_summary(run_dir)
    panels = run_panels(run, summary)
    footer = (f"trainprobe dashboard · {esc(run_dir)} · data: inspector.log.jsonl"
              + (", manifest.json" if manifest else "") + " · curves longer than ~1400 points "
              "are drawn as per-bucket min/max; markers are exact")
    text = page(f"trainprobe: {run_dir.name}", run_header(run_dir.name, summary), panels,
                footer)
    return write_text(run_dir / DASHBOARD_NAME, text)


def run_label(run_dir: Path, taken: set[str]) -> str:
    label = run_dir.name or str(run_dir)
    if label in taken:
        label = str(run_dir)
    taken.add(label)
    return label


def comparison_panels(runs: list[tuple[str, RunLog, dict[str, Any]]]) -> list[Panel]:
    loss, lr, metric, grad = [], [], [], []
    for i, (label, run, summary) in enumerate(runs):
        colour = COLOURS[i % len(COLOURS)]
        group = {"legendgroup": label}
        curves = summary.get("curves") or {}
        if finite_any(curves.get("train_trend") or []):
            loss.append(line(curves["steps"], curves["train_trend"], f"{label} train (trend)",
                             line={"color": colour, "width": 1.5, "dash": "dot"}, **group))
        if finite_any(run.evals.get("val_loss")):
            loss.append(line(run.evals.steps, run.evals.get("val_loss"), f"{label} val",
                             line={"color": colour, "width": 2.5}, **group))
        if finite_any(run.train.get("lr")):
            lr.append(line(run.train.steps, run.train.get("lr"), label,
                           line={"color": colour}, **group))
        if finite_any(run.evals.get("val_metric")):
            metric.append(line(run.evals.steps, run.evals.get("val_metric"),
                               f"{label} {run.metric_name or 'metric'}",
                               line={"color": colour}, **group))
        if finite_any(run.train.get("grad_norm")):
            grad.append(line(run.train.steps, run.train.get("grad_norm"), label,
                             line={"color": colour, "width": 1}, **group))
    specs = [("loss", "Loss: train (dotted) and validation (solid)", "loss", loss, False),
             ("lr", "Learning rate", "lr", lr, False),
             ("metric", "Validation metric", "metric", metric, False),
             ("grad", "Global gradient norm", "||grad||", grad, True)]
    return [Panel(key, title, {"data": traces, "layout": layout(title, y, log_y=log_y)})
            if traces else Panel(key, title, None, "no run recorded this")
            for key, title, y, traces, log_y in specs]


def comparison_table(rows: list[tuple[str, dict[str, Any]]]) -> str:
    head = ("<tr><th>run</th><th>verdict</th><th>steps</th><th>t_val_min</th>"
            "<th>val min</th><th>onset</th><th>final gap</th><th>best ckpt</th>"
            "<th>best metric</th></tr>")
    body = []
    for label, s in rows:
        metric = s.get("metric") or {}
        best = s.get("best_checkpoint") or {}
        cells = [label, s["verdict"], s["steps"], s["t_val_min"], s["val_min"],
                 s["onset_step"] if s["onset_detected"] else "none", s["final_gap"],
                 f"step {best['step']}: {best_card(best)}" if best.get("step") else None,
                 metric.get("best")]
        body.append("<tr>" + "".join(f"<td>{esc(number(c))}</td>" for c in cells) + "</tr>")
    return f'<table class="runs">{head}{"".join(body)}</table>'


def write_comparison(run_dirs: Sequence[str | Path], out_path: str | Path) -> Path:
    """One page overlaying the runs' losses, LR, metric and gradient norms, with a table
    of each run's key numbers (each run's summary.json: analyse a run first)."""
    runs, rows, taken = [], [], set()
    for run_dir in map(Path, run_dirs):
        summary = read_summary(run_dir)
        run, _ = load_run(run_dir)
        label = run_label(run_dir, taken)
        runs.append((label, run, summary))
        rows.append((label, summary))
    header = (f"<h1>Comparison of {len(runs)} runs</h1>"
              f'<div class="headline">{esc(", ".join(label for label, _, _ in runs))}</div>'
              f"{comparison_table(rows)}")
    text = page("trainprobe: comparison", header, comparison_panels(runs),
                "trainprobe compare · " + esc(" · ".join(str(Path(d)) for d in run_dirs)))
    return write_text(Path(out_path), text)


__all__ = ["DASHBOARD_NAME", "write_comparison", "write_dashboard"]
