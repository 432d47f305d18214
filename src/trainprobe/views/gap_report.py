"""gap-analysis.md from a summary dict: the numbers first, then one short paragraph per
check, so the report reads like an analysis and every claim has its number beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..formatting import number
from ..io import write_text

GAP_REPORT_NAME = "gap-analysis.md"


def _numbers_table(summary: dict[str, Any]) -> list[str]:
    best = summary.get("best_checkpoint") or {}
    metric = summary.get("metric") or {}
    rows = [
        ("verdict", summary["verdict"]),
        ("steps run", summary["steps"]),
        ("evaluations", summary["n_evals"]),
        ("t_val_min (trend minimum of val loss)", summary["t_val_min"]),
        ("val loss at t_val_min (smoothed)", summary["val_min"]),
        ("raw val-loss minimum (step)", f"{number(summary['raw_val_min'])} "
                                         f"({number(summary['raw_val_min_step'])})"),
        ("train-loss minimum (step)", f"{number(summary['train_min'])} "
                                       f"({number(summary['train_min_step'])})"),
        ("final train loss / val loss", f"{number(summary['final_train'])} / "
                                         f"{number(summary['final_val'])}"),
        ("final gap (val - train)", f"{number(summary['final_gap'])} "
                                     f"({number(pct(summary['final_gap_ratio']))} of val)"),
        ("overfitting onset", summary["onset_step"] if summary["onset_detected"] else "none"),
        ("best checkpoint (step)", f"{number(best.get('path'))} ({number(best.get('step'))})"),
        (f"best checkpoint's {best.get('metric_name') or 'metric'} / val loss (chosen by "
         f"{best.get('monitor') or 'val_loss'})",
         f"{number(best.get('metric'))} / {number(best.get('val_loss'))}"),
    ]
    if metric:
        rows.append((f"best {metric['name']} (step)",
                     f"{number(metric['best'])} ({metric['best_step']}), final "
                     f"{number(metric['final'])}"))
    lines = ["| quantity | value |", "|---|---|"]
    lines += [f"| {name} | {number(value)} |" for name, value in rows]
    return lines


def pct(ratio: float | None) -> str | None:
    return None if ratio is None else f"{100 * ratio:.0f}%"


def _best_paragraph(summary: dict[str, Any]) -> str:
    best = summary.get("best_checkpoint")
    if not best or best.get("step") is None:
        return "No best checkpoint was recorded for this run."
    if not str(best.get("monitor") or "val_loss").startswith("val_loss"):
        return (f"The best checkpoint (step {best['step']}, {best.get('metric_name')} "
                f"{number(best.get('metric'))}) was chosen by {best['monitor']}; the trend "
                f"minimum of validation loss is at step {summary['t_val_min']}.")
    if best.get("at_val_min") is None:
        return f"Best checkpoint at step {best['step']}."
    if best["at_val_min"]:
        return (f"The best checkpoint (step {best['step']}) sits at the validation minimum "
                f"(t_val_min = {summary['t_val_min']}, {best['distance_steps']} steps apart; "
                f"its trend loss is {number(best.get('excess_loss'))} above the minimum). Use it.")
    return (f"The best checkpoint (step {best['step']}) is {best['distance_steps']} steps "
            f"from the trend minimum of validation loss (step {summary['t_val_min']}), "
            f"beyond the tolerance of {best['tolerance_steps']}: it was probably picked on a "
            "noisy evaluation. Prefer a checkpoint near the trend minimum.")


def _gap_markdown(summary: dict[str, Any]) -> str:
    """The whole gap-analysis.md text."""
    lines = ["# Gap analysis", "", f"**{summary['headline']}**", ""]
    lines += _numbers_table(summary) + [""]
    lines += ["## Findings", ""]
    for check in summary["checks"].values():
        mark = "yes" if check["applies"] else "no"
        lines += [f"### {check['title']}: {mark}", "", check["text"], ""]
    lines += ["## Best checkpoint", "", _best_paragraph(summary), ""]
    lr = summary.get("lr") or {}
    if lr.get("note"):
        lines += ["## Learning-rate schedule", "", lr["note"], ""]
    notes = (summary.get("layers") or {}).get("notes") or []
    lines += ["## Layers", ""]
    lines += [f"- {note}" for note in notes] or ["No layer has many dead units or drifting "
                                                  "activations."]
    lines += ["", "How these are decided: see the analysis rules in the trainprobe README "
              "(smoothed trend, patience, relative thresholds).", ""]
    return "\n".join(lines)


def write_gap_report(run_dir: str | Path, summary: dict[str, Any]) -> Path:
    """Write run_dir/gap-analysis.md from the run's summary (summary.json's content)."""
    return write_text(Path(run_dir) / GAP_REPORT_NAME, _gap_markdown(summary))
