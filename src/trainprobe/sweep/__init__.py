"""Learning-rate sweep, range test and configuration grid at a rung of the ladder.

All of them train through overfit.ladder.train_rung, i.e. the one engine loop. The
library calls that also write the files (`choose_lr`, `grid_search`) are in
`trainprobe/api.py` (records by `workflows/sweeps.py`); the tables and plots in `views/`.
"""

from .grid import GridResult, run_grid
from .lr_sweep import SweepResult, run_lr_sweep
from .range_test import RangeTestCallback, run_range_test, run_range_tests

__all__ = ["GridResult", "RangeTestCallback", "SweepResult", "run_grid", "run_lr_sweep",
           "run_range_test", "run_range_tests"]
