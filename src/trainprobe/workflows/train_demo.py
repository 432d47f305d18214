"""`trainprobe demo --train`: a tiny char-level GPT trained past convergence on Python's
own documentation, so that the dashboard shows validation loss bottoming out while the
training loss keeps falling, and the analysis names the onset.

Settings are the practice's for this experiment (batch 32, warmup 100, lr 3e-3 cosine to
3e-4, weight decay 0.1, clip 1.0, betas (0.9, 0.95), eval every 50, checkpoint every 500,
no early stopping), shortened to DEMO_STEPS so it finishes in a few minutes on 2 CPU cores.
This writes the records; `trainprobe.api.run_train_demo` adds the progress bar and the
dashboard.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..demos import DEMO_DIR
from ..engine import Callback
from ..train.run import TrainResult
from .training import LoadedRun, train_and_analyze

__all__ = ["DEMO_CONFIG", "DEMO_STEPS", "TRAIN_DEMO", "train_demo"]

TRAIN_DEMO = DEMO_DIR / "charlm_pydoc.py"
DEMO_STEPS = 1000
DEMO_CONFIG: dict[str, Any] = {
    "optimizer": "adamw", "batch_size": 32, "lr": 3e-3, "min_lr": 3e-4,
    "schedule": "cosine", "warmup_steps": 100, "weight_decay": 0.1, "grad_clip": 1.0,
    "betas": (0.9, 0.95), "eval_every": 50, "ckpt_every": 500, "early_stopping": False,
    "max_steps": DEMO_STEPS, "hidden_dim": 64, "dropout": 0.0, "seed": 0,
}


def train_demo(out_dir: str | Path, overrides: dict[str, Any] | None = None,
               callbacks: Sequence[Callback] = ()) -> tuple[TrainResult, LoadedRun | None]:
    """Train the char-LM demo into `out_dir` and analyse it. A previous run of this demo
    there is replaced; any other non-empty directory is refused (training names the
    problem)."""
    out_dir = Path(out_dir)
    if _is_previous_demo_run(out_dir):
        shutil.rmtree(out_dir)
    return train_and_analyze(TRAIN_DEMO, {**DEMO_CONFIG, **(overrides or {})}, out_dir,
                             callbacks=callbacks)


def _is_previous_demo_run(run_dir: Path) -> bool:
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    spec_path = (manifest.get("spec") or {}).get("path") or ""
    return isinstance(spec_path, str) and Path(spec_path).resolve() == TRAIN_DEMO.resolve()
