"""trainprobe: prove a PyTorch setup can learn, find why it cannot, then train it well.

The public API is what __all__ lists; the CLI is a thin front over these same functions.
"""

from ._version import __version__
from .api import probe, train, write_report
from .engine import Callback, EvalResult, FitResult, StopTraining, TrainConfig, Trainer
from .errors import ConfigError, SpecError, TrainprobeError, UserCodeError
from .instruments.inspector import Inspector, InspectorCallback
from .overfit import ProbeRun, RungResult, report_dict, run_ladder
from .spec import Spec, load_spec
from .train import TrainResult

__all__ = [
    "Callback",
    "ConfigError",
    "EvalResult",
    "FitResult",
    "Inspector",
    "InspectorCallback",
    "ProbeRun",
    "RungResult",
    "Spec",
    "SpecError",
    "StopTraining",
    "TrainConfig",
    "TrainResult",
    "Trainer",
    "TrainprobeError",
    "UserCodeError",
    "__version__",
    "load_spec",
    "probe",
    "train",
    "report_dict",
    "run_ladder",
    "write_report",
]
