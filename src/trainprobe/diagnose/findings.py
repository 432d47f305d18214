"""A finding: one named problem, its evidence in numbers, where it is, and one fix.

The code strings are public API (README "Diagnosis codes"): keep them stable. Rules in the
other modules of this package return Findings; `to_dict()` is the report.json form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..formatting import DIGITS, json_safe

__all__ = ["BAD_INIT", "BATCHNORM_SMALL_BATCH", "BATCH_MIXING", "CAPACITY", "CAUSAL_LEAK", "CODES",
           "CONFLICTING_LABELS", "CONSTANT_INPUT", "CTC_INFEASIBLE", "DATA_NOT_DETERMINISTIC",
           "DEAD_UNITS", "DEVICE_MISMATCH", "DTYPE_MISMATCH", "EXPLODING_GRADIENT", "Finding",
           "INPUT_IGNORED", "INPUT_SCALE", "LABELS_NOT_LEARNABLE", "LABEL_OUT_OF_RANGE",
           "LOSS_REDUCTION_SUM", "LOSS_TASK_MISMATCH", "LR_TOO_HIGH", "LR_TOO_LOW", "NONFINITE",
           "NO_GRADIENT", "NO_KNOWN_CAUSE", "OUTPUT_ACTIVATION_MISMATCH", "OUT_OF_MEMORY",
           "REGULARIZATION", "SATURATED_ACTIVATIONS", "SEVERITIES", "Severity", "TARGET_LEAK",
           "TARGET_SCALE", "TARGET_SHAPE_MISMATCH", "TRAIN_EVAL_MISMATCH", "TRAIN_VAL_OVERLAP",
           "UNIFORM_OUTPUT", "USER_CODE_ERROR", "VANISHING_GRADIENT", "clean", "severity_if"]

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")

NONFINITE = "NONFINITE"
LABEL_OUT_OF_RANGE = "LABEL_OUT_OF_RANGE"
TARGET_SHAPE_MISMATCH = "TARGET_SHAPE_MISMATCH"
OUTPUT_ACTIVATION_MISMATCH = "OUTPUT_ACTIVATION_MISMATCH"
LOSS_TASK_MISMATCH = "LOSS_TASK_MISMATCH"
NO_GRADIENT = "NO_GRADIENT"
VANISHING_GRADIENT = "VANISHING_GRADIENT"
EXPLODING_GRADIENT = "EXPLODING_GRADIENT"
DEAD_UNITS = "DEAD_UNITS"
SATURATED_ACTIVATIONS = "SATURATED_ACTIVATIONS"
UNIFORM_OUTPUT = "UNIFORM_OUTPUT"
BAD_INIT = "BAD_INIT"
INPUT_SCALE = "INPUT_SCALE"
TARGET_SCALE = "TARGET_SCALE"
BATCHNORM_SMALL_BATCH = "BATCHNORM_SMALL_BATCH"
CTC_INFEASIBLE = "CTC_INFEASIBLE"
DATA_NOT_DETERMINISTIC = "DATA_NOT_DETERMINISTIC"
LR_TOO_HIGH = "LR_TOO_HIGH"
LR_TOO_LOW = "LR_TOO_LOW"
CAPACITY = "CAPACITY"
REGULARIZATION = "REGULARIZATION"
OUT_OF_MEMORY = "OUT_OF_MEMORY"
# added for bugs the list above does not name
CONSTANT_INPUT = "CONSTANT_INPUT"
CONFLICTING_LABELS = "CONFLICTING_LABELS"
DEVICE_MISMATCH = "DEVICE_MISMATCH"
DTYPE_MISMATCH = "DTYPE_MISMATCH"
USER_CODE_ERROR = "USER_CODE_ERROR"
# silent bugs: the ladder passes, differential experiments catch them (issue 9)
CAUSAL_LEAK = "CAUSAL_LEAK"
BATCH_MIXING = "BATCH_MIXING"
TRAIN_EVAL_MISMATCH = "TRAIN_EVAL_MISMATCH"
TRAIN_VAL_OVERLAP = "TRAIN_VAL_OVERLAP"
LABELS_NOT_LEARNABLE = "LABELS_NOT_LEARNABLE"
TARGET_LEAK = "TARGET_LEAK"
LOSS_REDUCTION_SUM = "LOSS_REDUCTION_SUM"
INPUT_IGNORED = "INPUT_IGNORED"
NO_KNOWN_CAUSE = "NO_KNOWN_CAUSE"

#: code -> one line: what it means. The README table expands each into symptom/diagnosis/fix.
CODES: dict[str, str] = {
    NONFINITE: "NaN or Inf in the data, the outputs, the loss or the gradients",
    LABEL_OUT_OF_RANGE: "a label or token id outside 0..C-1 (or 1..V-1 for CTC)",
    TARGET_SHAPE_MISMATCH: "outputs and targets have shapes the loss broadcasts or rejects",
    OUTPUT_ACTIVATION_MISMATCH: "the output layer's activation does not fit what the loss wants",
    LOSS_TASK_MISMATCH: "the loss falls while the task's metric does not improve",
    NO_GRADIENT: "parameters that never receive a gradient (frozen, detached, unused)",
    VANISHING_GRADIENT: "gradients shrink to almost nothing before reaching the first layers",
    EXPLODING_GRADIENT: "gradients far larger than the weights they update",
    DEAD_UNITS: "ReLU units that output zero for every sample",
    SATURATED_ACTIVATIONS: "sigmoid/tanh units stuck at their bounds, passing no gradient",
    UNIFORM_OUTPUT: "predictions near uniform: the outputs do not depend on the input",
    BAD_INIT: "loss at initialization far from an untrained model's; zero or symmetric weights",
    INPUT_SCALE: "input features far from unit scale, or on wildly different scales",
    TARGET_SCALE: "regression targets far from unit scale",
    BATCHNORM_SMALL_BATCH: "BatchNorm with batches too small for batch statistics",
    CTC_INFEASIBLE: "CTC labels longer than the output frames allow, or empty",
    DATA_NOT_DETERMINISTIC: "the same dataset index yields different items",
    LR_TOO_HIGH: "the loss oscillates or diverges: learning rate too high",
    LR_TOO_LOW: "the loss falls steadily but far too slowly: learning rate too low",
    CAPACITY: "the model plateaus above the memorization threshold: too small",
    REGULARIZATION: "dropout, weight decay, label smoothing or augmentation on while memorizing",
    OUT_OF_MEMORY: "the device ran out of memory",
    CONSTANT_INPUT: "every input is identical: the model cannot tell samples apart",
    CONFLICTING_LABELS: "identical inputs carry different labels",
    DEVICE_MISMATCH: "tensors on different devices (e.g. a tensor created on CPU in forward)",
    DTYPE_MISMATCH: "a tensor of the wrong dtype reaches a layer or the loss",
    USER_CODE_ERROR: "the user's model, data or loss raised an exception",
    # silent bugs (issue 9): experiments.py measures, silent.py and leaks.py judge
    CAUSAL_LEAK: "an LM's output at position t depends on tokens after t",
    BATCH_MIXING: "an item's output depends on the other items of its batch",
    TRAIN_EVAL_MISMATCH: "eval mode is random, non-finite or far worse than train mode",
    TRAIN_VAL_OVERLAP: "validation items that are also training items",
    LABELS_NOT_LEARNABLE: "true labels generalize no better than shuffled labels",
    TARGET_LEAK: "an input feature (or the input itself) is the target in disguise",
    LOSS_REDUCTION_SUM: "the loss grows with the batch size (a sum, not a mean)",
    INPUT_IGNORED: "the outputs do not change when the inputs do",
    NO_KNOWN_CAUSE: "a rung failed and no rule is sure why: what was measured, what to try",
}


@dataclass
class Finding:
    code: str
    severity: Severity
    message: str
    fix: str
    where: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    #: how much this finding explains the failure; set by rules, used only by rank.py
    weight: float = 0.0

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown diagnosis code {self.code!r}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")

    @property
    def confirmed(self) -> bool | None:
        """True/False once a confirmation experiment ran, None before."""
        return self.evidence.get("rung_passed")

    def to_dict(self) -> dict[str, Any]:
        """The report.json form: exactly code, severity, message, where, evidence, fix."""
        return {"code": self.code, "severity": self.severity, "message": self.message,
                "where": self.where, "evidence": clean(self.evidence), "fix": self.fix}


def clean(value: Any) -> Any:
    """JSON-safe evidence: finite floats to 4 significant digits, NaN/Inf as None."""
    return json_safe(value, digits=DIGITS)


def severity_if(failed: bool, when_failed: Severity = "error",
                otherwise: Severity = "warning") -> Severity:
    """Evidence that a rung failed turns a suspicion into an error."""
    return when_failed if failed else otherwise
