"""Per-scale training presets for the overfitting ladder.

Starting point: the practice's table (1 sample: SGD high LR momentum 0.9 clip 10; 2-5:
Adam high LR clip 5; 10-20: Adam 1e-2 with a schedule; 50+: AdamW 1e-3 clip 1 warmup).
Measured with benchmarks/presets.py on every shipped example (figures in the README):
- SGD lr 0.1 momentum 0.9 on one sample fails the CTC example (340 steps, plateau).
- Adam 1e-2 on rungs 1-20 memorizes the MLPs a little faster but fails rungs 1 and 5 of
  the transformer char-LM (loss oscillates) and needs 8x more steps at 10-20; Adam 3e-3
  memorizes every rung of every example.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PRESETS", "preset_for"]

PRESETS: list[tuple[int, dict[str, Any]]] = [
    # (largest rung size it applies to, settings)
    (1, {"optimizer": "adam", "lr": 3e-3, "grad_clip": 10.0, "schedule": "constant"}),
    (5, {"optimizer": "adam", "lr": 3e-3, "grad_clip": 5.0, "schedule": "constant"}),
    (20, {"optimizer": "adam", "lr": 3e-3, "grad_clip": 5.0, "schedule": "cosine",
          "min_lr": 1e-4}),
    (10**12, {"optimizer": "adamw", "lr": 1e-3, "grad_clip": 1.0, "schedule": "cosine",
              "warmup_steps": 50, "min_lr": 1e-4}),
]

# Every rung: regularization off, the whole rung in one batch when it fits.
_COMMON: dict[str, Any] = {"weight_decay": 0.0, "dropout": 0.0, "augment": False,
                          "batch_size": 128, "max_steps": 1500, "max_seconds": 60.0}


def preset_for(n: int) -> dict[str, Any]:
    for largest, settings in PRESETS:
        if n <= largest:
            return {**_COMMON, **settings, "eval_every": _eval_every_for(n)}
    raise AssertionError("unreachable: the last preset covers every size")


def _eval_every_for(n: int) -> int:
    """Memorization is checked on the whole rung; check small rungs often (a forward
    over <= 100 items costs less than a training step) and large ones rarely."""
    return 10 if n <= 128 else 50
