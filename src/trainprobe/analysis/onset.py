"""Where overfitting begins, decided on the trend of the validation loss.

A raw argmin of the validation loss is fooled by one lucky evaluation. Here the curve is
smoothed (running median of 3, then a centered mean), the minimum of the smoothed curve is
`t_val_min`, and an onset is declared only when, after it, the smoothed validation loss
stays above the minimum by more than a threshold for at least `patience` evaluations up to
the end of the run, while the training loss keeps falling. The onset step is `t_val_min`:
the last point at which more training still helped validation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .smoothing import noise_level, robust_smooth, second_differences

DIP_SIGMAS = 4.0  # a single eval this many noise sigmas from the trend is an anomaly
MIN_ANOMALY = 0.01  # ... and at least 1% of the loss away from it

PATIENCE = 3  # evals above the minimum before a rise counts as the onset


@dataclass
class Onset:
    t_val_min: int | None  # step of the minimum of the smoothed validation loss
    val_min: float | None  # smoothed value there
    raw_val_min_step: int | None  # argmin of the raw curve (may be a one-eval dip)
    raw_val_min: float | None
    train_min_step: int | None
    train_min: float | None
    final_train: float | None  # smoothed, at the last eval
    final_val: float | None
    final_gap: float | None  # final_val - final_train
    final_gap_ratio: float | None  # final_gap / |final_val|
    detected: bool  # a sustained rise after t_val_min while train kept falling
    onset_step: int | None
    rise: float | None  # final smoothed val - val_min
    threshold: float | None  # the rise that counts, in loss units
    evals_above: int  # evals after t_val_min above val_min + threshold
    train_still_falling: bool  # smoothed train loss at the end <= at t_val_min
    noise: float  # robust std of val residuals around the trend
    anomalies: list[dict[str, Any]] = field(default_factory=list)  # single-eval dips/spikes
    evals_after_min: int = 0  # evals after t_val_min (0: the trend minimum is the last eval)
    best_step: int | None = None
    best_at_val_min: bool | None = None  # within `tolerance_steps` of t_val_min
    best_distance: int | None = None
    best_excess: float | None = None  # trend val loss at the best step - val_min
    tolerance_steps: int | None = None
    smoothed_train: list[float] = field(default_factory=list)
    smoothed_val: list[float] = field(default_factory=list)

    def to_dict(self, curves: bool = False) -> dict[str, Any]:
        data = asdict(self)
        if not curves:
            data.pop("smoothed_train")
            data.pop("smoothed_val")
        return data


def overfit_onset(steps: Sequence[int], train_loss: Sequence[float],
                  val_loss: Sequence[float], *, best_step: int | None = None,
                  patience: int = PATIENCE, min_rise: float = 0.02, window: int | None = None,
                  near_steps: int | None = None) -> Onset:
    """Analyse losses recorded at the same eval `steps` (`train_loss` = the training loss
    around each eval, e.g. a window mean).

    patience: evals after the minimum that must sit above it by the threshold.
    min_rise: the smallest relative rise that counts (threshold = max(min_rise x val_min,
      2 x noise)).
    near_steps: how far the best checkpoint may sit from t_val_min and still count as
      "at" it; default max(2 eval intervals, 5% of the run).
    """
    steps_a = np.asarray(steps, dtype=np.int64)
    train = np.asarray(train_loss, dtype=float)
    val = np.asarray(val_loss, dtype=float)
    keep = np.isfinite(val)
    steps_a, train, val = steps_a[keep], train[keep], val[keep]
    if len(val) == 0:
        return _empty_onset(best_step)
    smooth_val = robust_smooth(val, window)
    smooth_train = robust_smooth(train, window) if np.isfinite(train).all() else train
    noise = noise_level(val)
    i_min = int(np.argmin(smooth_val))
    val_min = float(smooth_val[i_min])
    threshold = max(min_rise * abs(val_min), 2.0 * noise)
    above = smooth_val[i_min + 1:] > val_min + threshold
    final_val, final_train = float(smooth_val[-1]), float(smooth_train[-1])
    # overfitting, not divergence: training loss did not go up while validation did
    falling = bool(np.isfinite(final_train) and final_train <= smooth_train[i_min])
    detected = bool(above.sum() >= patience and above[-1] and falling) if above.size else False
    gap = final_val - final_train if np.isfinite(final_train) else None
    train_min_i = int(np.nanargmin(smooth_train)) if np.isfinite(smooth_train).any() else None
    raw_i = int(np.argmin(val))
    onset = Onset(
        t_val_min=int(steps_a[i_min]), val_min=val_min,
        raw_val_min_step=int(steps_a[raw_i]), raw_val_min=float(val[raw_i]),
        train_min_step=None if train_min_i is None else int(steps_a[train_min_i]),
        train_min=None if train_min_i is None else float(smooth_train[train_min_i]),
        final_train=final_train if np.isfinite(final_train) else None, final_val=final_val,
        final_gap=gap, final_gap_ratio=None if gap is None else gap / max(abs(final_val), 1e-12),
        detected=detected, onset_step=int(steps_a[i_min]) if detected else None,
        rise=final_val - val_min, threshold=threshold, evals_above=int(above.sum()),
        train_still_falling=falling, noise=noise, evals_after_min=len(val) - 1 - i_min,
        anomalies=anomalies(steps_a, val, noise),
        smoothed_train=[float(v) for v in smooth_train],
        smoothed_val=[float(v) for v in smooth_val])
    _place_best(onset, steps_a, best_step, near_steps)
    return onset


def anomalies(steps: np.ndarray, val: np.ndarray, noise: float) -> list[dict[str, Any]]:
    """Single evals far from the line through their two neighbours and beyond both of
    them: dips (lucky evals) and spikes. `trend` in each entry is that neighbour mean. Largest first wins, and its
    neighbours are not reported (a dip makes both neighbours look high)."""
    distances = second_differences(val)
    sigma = noise * np.sqrt(1.5)  # the std of a second difference of white noise
    candidates = []
    for i, distance in enumerate(distances, start=1):
        local = val[i] - distance
        # a dip is a local minimum, a spike a local maximum: on a steep convex curve
        # an eval sits below the chord of its neighbours without being an anomaly
        extreme = val[i] < min(val[i - 1], val[i + 1]) if distance < 0 else \
            val[i] > max(val[i - 1], val[i + 1])
        if extreme and abs(distance) > DIP_SIGMAS * sigma and \
                abs(distance) > MIN_ANOMALY * abs(local):
            candidates.append((abs(distance), i, float(distance), float(local)))
    taken: set[int] = set()
    found = []
    for size, i, distance, local in sorted(candidates, reverse=True):
        if taken & {i - 1, i + 1}:
            continue
        taken.add(i)
        found.append({"step": int(steps[i]), "val_loss": float(val[i]), "trend": local,
                      "kind": "dip" if distance < 0 else "spike",
                      "sigmas": float(size / max(sigma, 1e-12))})
    return sorted(found, key=lambda a: a["step"])


def _place_best(onset: Onset, steps: np.ndarray, best_step: int | None,
               near_steps: int | None) -> None:
    """Is the best checkpoint at (or near) t_val_min? Near in steps, or, on a flat
    bottom where the minimum's position is noise, near in loss: the trend there is within
    the threshold of the minimum."""
    if best_step is None or onset.t_val_min is None:
        onset.best_step = best_step
        return
    interval = int(np.median(np.diff(steps))) if len(steps) > 1 else 1
    span = int(steps[-1] - steps[0]) if len(steps) > 1 else 0
    tolerance = near_steps if near_steps is not None else max(2 * interval, span // 20)
    distance = int(abs(int(best_step) - onset.t_val_min))
    onset.best_step = int(best_step)
    onset.best_distance = distance
    onset.tolerance_steps = int(tolerance)
    nearest = int(np.argmin(np.abs(steps - int(best_step))))
    excess = onset.smoothed_val[nearest] - (onset.val_min or 0.0)
    onset.best_excess = float(excess)
    onset.best_at_val_min = bool(distance <= tolerance or excess <= (onset.threshold or 0.0))


def _empty_onset(best_step: int | None) -> Onset:
    return Onset(None, None, None, None, None, None, None, None, None, None, False, None,
                 None, None, 0, False, 0.0, best_step=best_step)
