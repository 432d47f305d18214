"""Optional TensorBoard export of the scalars the inspector logs (train loss, LR, gradient
norm, validation loss and metric). Needs the extra: pip install 'trainprobe[tensorboard]'."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torch import Tensor

from ..engine import Callback, EvalResult, Trainer
from ..errors import ConfigError

INSTALL_HINT = "pip install 'trainprobe[tensorboard]' (or set tensorboard: false)"


def summary_writer_class() -> Any:
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise ConfigError("tensorboard: true needs the tensorboard package", INSTALL_HINT) from None
    return SummaryWriter


class TensorBoardCallback(Callback):
    """Writes to run_dir/tensorboard. On --resume, events past the checkpoint's step are
    purged, so the curves do not show the lost steps twice."""

    def __init__(self, log_dir: str | Path):
        self.log_dir = Path(log_dir)
        self.writer_class = summary_writer_class()  # fail before training, not after
        self.writer: Any = None
        self.written = 0  # entries of trainer.losses already exported

    def before_fit(self, trainer: Trainer) -> None:
        purge = trainer.step + 1 if trainer.step else None
        self.writer = self.writer_class(log_dir=str(self.log_dir), purge_step=purge)
        self.written = len(trainer.losses)

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
            self.writer.close()
            self.writer = None
