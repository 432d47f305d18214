"""An inspector log as columns: the shape every analysis and view reads.

Views and analyses never parse JSON lines themselves; they get a RunLog, in which each
record kind is a step column plus one column per key (missing values are NaN).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..instruments.logfile import LOG_NAME, iter_flat_records


@dataclass
class Columns:
    """Records of one kind: `steps` and `values[key]`, aligned, as float arrays."""

    steps: np.ndarray
    values: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.steps)

    def get(self, key: str) -> np.ndarray:
        return self.values.get(key, np.full(len(self.steps), np.nan))

    def prefixed(self, prefix: str) -> dict[str, np.ndarray]:
        """{suffix: column} for keys "prefix/suffix" (e.g. per-layer grad norms)."""
        head = prefix + "/"
        return {key[len(head):]: column for key, column in self.values.items()
                if key.startswith(head)}


@dataclass
class RunLog:
    meta: dict[str, Any]
    train: Columns
    evals: Columns
    stats: Columns
    events: list[dict[str, Any]]
    metric_name: str | None = None

    @property
    def last_step(self) -> int:
        ends = [int(c.steps[-1]) for c in (self.train, self.evals) if len(c)]
        return max(ends, default=0)


def columns(records: list[dict[str, Any]]) -> Columns:
    steps = np.array([int(r.get("step", 0)) for r in records], dtype=np.int64)
    keys: dict[str, None] = {}
    for record in records:
        for key, value in record.items():
            if key not in ("kind", "step") and (value is None or isinstance(value, (int, float))):
                keys[key] = None
    values = {key: np.array([as_number(r.get(key)) for r in records], dtype=float)
              for key in keys}
    return Columns(steps, values)


def as_number(value: Any) -> float:
    if value is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return float("nan")
    return float(value)


def read_log(path: str | Path) -> RunLog:
    """Read `inspector.log.jsonl` (or a run directory holding one), schema /1 or /2
    (per-layer arrays become `prefix/<name>` columns either way). When a step appears
    twice (a log written by a resumed run without truncation), the last record wins."""
    path = Path(path)
    if path.is_dir():
        path = path / LOG_NAME
    by_kind: dict[str, dict[int, dict[str, Any]]] = {"train": {}, "eval": {}, "stats": {}}
    meta: dict[str, Any] = {}
    events: list[dict[str, Any]] = []
    metric_name = None
    for record in iter_flat_records(path):
        kind = record.get("kind")
        if kind == "meta":
            meta = meta or record
        elif kind == "event":
            events.append(record)
        elif kind in by_kind:
            by_kind[kind][int(record.get("step", 0))] = record
            if kind == "eval" and record.get("metric_name"):
                metric_name = record["metric_name"]
    ordered = {kind: [rows[s] for s in sorted(rows)] for kind, rows in by_kind.items()}
    return RunLog(meta, columns(ordered["train"]), columns(ordered["eval"]),
                  columns(ordered["stats"]), events, metric_name)
