"""Numbers in reports and tables: one rule everywhere, so the same value reads the same
in report.md, gap-analysis.md, grid.md and the dashboard."""

from __future__ import annotations

from typing import Any


def number(value: Any, digits: int = 4, missing: str = "—") -> str:
    """Floats to `digits` significant digits, None as `missing`, anything else as str."""
    if value is None:
        return missing
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)
