"""Files lr-sweep and grid leave behind: JSON (stable keys, schema string), markdown,
the HTML plot, and lr.yaml (the chosen rate, in train's config.yaml format)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..formatting import json_safe, number
from ..io import write_json, write_text
from .grid import GridResult
from .lr_sweep import SweepResult
from .plots import sweep_html

SWEEP_SCHEMA = "trainprobe.lr_sweep/1"


def clean(value: Any) -> Any:
    return json_safe(value)


def sweep_report(*, spec_name: str, task: str, rung: int, rung_source: str, method: str,
                 sweep: SweepResult | None, ranges: dict[str, Any] | None,
                 chosen: float | None, chosen_by: str | None,
                 verify: dict[str, Any] | None) -> dict[str, Any]:
    return clean({"schema": SWEEP_SCHEMA, "spec": spec_name, "task": task, "rung": rung,
                  "rung_source": rung_source, "method": method, "chosen_lr": chosen,
                  "chosen_by": chosen_by,
                  "sweep": sweep.to_dict(with_curves=True) if sweep else None,
                  "range_test": ranges, "verify": verify})


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


def lr_yaml(lr: float, source: str) -> str:
    """train's config.yaml format; the same key works in a spec's CONFIG dict."""
    return (f"# learning rate chosen by trainprobe lr-sweep ({source})\n"
            f"# use: trainprobe train SPEC --config lr.yaml, or CONFIG = {{'lr': {lr:.3g}}}\n"
            f"lr: {lr:.3g}\n")


def write_sweep_files(out_dir: Path, report: dict[str, Any], sweep: SweepResult | None,
                      ranges: dict[str, Any] | None) -> list[Path]:
    written = [write_json(out_dir / "lr_sweep.json", report),
               write_text(out_dir / "lr_sweep.md", sweep_markdown(report)),
               write_text(out_dir / "lr_sweep.html", sweep_html(sweep, ranges))]
    if report["chosen_lr"] is not None:
        written.append(write_text(out_dir / "lr.yaml",
                                  lr_yaml(report["chosen_lr"], report["chosen_by"])))
    return written


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


def write_grid_files(out_dir: Path, result: GridResult, spec_name: str) -> list[Path]:
    return [write_json(out_dir / "grid.json", clean(result.to_dict())),
            write_text(out_dir / "grid.md", grid_markdown(result, spec_name))]


