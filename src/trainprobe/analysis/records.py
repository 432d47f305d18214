"""An inspector log as columns: the shape every analysis and view reads.

Views and analyses never parse JSON lines themselves; they get a RunLog, in which each
record kind is a step column plus one column per key (missing values are NaN).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import TrainprobeError
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


NUMERIC_KINDS = ("train", "eval", "stats")
TEXT_KEYS = {"kind", "step", "metric_name"}


def check_record(record: dict[str, Any], number: int, path: Path) -> None:
    """A record of the wrong shape (an edited or foreign log) is one error line naming the
    record and the key, not a traceback deep inside the analysis. Torn lines from a killed
    writer never get here: they are not JSON and are skipped."""
    kind = record.get("kind")
    problem = None
    if kind == "meta":
        for key in ("layers", "act_layers", "params"):
            value = record.get(key, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                problem = f"{key!r} is {value!r}, not a list of names"
    elif kind in (*NUMERIC_KINDS, "event"):
        step = record.get("step")
        if isinstance(step, bool) or not isinstance(step, int) or step < 0:
            problem = f"'step' is {step!r}, not a step number"
        elif kind == "eval" and not isinstance(record.get("metric_name") or "", str):
            problem = f"'metric_name' is {record['metric_name']!r}, not a name"
        elif kind in NUMERIC_KINDS:
            key = next((k for k, v in record.items() if k not in TEXT_KEYS and v is not None
                        and (isinstance(v, bool) or not isinstance(v, (int, float)))), None)
            problem = None if key is None else f"{key!r} is {record[key]!r}, not a number"
    if problem is not None:
        raise TrainprobeError(f"{path}: {kind} record {number}: {problem}",
                              "the log was edited or was not written by trainprobe: restore "
                              "it, or remove that line")


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
    for number, record in enumerate(iter_flat_records(path), start=1):
        check_record(record, number, path)
        kind = record.get("kind")
        if kind == "meta":
            meta = meta or record
        elif kind == "event":
            events.append(record)
        elif kind in by_kind:
            by_kind[kind][int(record.get("step", 0))] = record
            if kind == "eval" and record.get("metric_name"):
                metric_name = record["metric_name"]
    if not meta and not events and not any(by_kind.values()):
        raise TrainprobeError(f"{path} holds no inspector records",
                              "point at an inspector.log.jsonl written by trainprobe (one "
                              "JSON object per line)")
    ordered = {kind: [rows[s] for s in sorted(rows)] for kind, rows in by_kind.items()}
    return RunLog(meta, columns(ordered["train"]), columns(ordered["eval"]),
                  columns(ordered["stats"]), events, metric_name)
