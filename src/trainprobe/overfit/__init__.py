"""The progressive overfitting probe: the ladder and its report's content. `tp.probe()`,
which adds the diagnosis and writes the files, is in `api.py` over `workflows/probe.py`."""

from .ladder import DEFAULT_SIZES, ProbeRun, RungResult, run_ladder, train_rung
from .report import SCHEMA, report_dict

__all__ = ["DEFAULT_SIZES", "SCHEMA", "ProbeRun", "RungResult", "report_dict", "run_ladder",
           "train_rung"]
