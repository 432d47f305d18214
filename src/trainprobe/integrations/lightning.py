"""PyTorch Lightning: trainprobe's inspector log, gap analysis and dashboard from your own
`Trainer.fit`, and the overfitting ladder on your own `LightningModule`.

    from trainprobe.integrations.lightning import TrainprobeCallback
    trainer = L.Trainer(callbacks=[TrainprobeCallback("runs/mine")])

Events used: `on_before_optimizer_step` (after the gradients are accumulated, unscaled
and, under DDP, averaged; before Lightning clips them), `on_train_batch_end` (loss and
LR of each optimizer step), `on_validation_end` (val loss and metric from
`trainer.callback_metrics`), `on_fit_end` (summary.json, gap-analysis.md, dashboard.html).
Only the global-zero process writes.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from torch import Tensor, nn

from ..api import probe as run_probe
from ..instruments.inspector import DEFAULT_STATS_EVERY
from ..overfit.ladder import ProbeRun
from ..spec import Spec
from .recorder import RunRecorder, first_key, guess_metric, require

pl = require("lightning.pytorch", "lightning")

VAL_LOSS_KEYS = ("val_loss", "val/loss", "valid_loss", "validation_loss")
TRAIN_LOSS_KEYS = ("train_loss", "train/loss", "loss")


class TrainprobeCallback(pl.Callback):
    """Write `log_dir/inspector.log.jsonl` during `fit`, and the analysis and dashboard
    at its end.

    val_loss_key: the `self.log` name of your validation loss (default: the first of
      val_loss, val/loss, valid_loss, validation_loss that you log).
    metric_key: the validation metric to plot (default: the first other `val...` value).
    stats_every, grad_every: as for `tp.Inspector`.
    """

    def __init__(self, log_dir: str | Path, *, val_loss_key: str | None = None,
                 metric_key: str | None = None, stats_every: int = DEFAULT_STATS_EVERY,
                 grad_every: int = 1):
        self.recorder = RunRecorder(log_dir, stats_every, grad_every)
        self.val_loss_key = val_loss_key
        self.metric_key = metric_key

    @property
    def dashboard(self) -> Path | None:
        """dashboard.html once fit has ended (None on other ranks)."""
        return self.recorder.dashboard

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.recorder.start(pl_module, trainer.is_global_zero)

    def on_before_optimizer_step(self, trainer: pl.Trainer, pl_module: pl.LightningModule,
                                 optimizer: Any) -> None:
        self.recorder.grads(trainer.global_step + 1)

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule,
                           outputs: Any, batch: Any, batch_idx: int) -> None:
        loss = outputs.get("loss") if isinstance(outputs, dict) else outputs
        if not isinstance(loss, Tensor):
            key = first_key(trainer.callback_metrics, TRAIN_LOSS_KEYS)
            loss = trainer.callback_metrics.get(key) if key else None
        lr = trainer.optimizers[0].param_groups[0]["lr"] if trainer.optimizers else None
        self.recorder.step(trainer.global_step, loss, lr)

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.sanity_checking:
            return
        metrics = dict(trainer.callback_metrics)
        loss_key = self.val_loss_key or first_key(metrics, VAL_LOSS_KEYS)
        metric_key = self.metric_key or guess_metric(metrics, ("val",), {loss_key or ""})
        self.recorder.eval(trainer.global_step, metrics, loss_key, metric_key)

    def on_fit_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.recorder.finish()

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule,
                     exception: BaseException) -> None:
        self.recorder.close()  # the log stays readable; `trainprobe dashboard` renders it


# --- the overfitting ladder on a LightningModule ---------------------------------------------
class StepLoss(nn.Module):
    """The module as the engine's model: `forward` for outputs (the metric), and the
    module's own `training_step` for the loss, on the same inputs."""

    def __init__(self, module: pl.LightningModule):
        super().__init__()
        self.module = module
        self.inputs: Any = None

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        # the inputs as the module's training_step expects them in its batch
        self.inputs = kwargs if kwargs else args[0] if len(args) == 1 else args
        return self.module(*args, **kwargs)

    def loss(self, outputs: Tensor, targets: Tensor) -> Tensor:
        with warnings.catch_warnings():  # self.log() without a Lightning Trainer is a no-op
            warnings.filterwarnings("ignore", message=".*self.log.*")
            result = self.module.training_step((self.inputs, targets), 0)
        return result["loss"] if isinstance(result, dict) else result


def module_spec(module_factory: Callable[[], pl.LightningModule],
                datamodule: pl.LightningDataModule, task: str = "classification",
                name: str | None = None) -> Spec:
    """A trainprobe Spec whose model is the LightningModule and whose loss is its own
    `training_step`; the data are the datamodule's train and val datasets."""
    built: list[StepLoss] = []

    def build_model() -> nn.Module:
        built.append(StepLoss(module_factory()))
        return built[-1]

    def build_data() -> tuple[Sequence[Any], Sequence[Any] | None]:
        datamodule.setup("fit")
        train = datamodule.train_dataloader().dataset
        try:
            val = datamodule.val_dataloader().dataset
        except (NotImplementedError, AttributeError):  # no val_dataloader defined
            val = None
        return train, val

    def build_loss() -> Callable[[Tensor, Tensor], Tensor]:
        return lambda outputs, targets: built[-1].loss(outputs, targets)

    return Spec(task, build_model, build_data, build_loss,
                name=name or type(datamodule).__name__)


def probe(module_factory: Callable[[], pl.LightningModule], datamodule: pl.LightningDataModule,
          *, task: str = "classification", sizes: Sequence[int | str] | None = None,
          out_dir: str | Path | None = None,
          **options: Any) -> tuple[ProbeRun, dict[str, Any]]:
    """The overfitting ladder and diagnosis on a LightningModule (`tp.probe`'s options).

    Each rung builds a fresh module with `module_factory()`, trains it through trainprobe's
    engine with the rung's presets (not the module's `configure_optimizers`), and takes
    the loss from the module's own `training_step((x, y), batch_idx)`."""
    spec = module_spec(module_factory, datamodule, task)
    return run_probe(spec, sizes, out_dir=out_dir, **options)
