"""Synthetic inspector logs with known answers, for tests, benchmarks and for trying the
dashboard without training anything.

Kinds: healthy, overfitting (validation minimum at 40% of the run), noisy_dip (healthy plus
one lucky eval), never_improving, val_better (validation below training, as with dropout).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..instruments.logfile import LOG_NAME, SCHEMA, SCHEMA_V1, compact_record, dumps, write_lines
from ..io import write_json

KINDS = ("healthy", "overfitting", "noisy_dip", "never_improving", "val_better")


def loss_curves(kind: str, steps: np.ndarray, rng: np.random.Generator,
                noise: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """(train, val) expected losses at `steps`, before per-step noise."""
    t = steps / steps[-1]
    train = 0.1 + 2.2 * np.exp(-6 * t)
    if kind in ("healthy", "noisy_dip"):
        val = train + 0.05
    elif kind == "overfitting":
        train = 0.02 + 2.3 * np.exp(-7 * t)
        val = 0.6 + 1.8 * np.exp(-9 * t) + 0.9 * np.clip(t - 0.4, 0, None) ** 1.3
    elif kind == "never_improving":
        train = np.full_like(t, 2.3)
        val = np.full_like(t, 2.32)
    elif kind == "val_better":
        train = 0.4 + 1.9 * np.exp(-6 * t)
        val = train - 0.15
    else:
        raise ValueError(f"unknown synthetic kind {kind!r}; one of {', '.join(KINDS)}")
    return train, val + rng.normal(0, noise, size=len(t))


def synthetic_records(kind: str = "overfitting", *, steps: int = 8000, eval_every: int = 50,
                      stats_every: int = 50, layers: int = 6, seed: int = 0,
                      best: bool = True, schema: str = SCHEMA) -> list[dict[str, Any]]:
    """A full log: meta, a train record per step, eval records, stats records, and a
    "best" event at each new best validation loss. `schema` is the inspector log's current
    schema (per-layer arrays) or SCHEMA_V1 (flat `grad_norm/<layer>` keys)."""
    rng = np.random.default_rng(seed)
    names = [f"layers.{i}" for i in range(layers)]
    acts = [f"act.{i}" for i in range(layers - 1)]
    params = [f"{n}.{p}" for n in names for p in ("weight", "bias")]
    records: list[dict[str, Any]] = [{"kind": "meta", "schema": schema, "layers": names,
                                      "act_layers": acts, "params": params,
                                      "stats_every": stats_every, "grad_every": 1}]
    all_steps = np.arange(1, steps + 1)
    train, _ = loss_curves(kind, all_steps, rng)
    train = train * np.exp(rng.normal(0, 0.08, size=steps))  # minibatch noise
    eval_steps = np.arange(eval_every, steps + 1, eval_every)
    _, val = loss_curves(kind, eval_steps, rng)
    if kind == "noisy_dip":
        val[len(val) // 2] *= 0.6
    lr = 3e-3 * 0.5 * (1 + np.cos(np.pi * all_steps / steps))
    grad = 1.0 / (1 + all_steps / 500)
    best_val = np.inf
    evals = dict(zip(eval_steps.tolist(), val.tolist()))
    for step in all_steps.tolist():
        g = grad[step - 1] * np.exp(rng.normal(0, 0.1))
        record = {"kind": "train", "step": step, "loss": float(train[step - 1]),
                  "lr": float(lr[step - 1]), "grad_norm": float(g)}
        record.update({f"grad_norm/{n}": float(g / (i + 1)) for i, n in enumerate(names)})
        records.append(record)
        if step % stats_every == 0:
            frac = step / steps
            stats = {f"dead/{a}": round(0.3 * frac * i / layers, 4) for i, a in enumerate(acts)}
            stats.update({f"act_mean/{a}": 0.5 + frac * (i + 1) * 0.1 for i, a in enumerate(acts)})
            stats.update({f"weight_norm/{p}": 5 + frac for p in params})
            stats.update({f"update_ratio/{p}": 1e-3 / (1 + frac) for p in params})
            records.append({"kind": "stats", "step": step, **stats})
        if step in evals:
            records.append({"kind": "eval", "step": step, "val_loss": evals[step],
                            "val_metric": float(np.clip(1 - evals[step] / 2.5, 0, 1)),
                            "metric_name": "accuracy"})
            if best and evals[step] < best_val:
                best_val = evals[step]
                records.append({"kind": "event", "step": step, "event": "best",
                                "val_loss": evals[step]})
    if schema == SCHEMA_V1:
        return records
    return records[:1] + [compact_record(r, records[0]) for r in records[1:]]


def write_synthetic_run(run_dir: str | Path, kind: str = "overfitting", *,
                        manifest: bool = True, **options: Any) -> Path:
    """Write `run_dir/inspector.log.jsonl` (and a minimal manifest.json)."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    records = synthetic_records(kind, **options)
    write_lines(run_dir / LOG_NAME, (dumps(r) for r in records))
    if manifest:
        best = [r for r in records if r.get("event") == "best"]
        steps = options.get("steps", 8000)
        write_json(run_dir / "manifest.json", {
            "config": {"schedule": "cosine", "max_steps": steps, "schedule_steps": steps,
                       "warmup_steps": 0, "lr": 3e-3, "min_lr": 0.0, "dropout": 0.0},
            "best_checkpoint": ({"path": "checkpoints/best.pt", "step": best[-1]["step"]}
                                if best else None)})
    return run_dir
