"""Diagnosis engine (in progress: see issue 3)."""

from __future__ import annotations

from typing import Any


def diagnose_probe(run: Any) -> list[dict[str, Any]]:
    """Findings for a finished ladder, most likely root cause first."""
    return []
