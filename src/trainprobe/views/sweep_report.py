"""lr_sweep.md and grid.md: the sweep report and the grid's ranked table as markdown."""

from __future__ import annotations

from typing import Any

from ..formatting import number
from ..sweep.grid import GridResult


def sweep_markdown(report: dict[str, Any]) -> str:
    lines = [f"# trainprobe lr-sweep: {report['spec']}", "",
             f"- rung: {report['rung']} ({report['rung_source']})",
             f"- chosen learning rate: **{number(report['chosen_lr'])}** "
             f"(by {report['chosen_by'] or '—'})"]
    if report["verify"]:
        verify = report["verify"]
        lines.append(f"- check: the probe's rung {report['rung']} at lr {number(verify['lr'])} "
                     f"{'memorized' if verify['passed'] else 'did NOT memorize'} in "
                     f"{verify['steps']} steps ({verify['stop_reason']})")
    sweep = report["sweep"]
    if sweep:
        lines += ["", "## Sweep", "", f"{sweep['reason']}.", "",
                  f"Trust: {sweep['trust']}; per-seed choices "
                  f"{', '.join(number(v) for v in sweep['per_seed'])}; spread "
                  f"x{number(sweep['spread'])}.", "",
                  "| seed | lr | status | memorized | steps | best loss | score |",
                  "|---:|---:|---|:---:|---:|---:|---:|"]
        for run in sweep["runs"]:
            lines.append(f"| {run['seed']} | {number(run['lr'])} | {run['status']} | "
                         f"{'yes' if run['passed'] else 'no'} | {run['steps']} | "
                         f"{number(run['best_loss'])} | {number(run['score'])} |")
    ranges = report["range_test"]
    if ranges:
        lines += ["", "## Range test", "",
                  f"Median suggestion {number(ranges['suggestion'])}; trust: {ranges['trust']}; "
                  f"spread x{number(ranges['spread'])}.", "",
                  "| seed | suggestion | status | points | why |", "|---:|---:|---|---:|---|"]
        for test in ranges["tests"]:
            lines.append(f"| {test['seed']} | {number(test['suggestion'])} | {test['status']} | "
                         f"{len(test['lr'])} | {test['reason']} |")
    return "\n".join(lines) + "\n"


def grid_markdown(result: GridResult, spec_name: str) -> str:
    keys = sorted({key for row in result.rows for key in row["params"]})
    lines = [f"# trainprobe grid: {spec_name}", "",
             f"- rung: {result.rung}", f"- study: `{result.study_name}` ({result.storage})",
             f"- points: {result.total}, completed: {len(result.rows)}, run now: "
             f"{result.ran_now}, already complete: {result.skipped}", *
             [f"- note: {note}" for note in result.notes], "",
             "| rank | " + " | ".join(keys) + " | memorized | steps | seconds | final loss | "
             "stopped because |",
             "|---:|" + "---|" * len(keys) + ":---:|---:|---:|---:|---|"]
    for row in result.rows:
        values = " | ".join(number(row["params"].get(k)) for k in keys)
        lines.append(f"| {row['rank']} | {values} | {'yes' if row['passed'] else 'no'} | "
                     f"{row['steps']} | {number(row['seconds'])} | {number(row['final_loss'])} | "
                     f"{row['stop_reason']} |")
    return "\n".join(lines) + "\n"
