"""Which rung a sweep or a grid runs at: the one given, or the ladder's breaking rung.

The practice sweeps at the rung where memorization breaks; when every rung passes there
is nothing broken, and the largest rung of the ladder is the most demanding one to tune.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..engine import reraise_interrupt
from ..errors import ConfigError
from ..overfit.ladder import run_ladder
from ..spec import Spec

__all__ = ["RungChoice", "choose_rung"]


@dataclass
class RungChoice:
    n: int
    why: str  # shown to the user: where the rung came from


def choose_rung(spec: Spec, train_data: Sequence[Any], rung: int | None, seed: int,
                overrides: dict[str, Any] | None = None) -> RungChoice:
    """`rung` when given (checked against the data), else run the ladder to find it."""
    if rung is not None:
        if rung < 1 or rung > len(train_data):
            raise ConfigError(f"--rung {rung} is outside 1..{len(train_data)} (training set size)",
                              f"pass a rung between 1 and {len(train_data)}")
        return RungChoice(rung, "given with --rung")
    run = run_ladder(spec, seed=seed, overrides=overrides, train_data=train_data)
    for result in run.rungs:  # Ctrl-C during the ladder: no rung was found
        reraise_interrupt(result.stop_reason)
    if run.breaking_point is not None:
        return RungChoice(run.breaking_point, "the ladder's breaking rung")
    largest = run.rungs[-1].n
    return RungChoice(largest, f"every rung passed; using the largest rung ({largest})")
