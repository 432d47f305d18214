"""trainprobe: prove a PyTorch setup can learn, find why it cannot, then train it well.

The public API is what __all__ lists; the CLI is a thin front over these same functions.
"""

__version__ = "0.1.0"

from .engine import Callback, EvalResult, FitResult, StopTraining, TrainConfig, Trainer
from .errors import ConfigError, SpecError, TrainprobeError, UserCodeError
from .instruments.inspector import Inspector, InspectorCallback
from .overfit import ProbeRun, RungResult, probe, report_dict, run_ladder, write_report
from .spec import Spec, load_spec
from .train import TrainResult, train

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
