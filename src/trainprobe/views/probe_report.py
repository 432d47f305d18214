"""report.md: the overfitting ladder and its diagnoses as markdown."""

from __future__ import annotations

from typing import Any

from ..formatting import number
from ..overfit.ladder import ProbeRun


def report_markdown(run: ProbeRun, report: dict[str, Any]) -> str:
    lines = [
        f"# trainprobe report: {run.spec.title}",
        "",
        f"- task: `{report['task']}`",
        f"- verdict: **{report['verdict']}**",
        f"- breaking point: {report['breaking_point'] or 'none'}",
        "",
        "| n | passed | steps | seconds | final loss | metric | stopped because |",
        "|---:|:---:|---:|---:|---:|---|---|",
    ]
    for rung, entry in zip(run.rungs, report["ladder"]):
        metric = entry["metric"]
        lines.append(f"| {rung.n} | {'yes' if rung.passed else 'no'} | {rung.steps} | "
                     f"{rung.seconds:.2f} | {number(entry['final_loss'])} | "
                     f"{metric['name']} {number(metric['value'])} | {rung.stop_reason} |")
    if report["diagnoses"]:
        lines += ["", "## Diagnoses (most likely root cause first)", ""]
        for d in report["diagnoses"]:
            where = f" in `{d['where']}`" if d.get("where") else ""
            lines.append(f"- **{d['code']}** ({d['severity']}){where}: {d['message']}  ")
            lines.append(f"  fix: {d['fix']}")
    if run.notes:
        lines += ["", "## Not checked", ""] + [f"- {note}" for note in run.notes]
    return "\n".join(lines) + "\n"
