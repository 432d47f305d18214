"""Diagnosis: name the bug when a model cannot learn.

Rules in three kinds (before training: static_checks, data_checks; one batch with hooks:
batch_checks; curves of each rung: dynamics), exceptions from user code (user_errors),
confirmation experiments (confirm) and ranking (rank). Codes and their meaning: findings.
"""

from __future__ import annotations

from .api import SpecDiagnosis, diagnose_probe, diagnose_spec, inspect_spec
from .findings import CODES, Finding

__all__ = ["CODES", "Finding", "SpecDiagnosis", "diagnose_probe", "diagnose_spec",
           "inspect_spec"]
