"""An exception raised inside the user's code becomes a finding that points at the user's
own file and line, with the diagnosis its message implies."""

from __future__ import annotations

import re
import traceback

from ..errors import UserCodeError, first_line
from .findings import (
    BATCHNORM_SMALL_BATCH,
    DEVICE_MISMATCH,
    DTYPE_MISMATCH,
    LABEL_OUT_OF_RANGE,
    OUT_OF_MEMORY,
    OUTPUT_ACTIVATION_MISMATCH,
    TARGET_SHAPE_MISMATCH,
    USER_CODE_ERROR,
    Finding,
)

__all__ = ["error_finding"]

_LOSS_FUNCTIONS = ("cross_entropy", "nll_loss", "ctc_loss", "mse_loss", "l1_loss",
                   "binary_cross_entropy", "smooth_l1_loss", "huber_loss", "kl_div")

# (pattern in the message, code, fix); the first match wins
_PATTERNS: tuple[tuple[str, str, str], ...] = (
    (r"out of memory|can't allocate memory|OutOfMemoryError|DefaultCPUAllocator",
     OUT_OF_MEMORY, "use a smaller batch_size or model, or grad_accum to keep the effective "
                    "batch"),
    (r"Expected more than 1 value per channel when training",
     BATCHNORM_SMALL_BATCH, "use LayerNorm/GroupNorm, or batches of at least 2 (the ladder's "
                            "first rung has one sample)"),
    (r"Target -?\d+ is out of bounds|device-side assert",
     LABEL_OUT_OF_RANGE, "map labels to 0..C-1 (e.g. subtract 1 from 1-based labels) or give "
                         "the output layer one unit per class"),
    (r"index out of range in self",
     LABEL_OUT_OF_RANGE, "token ids must be below the embedding size: build the vocabulary "
                         "from all the text and size nn.Embedding to it"),
    (r"Expected all tensors to be on the same device|on the same device",
     DEVICE_MISMATCH, "create tensors in forward on the input's device (torch.zeros(..., "
                      "device=x.device)); register constants as buffers"),
    (r"all elements of input should be between 0 and 1",
     OUTPUT_ACTIVATION_MISMATCH, "BCELoss wants probabilities: use BCEWithLogitsLoss on raw "
                                 "logits instead"),
    (r"expected scalar type|dtype|Expected object of scalar type|not implemented for 'Long'",
     DTYPE_MISMATCH, "cast inputs with .float() and class labels with .long()"),
    (r"Target size|target size|must match the size|Expected input batch_size|"
     r"shapes cannot be multiplied|size mismatch|doesn't match the broadcast shape|"
     r"Expected target size|must have the same|cannot be broadcast|shape '\[|"
     r"target tensor expected|multi-target not supported",
     TARGET_SHAPE_MISMATCH, "print the shapes of outputs and targets at the failing line and "
                            "make them agree (squeeze/reshape, or fix in_features)"),
)


def error_finding(error: UserCodeError, where_default: str | None = None,
                  rung: int | None = None) -> Finding:
    """The finding for one exception from user code (a rung, or the one-batch pass)."""
    original = error.error
    message = f"{type(original).__name__}: {first_line(original)}"
    code, fix = _classify(original)
    in_loss = _raised_in_loss(original)
    if code == TARGET_SHAPE_MISMATCH and not in_loss and "shapes cannot be multiplied" in message:
        fix = "a layer's in_features does not match the tensor it gets: " + fix
    stage = "loss" if in_loss else error.stage
    prefix = f"rung n={rung}: " if rung is not None else ""
    return Finding(code, "error",
                   f"{prefix}{stage} raised {message[:240]}",
                   where=error.location or where_default,
                   evidence={"exception": type(original).__name__, "stage": stage,
                             "in_loss": in_loss, "rung": rung},
                   fix=fix, weight=3.0 if code != USER_CODE_ERROR else 2.0)


def _classify(error: BaseException) -> tuple[str, str]:
    text = f"{type(error).__name__}: {error}"
    for pattern, code, fix in _PATTERNS:
        if re.search(pattern, text):
            return code, fix
    return USER_CODE_ERROR, "fix the exception at this line (rerun with --debug for the " \
                            "full traceback)"


def _raised_in_loss(error: BaseException) -> bool:
    """True when the failing call chain passes through a torch loss function."""
    frames = traceback.extract_tb(error.__traceback__)
    return any(frame.name in _LOSS_FUNCTIONS or frame.filename.endswith("modules/loss.py")
               or (frame.name in ("loss", "default_loss") and "trainprobe" in frame.filename)
               for frame in frames)
