"""report.md: the overfitting ladder and its diagnoses as markdown."""

from __future__ import annotations

from typing import Any

from ..formatting import number
from ..overfit.ladder import ProbeRun

#: a rung that cannot run by construction is neither a pass nor a failure
RUNG_STATUS = {"passed": "yes", "failed": "no", "not_applicable": "n/a (skipped)"}


def report_markdown(run: ProbeRun, report: dict[str, Any]) -> str:
    lines = [
        f"# trainprobe report: {run.spec.title}",
        "",
        f"- task: `{report['task']}`",
        f"- verdict: **{report['verdict']}**",
        f"- breaking point: {report['breaking_point'] or 'none'}",
        *[f"- rung {r.n} not applicable (skipped, never the breaking point): "
          f"{r.stop_reason.removeprefix('not applicable: ')}"
          for r in run.rungs if r.status == "not_applicable"],
        "",
        "| n | memorized | steps | seconds | final loss | metric | stopped because |",
        "|---:|:---:|---:|---:|---:|---|---|",
    ]
    for rung, entry in zip(run.rungs, report["ladder"]):
        metric = entry["metric"]
        lines.append(f"| {rung.n} | {RUNG_STATUS[rung.status]} | {rung.steps} | "
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
