"""Optional TensorBoard export of the scalars the inspector logs (train loss, LR, gradient
norm, validation loss and metric), and at the end of the run the per-layer curves of the
inspector log (schema /1 or /2: read through `iter_flat_records`). Needs the extra:
pip install 'trainprobe[tensorboard]'."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from torch import Tensor

from ..engine import Callback, EvalResult, Trainer
from ..errors import ConfigError
from ..instruments.logfile import iter_flat_records

__all__ = ["TensorBoardCallback", "summary_writer_class"]

_INSTALL_HINT = "pip install 'trainprobe[tensorboard]' (or set tensorboard: false)"
#: per-layer gradient-norm points exported per layer: an 8000-step run of a 40-layer model
#: would otherwise add 320k scalars at the end of the run
_LAYER_POINTS = 500
_PER_LAYER = ("grad_norm/", "dead/", "saturated/", "act_mean/", "weight_norm/", "update_ratio/")


def summary_writer_class() -> Any:
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise ConfigError("tensorboard: true needs the tensorboard package", _INSTALL_HINT) from None
    return SummaryWriter


class TensorBoardCallback(Callback):
    """Writes to run_dir/tensorboard. On --resume, events past the checkpoint's step are
    purged, so the curves do not show the lost steps twice."""

    def __init__(self, log_dir: str | Path, inspector_log: str | Path | None = None):
        self.log_dir = Path(log_dir)
        self.inspector_log = Path(inspector_log) if inspector_log is not None else None
        self.first_step = 0  # per-layer records after this step are this run's to export
        self.writer_class = summary_writer_class()  # fail before training, not after
        self.writer: Any = None
        self.written = 0  # entries of trainer.losses already exported

    def before_fit(self, trainer: Trainer) -> None:
        purge = trainer.step + 1 if trainer.step else None
        self.writer = self.writer_class(log_dir=str(self.log_dir), purge_step=purge)
        self.written = len(trainer.losses)
        self.first_step = trainer.step

    def after_step(self, trainer: Trainer, loss: Tensor) -> None:
        self.export_losses(trainer)
        self.writer.add_scalar("train/lr", trainer.lr, trainer.step)

    def export_losses(self, trainer: Trainer) -> None:
        """Losses the engine has already synced to the host (losses[k] is step k + 1), so
        this adds no device sync per step."""
        while self.written < len(trainer.losses):
            self.writer.add_scalar("train/loss", trainer.losses[self.written], self.written + 1)
            self.written += 1

    def after_eval(self, trainer: Trainer, result: EvalResult) -> None:
        self.writer.add_scalar("val/loss", result.loss, trainer.step)
        self.writer.add_scalar(f"val/{result.metric_name}", result.metric, trainer.step)

    def after_fit(self, trainer: Trainer) -> None:
        if self.writer is not None:
            self.export_losses(trainer)  # the engine flushed the last block before after_fit
            if self.inspector_log is not None and self.inspector_log.exists():
                _export_layers(self.writer, self.inspector_log, self.first_step)
            self.writer.close()
            self.writer = None


def _export_layers(writer: Any, log_path: Path, after_step: int = 0,
                  points: int = _LAYER_POINTS) -> int:
    """Write the inspector log's per-layer values with step > `after_step` as scalars
    `layers/<quantity>/<layer>`: every scheduled statistic, and the per-layer gradient
    norms thinned to about `points` steps. Returns the number of scalars written. Runs
    after the inspector closed its log (it records first, order RECORD)."""
    train, stats = [], []
    for record in iter_flat_records(log_path):
        if int(record.get("step", 0)) <= after_step:
            continue
        if record.get("kind") == "stats":
            stats.append(record)
        elif record.get("kind") == "train" and any(k.startswith("grad_norm/") for k in record):
            train.append(record)
    stride = max(1, math.ceil(len(train) / points))
    written = 0
    for record in train[::stride] + stats:
        for key, value in record.items():
            if key.startswith(_PER_LAYER) and isinstance(value, (int, float)):
                writer.add_scalar(f"layers/{key}", value, int(record["step"]))
                written += 1
    return written
