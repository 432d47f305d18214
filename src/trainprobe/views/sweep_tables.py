"""Terminal tables for lr-sweep and grid. They build rich renderables; printing is the
caller's job."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from ..formatting import number
from ..sweep import curves
from ..sweep.lr_sweep import SweepResult


def sweep_table(result: SweepResult) -> Table:
    table = Table(title=f"LR sweep at rung {result.rung} ({result.steps} steps, "
                        f"{len(result.seeds)} seed(s))", title_justify="left")
    for header in ("lr", "score (median)", "best loss (median)", "memorized", "steps (median)",
                   "curve"):
        table.add_column(header, justify="left" if header == "curve" else "right")
    for lr in result.lrs:
        runs = [r for r in result.runs if r.lr == lr]
        losses = [r.best_loss for r in runs if r.best_loss is not None]
        statuses = sorted({r.status for r in runs})
        mark = " ◀ chosen" if lr == result.chosen else ""
        style = "bold green" if mark else ("red" if "diverged" in " ".join(statuses) else "")
        table.add_row(Text(f"{lr:g}{mark}", style=style),
                      f"{curves.median([r.score for r in runs]):.3f}",
                      f"{curves.median(losses):.4g}" if losses else "—",
                      f"{sum(r.passed for r in runs)}/{len(runs)}",
                      str(curves.median([r.steps for r in runs])), ", ".join(statuses))
    return table


def range_table(summary: dict[str, Any]) -> Table:
    table = Table(title=f"LR range test at rung {summary['rung']}", title_justify="left")
    for header in ("seed", "suggestion", "curve", "points", "stopped at lr", "why"):
        table.add_column(header, justify="left" if header in ("curve", "why") else "right")
    for test in summary["tests"]:
        suggestion = test["suggestion"]
        table.add_row(str(test["seed"]), f"{suggestion:.3g}" if suggestion else "—",
                      test["status"], str(len(test["lr"])),
                      f"{test['lr'][-1]:.3g}" if test["lr"] else "—", test["reason"])
    return table


def grid_table(rows: list[dict[str, Any]], limit: int = 20) -> Table:
    table = Table(title="Grid ranking (memorized first, then fewer steps)", title_justify="left")
    keys = sorted({key for row in rows for key in row["params"]})
    for header in ("rank", *keys, "memorized", "steps", "seconds", "final loss", "metric",
                   "stopped because"):
        table.add_column(header, justify="right" if header not in keys else "left")
    for row in rows[:limit]:
        loss = "—" if row["final_loss"] is None else f"{row['final_loss']:.4g}"
        metric = "—" if row["metric"] is None else f"{row['metric_name']} {row['metric']:.3g}"
        passed = Text("yes", style="green") if row["passed"] else Text("no", style="bold red")
        table.add_row(str(row["rank"]), *(_param_text(row["params"].get(k)) for k in keys),
                      passed, str(row["steps"]), f"{row['seconds']:.2f}", loss, metric,
                      row["stop_reason"] or "")
    return table


def _param_text(value: Any) -> str:
    """A grid parameter as written in the grid file (6 significant digits)."""
    return number(value, 6, missing="none")
