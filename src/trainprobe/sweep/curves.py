"""Pure functions over loss curves: the rules the LR sweep and the range test decide by.

Kept free of training so each rule can be tested on scripted sequences.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["area_score", "best_so_far", "curve_status", "descended", "finite", "has_nonfinite",
           "median", "spread", "trust_text"]

#: a curve "descended" when its best loss fell to this fraction of its first loss or below
_DESCENT_FRACTION = 0.5
_LOG_FLOOR = 1e-8  # relative floor so a loss of exactly 0 has a finite log


def finite(values: Sequence[float]) -> list[float]:
    return [v for v in values if math.isfinite(v)]


def best_so_far(losses: Sequence[float], budget: int, pad_with: float | None = None) -> list[float]:
    """Running minimum of the finite losses, padded to `budget` steps.

    A run that stopped early because it memorized keeps its best loss for the rest of the
    budget (it reached the goal); a diverged run is padded with `pad_with` (its first loss)
    so stopping early never looks like progress.
    """
    curve: list[float] = []
    best = math.inf
    for value in losses[:budget]:
        if math.isfinite(value):
            best = min(best, value)
        curve.append(best)
    fill = pad_with if pad_with is not None else best
    curve += [fill] * (budget - len(curve))
    return curve


def area_score(losses: Sequence[float], budget: int, diverged: bool = False) -> float:
    """Mean of log10(best loss so far / first loss) over the step budget.

    The area under the log-loss curve, normalised: 0 means no progress, -1 means the loss
    sat 10x below its start on average over the budget. Lower is better; falling earlier
    and falling further both lower it, which is what "the loss falls fastest" means here.
    """
    values = finite(losses)
    if not values or values[0] <= 0:
        return 0.0
    start = values[0]
    curve = best_so_far(losses, budget, pad_with=start if diverged else None)
    floor = start * _LOG_FLOOR
    return sum(math.log10(max(v, floor) / start) for v in curve) / len(curve)


def descended(losses: Sequence[float], fraction: float = _DESCENT_FRACTION) -> bool:
    """True when the best finite loss reached `fraction` of the first loss."""
    values = finite(losses)
    return bool(values) and min(values) <= fraction * values[0]


def has_nonfinite(losses: Sequence[float]) -> bool:
    return any(not math.isfinite(v) for v in losses)


def curve_status(losses: Sequence[float], diverged: bool) -> str:
    """One of: 'descended', 'never descended', 'diverged', 'diverged at once'.

    'diverged at once' = it blew up before the loss ever halved: the rate was already
    too high at the start.
    """
    went_down = descended(losses)
    if diverged:
        return "diverged" if went_down else "diverged at once"
    return "descended" if went_down else "never descended"


def spread(values: Sequence[float | None]) -> float | None:
    """max/min of positive values (1.0 = all agree); None when any value is missing."""
    if not values or any(v is None or v <= 0 for v in values):
        return None
    return max(values) / min(values)  # type: ignore[type-var, operator]


def median(values: Sequence[float]) -> float:
    """The median; with an even count, the lower middle value, so the answer is one of
    the measured learning rates rather than an average no run used."""
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2] if ordered else math.nan


def trust_text(choices: Sequence[float | None]) -> str:
    """A sentence saying how far the per-seed answers agree."""
    count = len(choices)
    missing = sum(c is None for c in choices)
    if missing:
        return f"{missing} of {count} seed(s) found no usable learning rate: do not trust it"
    if count < 2:
        return "one seed only: no measure of spread (use --seeds 3)"
    ratio = spread(choices) or math.nan
    if ratio <= 1.0001:
        return f"all {count} seeds agree"
    if ratio <= 3.5:
        return f"seeds agree within x{ratio:.2g} (at most a half-decade apart)"
    return f"seeds disagree by x{ratio:.3g}: treat the answer as rough"

