"""Layer health from the inspector's scheduled statistics: units that die and activation
magnitudes that drift."""

from __future__ import annotations

from typing import Any

import numpy as np

from .records import Columns

DEAD_ALARM = 0.5  # half of a layer's units dead at the end
DRIFT_ALARM = 4.0  # mean |activation| grew or shrank by this factor


def _last_finite(column: np.ndarray) -> float | None:
    finite = column[np.isfinite(column)]
    return float(finite[-1]) if finite.size else None


def _first_finite(column: np.ndarray) -> float | None:
    finite = column[np.isfinite(column)]
    return float(finite[0]) if finite.size else None


def layer_health(stats: Columns) -> dict[str, Any]:
    """{"dead_final", "dead_max", "act_mean_first", "act_mean_final", "act_mean_drift",
    "notes"}: per-layer numbers and plain-language notes for the alarming ones."""
    dead = stats.prefixed("dead")
    acts = stats.prefixed("act_mean")
    dead_final = {name: _last_finite(col) for name, col in dead.items()}
    dead_max = {name: (float(np.nanmax(col)) if np.isfinite(col).any() else None)
                for name, col in dead.items()}
    first = {name: _first_finite(col) for name, col in acts.items()}
    final = {name: _last_finite(col) for name, col in acts.items()}
    drift = {name: (final[name] / first[name] if first[name] and final[name] is not None
                    else None) for name in acts}
    notes = []
    for name, value in dead_final.items():
        if value is not None and value >= DEAD_ALARM:
            notes.append(f"layer {name}: {100 * value:.0f}% of units are dead at the end "
                         "(zero output for every input of the measured batch); lower the "
                         "learning rate, use LeakyReLU/GELU, or check the initialization")
    for name, ratio in drift.items():
        if ratio is not None and (ratio >= DRIFT_ALARM or ratio <= 1 / DRIFT_ALARM):
            notes.append(f"layer {name}: mean |activation| drifted x{ratio:.3g} "
                         f"({first[name]:.3g} -> {final[name]:.3g}); consider normalization "
                         "or weight decay")
    return {"dead_final": dead_final, "dead_max": dead_max, "act_mean_first": first,
            "act_mean_final": final, "act_mean_drift": drift, "notes": notes}
