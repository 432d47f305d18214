"""Numbers in reports, logs and tables: one rule everywhere, so the same value reads the
same in inspector.log.jsonl, summary.json, report.md, gap-analysis.md, grid.md and the
dashboard. `significant` is the one rounding helper (a value kept to DIGITS significant
digits); `number` is the one way a value is written as text."""

from __future__ import annotations

import math
import numbers
from typing import Any

DIGITS = 4  # significant digits of every recorded or reported float


def number(value: Any, digits: int = DIGITS, missing: str = "—") -> str:
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


def significant(value: Any, digits: int = DIGITS) -> float | None:
    """The one rounding rule: a finite number to `digits` significant digits; None, NaN
    and infinity to None (JSON has no NaN: a null number means it was not finite)."""
    number = finite_or_none(value)
    return None if number is None else float(f"{number:.{digits}g}")


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
    return number if digits is None else significant(number, digits)
