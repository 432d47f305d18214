"""Curves made light enough to draw: min/max bucket downsampling and JSON-safe lists.

An 8000-step run with a dozen per-layer curves is ~100k points; drawn as SVG that takes
seconds and makes hover sluggish. Each long curve is reduced to the minimum and maximum of
~`buckets` consecutive steps, which keeps every spike a reader should see (a mean or a
stride would hide them), while markers (best checkpoint, onset) are placed at exact steps.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

BUCKETS = 700  # -> at most ~1400 points per curve


def minmax_downsample(x: Sequence[float], y: Sequence[float],
                      buckets: int = BUCKETS) -> tuple[np.ndarray, np.ndarray]:
    """Keep, for each of `buckets` runs of consecutive points, its min and its max (in
    step order). Short curves are returned unchanged; NaN points are dropped."""
    x_a, y_a = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    finite = np.isfinite(y_a)
    x_a, y_a = x_a[finite], y_a[finite]
    n = len(y_a)
    if n <= 2 * buckets:
        return x_a, y_a
    size = math.ceil(n / buckets)
    rows = math.ceil(n / size)
    padded = np.full(rows * size, np.nan)
    padded[:n] = y_a
    grid = padded.reshape(rows, size)
    low = np.nanargmin(np.where(np.isnan(grid), np.inf, grid), axis=1)
    high = np.nanargmax(np.where(np.isnan(grid), -np.inf, grid), axis=1)
    offsets = np.arange(rows) * size
    first = offsets + np.minimum(low, high)
    second = offsets + np.maximum(low, high)
    index = np.unique(np.concatenate([first, second, [0, n - 1]]))
    index = index[index < n]
    return x_a[index], y_a[index]


def as_list(values: Sequence[float] | np.ndarray) -> list[float | None]:
    """JSON/JS-safe list: 4 significant digits, NaN/inf -> null (a gap in the line)."""
    out: list[float | None] = []
    for value in np.asarray(values, dtype=float).tolist():
        out.append(float(f"{value:.4g}") if math.isfinite(value) else None)
    return out


def as_steps(values: Sequence[float] | np.ndarray) -> list[int]:
    return [int(v) for v in np.asarray(values).tolist()]


def line(x: Any, y: Any, name: str, *, downsample: bool = True, **style: Any) -> dict[str, Any]:
    """A plotly scatter trace dict (SVG; downsampled curves stay fast without WebGL, which
    headless and remote-desktop browsers often lack)."""
    if downsample:
        x, y = minmax_downsample(x, y)
    trace = {"type": "scatter", "mode": "lines", "name": name, "x": as_steps(x),
             "y": as_list(y), "hovertemplate": f"{name}<br>step %{{x}}<br>%{{y:.4g}}"
                                              "<extra></extra>"}
    trace.update(style)
    return trace


def finite_any(values: np.ndarray) -> bool:
    return bool(np.isfinite(np.asarray(values, dtype=float)).any())
