"""Terminal tables. Functions build rich renderables; printing is the caller's job."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text

from ..formatting import number
from ..train.transition import TransitionPlan


def ladder_table(report: dict[str, Any], stop_reasons: list[str] | None = None) -> Table:
    table = Table(title="Overfitting ladder", title_justify="left")
    for header, justify in (("n", "right"), ("passed", "center"), ("steps", "right"),
                            ("seconds", "right"), ("loss", "right"), ("metric", "left")):
        table.add_column(header, justify=justify)  # type: ignore[arg-type]
    if stop_reasons:
        table.add_column("stopped because")
    for index, rung in enumerate(report["ladder"]):
        metric = rung["metric"]
        passed = (Text("n/a", style="yellow") if rung.get("status") == "not_applicable" else
                  Text("yes", style="green") if rung["passed"] else Text("no", style="bold red"))
        row = [str(rung["n"]), passed, str(rung["steps"]), f"{rung['seconds']:.2f}",
               number(rung["final_loss"]), f"{metric['name']} {number(metric['value'])}"]
        if stop_reasons:
            row.append(stop_reasons[index])
        table.add_row(*row)
    return table


def verdict_line(report: dict[str, Any], name: str) -> Text:
    if report["verdict"] == "pass":
        sizes = [r["n"] for r in report["ladder"] if r.get("status") != "not_applicable"]
        skipped = [r["n"] for r in report["ladder"] if r.get("status") == "not_applicable"]
        note = f"; not applicable: {', '.join(map(str, skipped))}" if skipped else ""
        line = Text.assemble(("PASS", "bold green"),
                             f"  {name}: memorized every rung ({', '.join(map(str, sizes))})"
                             f"{note}")
        # bugs a model memorizes through (a causal leak, mixed batches) pass the ladder:
        # the line must not read as a clean bill of health when a check warned
        flagged = [d["code"] for d in report["diagnoses"] if d["severity"] in ("error", "warning")]
        if flagged:
            line.append(f", but {len(flagged)} check(s) warn: {', '.join(flagged)}",
                        style="bold yellow")
        return line
    return Text.assemble(("FAIL", "bold red"),
                         f"  {name}: cannot memorize {report['breaking_point']} sample(s)")


def diagnoses_table(diagnoses: list[dict[str, Any]], limit: int = 5) -> Table:
    table = Table(title="Diagnoses (most likely root cause first)", title_justify="left",
                  show_lines=True)
    table.add_column("code", style="bold", no_wrap=True)
    table.add_column("severity")
    table.add_column("where")
    table.add_column("evidence and fix", overflow="fold")
    colours = {"error": "red", "warning": "yellow", "info": "cyan"}
    for finding in diagnoses[:limit]:
        severity = Text(finding["severity"], style=colours.get(finding["severity"], ""))
        body = f"{finding['message']}\n[bold]fix:[/] {finding['fix']}"
        table.add_row(finding["code"], severity, finding.get("where") or "—", body)
    return table


def changes_table(plan: TransitionPlan) -> Table:
    table = Table(title=f"From the probe (n={plan.rung}) to full training",
                  title_justify="left")
    table.add_column("setting", style="bold")
    table.add_column("probe", justify="right")
    table.add_column("full training", justify="right")
    table.add_column("why", overflow="fold")
    for change in plan.changes:
        table.add_row(change.key, number(change.probe, 3), number(change.full, 3), change.why)
    return table
