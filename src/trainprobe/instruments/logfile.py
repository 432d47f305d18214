"""The inspector's JSON-lines file: compact numbers, buffered appends, and a reader that
survives a killed writer.

Why not a plain `open(..., "a")` with `print`: a run killed by SIGKILL or a power cut must
leave a log in which every line is complete JSON. Lines are buffered in memory and written
in one `os.write` per flush (whole lines only), so the file never ends mid-line unless the
kernel itself tears a write; the reader and `truncate_after` drop such a tail anyway.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from ..formatting import DIGITS, significant
from ..io import write_text

__all__ = ["LOG_NAME", "SCHEMA", "SCHEMA_V1", "LineWriter", "compact_record", "dumps",
           "iter_flat_records", "iter_records", "last_step", "num", "truncate_after", "write_lines"]

SCHEMA = "trainprobe.inspector/2"
SCHEMA_V1 = "trainprobe.inspector/1"
LOG_NAME = "inspector.log.jsonl"
#: schema /2 writes per-layer values as one array against a list of names (the header):
#: array key -> (the flat key prefix of schema /1, the header that names its entries).
#: The header is the record's own key of that name when present, else the meta record's.
_ARRAYS = {"layer_grad_norm": ("grad_norm", "layers"), "dead": ("dead", "act_layers"),
          "saturated": ("saturated", "act_layers"), "act_mean": ("act_mean", "act_layers"),
          "weight_norm": ("weight_norm", "params"), "update_ratio": ("update_ratio", "params")}


_FLOAT_TEXT = f"{{:.{DIGITS}g}}".format  # formatting.number's rule, bound once


def num(value: float | None) -> str:
    """A float as JSON text, formatting.number's rule (DIGITS significant digits) inlined
    because it runs for every logged value; non-finite and None become null (strict JSON
    has no NaN; a null loss in the log means NaN or inf)."""
    if value is None or not math.isfinite(value):
        return "null"
    return _FLOAT_TEXT(value)


def dumps(record: dict[str, Any]) -> str:
    """One compact JSON line for a dict record; floats rounded like `num`."""
    clean = {key: significant(value) if isinstance(value, float) else
             [significant(v) if isinstance(v, float) else v for v in value]
             if isinstance(value, list) else value
             for key, value in record.items()}
    return json.dumps(clean, separators=(",", ":"), allow_nan=False)


class LineWriter:
    """Appends whole lines to a file; `flush()` writes the buffer in one system call.

    The buffer is flushed automatically every `flush_lines` lines; callers flush on evals,
    events and close so that what matters is on disk before anything else happens.
    """

    def __init__(self, path: Path, *, append: bool, flush_lines: int = 100):
        self.path = path
        self.flush_lines = flush_lines
        self._buffer: list[str] = []
        flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
        self._fd: int | None = os.open(path, flags, 0o644)

    def write(self, line: str) -> None:
        self._buffer.append(line)
        if len(self._buffer) >= self.flush_lines:
            self.flush()

    def flush(self) -> None:
        if not self._buffer or self._fd is None:
            return
        data = ("\n".join(self._buffer) + "\n").encode("utf-8")
        self._buffer.clear()
        view = memoryview(data)
        while view:  # a regular file takes it all at once; loop for the odd short write
            written = os.write(self._fd, view)
            view = view[written:]

    def close(self) -> None:
        if self._fd is None:
            return
        try:
            self.flush()
        finally:
            os.close(self._fd)
            self._fd = None

    @property
    def closed(self) -> bool:
        return self._fd is None


def _iter_lines(path: str | Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(line, record) pairs of a log, skipping a torn last line (a writer killed
    mid-write) and blank lines. A damaged line in the middle is skipped too: one bad line
    never hides a run."""
    with open(path, encoding="utf-8", errors="replace") as handle:  # a bad byte: a bad line
        for line in handle:
            line = line.strip()
            if not line:
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict):
                yield line, record


def iter_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """The records of a log (see `_iter_lines`)."""
    for _, record in _iter_lines(path):
        yield record


def _flat_record(record: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """A record of either schema as the flat /1 form: `{"grad_norm/<layer>": v, ...}`.
    Arrays of /2 are expanded against their header; /1 records are returned as they are
    (so a log a resumed run continued in the newer schema reads whole)."""
    if not any(isinstance(value, list) for value in record.values()):
        return record
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if key in _ARRAYS and isinstance(value, list):
            prefix, header = _ARRAYS[key]
            names = record.get(header) or meta.get(header) or []
            flat.update({f"{prefix}/{name}": v for name, v in zip(names, value)})
        elif not isinstance(value, list):
            flat[key] = value
    return flat


def compact_record(record: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """The inverse of `_flat_record`: flat `prefix/<name>` keys into /2 arrays over the
    meta record's headers (names missing from the record become null)."""
    out = {k: v for k, v in record.items()
           if not any(k.startswith(prefix + "/") for prefix, _ in _ARRAYS.values())}
    for key, (prefix, header) in _ARRAYS.items():
        names = meta.get(header) or []
        if any(f"{prefix}/{name}" in record for name in names):
            out[key] = [record.get(f"{prefix}/{name}") for name in names]
    return out


def iter_flat_records(path: str | Path) -> Iterator[dict[str, Any]]:
    """The records of a log of schema /1 or /2, each in the flat /1 form (readers of
    the log go through this, never through the raw lines)."""
    meta: dict[str, Any] = {}
    for record in iter_records(path):
        if record.get("kind") == "meta" and not meta:
            meta = record
            yield record
        else:
            yield _flat_record(record, meta)


def last_step(path: Path) -> int:
    """The highest step of any train record in the log (0 when none)."""
    steps = [int(r.get("step", 0)) for r in iter_records(path) if r.get("kind") == "train"]
    return max(steps, default=0)


def truncate_after(path: Path, step: int) -> dict[str, Any] | None:
    """Rewrite the log keeping only records with step <= `step` (and the first meta
    record), byte for byte, so that a run resumed from a checkpoint at `step` continues a
    log identical to an uninterrupted one. Returns the meta record, or None."""
    kept: list[str] = []
    meta = None
    for line, record in _iter_lines(path):
        if record.get("kind") == "meta":
            if meta is None:
                meta = record
                kept.append(line)
        elif int(record.get("step", 0)) <= step:
            kept.append(line)
    write_text(path, "".join(line + "\n" for line in kept))  # atomic and fsynced
    return meta


def write_lines(path: Path, lines: Iterable[str]) -> None:
    """Write a whole log at once (tests, synthetic runs)."""
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
