"""Numbers in reports and tables: one rule everywhere, so the same value reads the same
in report.md, gap-analysis.md, grid.md and the dashboard."""

from __future__ import annotations

import math
import numbers
from typing import Any


def number(value: Any, digits: int = 4, missing: str = "—") -> str:
    """Floats to `digits` significant digits, None as `missing`, anything else as str."""
    if value is None:
        return missing
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def finite_or_none(value: Any) -> float | None:
    """JSON has no NaN or infinity: a non-finite (or missing) number becomes None."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def json_safe(value: Any, digits: int | None = None) -> Any:
    """A JSON-safe copy: non-finite floats to None, numpy and tensor scalars to Python,
    tuples to lists, floats rounded to `digits` significant digits when given."""
    if isinstance(value, dict):
        return {str(k): json_safe(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v, digits) for v in value]
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):  # int, numpy integers (np.bool_ is not one)
        return int(value)
    try:
        number = finite_or_none(value)
    except (TypeError, ValueError):
        return str(value)
    if number is None or digits is None:
        return number
    return float(f"{number:.{digits}g}")
