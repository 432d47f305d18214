"""lr_sweep.json's content (stable keys, schema string) and lr.yaml (the chosen rate, in
train's config.yaml format), written by workflows/sweeps.py. The markdown and HTML
renderings are in views/ (views/publish.py writes them)."""

from __future__ import annotations

from typing import Any

from ..formatting import json_safe
from .lr_sweep import SweepResult

__all__ = ["clean", "lr_yaml", "sweep_report"]

_SWEEP_SCHEMA = "trainprobe.lr_sweep/1"


def clean(value: Any) -> Any:
    return json_safe(value)


def sweep_report(*, spec_name: str, task: str, rung: int, rung_source: str, method: str,
                 sweep: SweepResult | None, ranges: dict[str, Any] | None,
                 chosen: float | None, chosen_by: str | None,
                 verify: dict[str, Any] | None) -> dict[str, Any]:
    return clean({"schema": _SWEEP_SCHEMA, "spec": spec_name, "task": task, "rung": rung,
                  "rung_source": rung_source, "method": method, "chosen_lr": chosen,
                  "chosen_by": chosen_by,
                  "sweep": sweep.to_dict(with_curves=True) if sweep else None,
                  "range_test": ranges, "verify": verify})


def lr_yaml(lr: float, source: str) -> str:
    """train's config.yaml format; the same key works in a spec's CONFIG dict."""
    return (f"# learning rate chosen by trainprobe lr-sweep ({source})\n"
            f"# use: trainprobe train SPEC --config lr.yaml, or CONFIG = {{'lr': {lr:.3g}}}\n"
            f"lr: {lr:.3g}\n")
