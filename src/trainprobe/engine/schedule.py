"""Learning rate as a function of the step, nanoGPT-style: warmup, then constant or
cosine; plus a plateau tracker that scales the rate down when the eval loss stalls."""

from __future__ import annotations

import math
from typing import Any

from .config import TrainConfig

__all__ = ["Plateau", "lr_at", "planned_lr", "schedule_info"]


def lr_at(step: int, config: TrainConfig) -> float:
    """The learning rate for optimizer step `step` (0-based), before any plateau scaling."""
    if config.warmup_steps and step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    if config.schedule != "cosine":
        return config.lr
    decay_steps = max(1, config.horizon - config.warmup_steps)
    progress = min(1.0, (step - config.warmup_steps) / decay_steps)  # stays at min_lr past T
    coefficient = 0.5 * (1.0 + math.cos(math.pi * progress))  # 1 -> 0
    return config.min_lr + coefficient * (config.lr - config.min_lr)


def schedule_info(config: TrainConfig) -> dict[str, Any]:
    """The schedule as the run records it (manifest.json's `schedule`), computed here
    once: the cosine horizon T may differ from the run's length, and the analysis, the gap
    report and the dashboard read `horizon_differs` from this record."""
    cosine = config.schedule == "cosine"
    return {"kind": config.schedule, "warmup_steps": config.warmup_steps,
            "horizon": config.horizon if cosine else None, "max_steps": config.max_steps,
            "horizon_differs": cosine and config.horizon != config.max_steps}


def planned_lr(config: TrainConfig, until: int, points: int = 600) -> dict[str, list]:
    """The configured schedule (before plateau scaling) at up to `points` steps from 1
    to `until`: what the dashboard draws beside the rate the run actually used."""
    count = max(2, min(points, until + 1))
    steps = sorted({round(i * until / (count - 1)) for i in range(count)})
    return {"steps": [s + 1 for s in steps], "lr": [lr_at(s, config) for s in steps]}


class Plateau:
    """ReduceLROnPlateau's rule: after `patience` evals without a relative improvement of
    1e-4, multiply the rate by `factor` (never below min_lr)."""

    def __init__(self, factor: float, patience: int, threshold: float = 1e-4):
        self.factor = factor
        self.patience = patience
        self.threshold = threshold
        self.best = math.inf
        self.bad_evals = 0
        self.scale = 1.0

    def update(self, value: float, mode: str = "min") -> None:
        """One eval's monitored value; `mode` "max" for a quantity that should rise
        (ReduceLROnPlateau's relative threshold in that direction). `best` starts at inf,
        which in either mode means "nothing seen yet"."""
        if mode == "max":
            better = math.isfinite(value) and (
                self.best == math.inf or value > self.best * (1 + self.threshold))
        else:
            better = value < self.best * (1 - self.threshold)
        if better:
            self.best = value
            self.bad_evals = 0
            return
        self.bad_evals += 1
        if self.bad_evals > self.patience:
            self.scale *= self.factor
            self.bad_evals = 0

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "bad_evals": self.bad_evals, "scale": self.scale}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.bad_evals, self.scale = state["best"], state["bad_evals"], state["scale"]
