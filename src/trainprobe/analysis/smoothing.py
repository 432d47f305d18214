"""Smoothing and noise estimates for loss curves, so that decisions follow the trend and
not a single lucky evaluation."""

from __future__ import annotations

import numpy as np


def _median3(values: np.ndarray) -> np.ndarray:
    """Running median of width 3: removes isolated one-eval dips and spikes entirely
    (a moving average would only dilute them)."""
    if len(values) < 3:
        return values.astype(float).copy()
    padded = np.concatenate([values[:1], values, values[-1:]])
    stacked = np.stack([padded[:-2], padded[1:-1], padded[2:]])
    return np.median(stacked, axis=0)


def moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Centered mean over `window` points, the window shrinking at the edges (no phase
    shift, so a minimum stays where it is)."""
    n = len(values)
    if window <= 1 or n == 0:
        return values.astype(float).copy()
    half = window // 2
    cumulative = np.concatenate([[0.0], np.cumsum(values, dtype=float)])
    index = np.arange(n)
    lo = np.clip(index - half, 0, n)
    hi = np.clip(index + half + 1, 0, n)
    return (cumulative[hi] - cumulative[lo]) / (hi - lo)


def _default_window(n: int) -> int:
    """Odd window growing with the number of evals: 1 for <20, up to 9 for >=80."""
    return 1 + 2 * max(0, min(4, n // 20))


def robust_smooth(values: np.ndarray, window: int | None = None) -> np.ndarray:
    """_median3 then a centered moving average."""
    values = np.asarray(values, dtype=float)
    return moving_average(_median3(values), window or _default_window(len(values)))


def second_differences(values: np.ndarray) -> np.ndarray:
    """values[i] - mean(values[i-1], values[i+1]) for interior points: how far each eval
    sits from the straight line through its neighbours. Nearly free of the trend's
    curvature when evals are dense, so it measures noise and single-eval anomalies."""
    values = np.asarray(values, dtype=float)
    if len(values) < 3:
        return np.zeros(0)
    return values[1:-1] - 0.5 * (values[:-2] + values[2:])


def noise_level(values: np.ndarray) -> float:
    """Robust standard deviation of the eval-to-eval noise: 1.4826 x MAD of the second
    differences, divided by sqrt(1.5) (their std for white noise). Floored at 0.1% of the
    curve's level so that a perfectly smooth curve does not make every wiggle an anomaly."""
    diffs = second_differences(values)
    diffs = diffs[np.isfinite(diffs)]
    values = np.asarray(values, dtype=float)
    level = float(np.nanmedian(np.abs(values))) if np.isfinite(values).any() else 0.0
    if diffs.size == 0:
        return 1e-3 * level
    mad = float(np.median(np.abs(diffs - np.median(diffs))))
    return max(1.4826 * mad / np.sqrt(1.5), 1e-3 * level)


def window_means(steps: np.ndarray, values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """For each step in `at`, the mean of `values` over (previous `at`, this `at`]: the
    training loss the model had around each evaluation."""
    result = np.full(len(at), np.nan)
    finite = np.isfinite(values)
    steps, values = steps[finite], values[finite]
    previous = -np.inf
    for i, step in enumerate(at):
        mask = (steps > previous) & (steps <= step)
        if not mask.any():  # sparse logs: fall back to the nearest earlier value
            earlier = steps <= step
            mask = earlier & (steps == steps[earlier].max()) if earlier.any() else mask
        if mask.any():
            result[i] = float(values[mask].mean())
        previous = step
    return result
