"""The progressive overfitting probe."""

from .api import probe
from .ladder import DEFAULT_SIZES, ProbeRun, RungResult, run_ladder, train_rung
from .report import SCHEMA, report_dict, write_report

__all__ = ["DEFAULT_SIZES", "SCHEMA", "ProbeRun", "RungResult", "probe", "report_dict", "run_ladder",
           "train_rung", "write_report"]
