"""report.json (schema trainprobe.report/1) and report.md from a ProbeRun.

The JSON schema is a contract documented in the README: change it only on purpose, and
bump the schema string when you do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..formatting import finite_or_none, number
from ..io import write_json, write_text
from .ladder import ProbeRun, RungResult

SCHEMA = "trainprobe.report/1"


def rung_entry(rung: RungResult) -> dict[str, Any]:
    return {
        "n": rung.n,
        "passed": rung.passed,
        "steps": rung.steps,
        "seconds": round(rung.seconds, 3),
        "final_loss": finite_or_none(rung.final_loss),
        "metric": {"name": rung.metric_name, "value": finite_or_none(rung.metric_value)},
    }


def report_dict(run: ProbeRun, diagnoses: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "task": run.spec.task.name,
        "verdict": run.verdict,
        "breaking_point": run.breaking_point,
        "ladder": [rung_entry(r) for r in run.rungs],
        "diagnoses": diagnoses or [],
    }


def report_markdown(run: ProbeRun, report: dict[str, Any]) -> str:
    lines = [
        f"# trainprobe report: {run.spec.path.name}",
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
    return "\n".join(lines) + "\n"


def write_report(run: ProbeRun, out_dir: str | Path | None, json_path: str | Path | None,
                 diagnoses: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    report = report_dict(run, diagnoses)
    if out_dir is not None:
        write_json(Path(out_dir) / "report.json", report)
        write_text(Path(out_dir) / "report.md", report_markdown(run, report))
    if json_path is not None:
        write_json(json_path, report)
    return report
