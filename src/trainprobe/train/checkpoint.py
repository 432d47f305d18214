"""Checkpoints of a full training run: the latest state for --resume, and the best one.

Layout inside the run directory:

    checkpoints/last.pt  the latest complete step: every `ckpt_every` steps, at the end of
                         the run and on an interrupt. `--resume` continues from it.
    checkpoints/best.pt  the state at the best monitored value so far (`monitor`/`mode`:
                         the lowest validation loss by default). Replaced only by a strictly
                         better finite value: a later, worse (or equal, or NaN) eval never
                         touches it.

Each file is one dict (read with `torch.load(path, weights_only=True)`):

    {"schema": "trainprobe.checkpoint/1", "step": int, "val_loss": float | None,
     "config": TrainConfig.model_dump(), "trainer": Trainer.state_dict()}

`trainer` holds the model, optimizer, scaler, plateau, batch position, RNG, step, losses and
each callback's state, so a resumed run follows the uninterrupted trajectory exactly.
Writes are atomic and durable (temp file, fsync, rename, fsync of the folder): a kill
mid-write leaves the previous file intact. Before a checkpoint is published its event is
logged and the log is synced (`before_publish`), so the log on disk always covers every
step the published `last.pt` holds: a resume after SIGKILL continues an identical log.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from ..engine import Callback, EvalRecord, Monitor, StopReason, Trainer
from ..errors import ConfigError
from ..io import atomic_write

__all__ = ["BEST", "LAST", "CheckpointCallback", "EventFn", "checkpoint_dir", "load_checkpoint"]

_SCHEMA = "trainprobe.checkpoint/1"
LAST, BEST = "last.pt", "best.pt"
_REQUIRED = ("step", "config", "trainer")
EventFn = Callable[..., None]  # on_event(name, step, **fields)
_NO_RESUME = (StopReason.DIVERGED,)  # stop reasons whose final state is not worth resuming


def checkpoint_dir(run_dir: str | Path) -> Path:
    return Path(run_dir) / "checkpoints"


def _save_checkpoint(path: Path, state: dict[str, Any], step: int, config: dict[str, Any],
                    val_loss: float | None = None) -> Path:
    payload = {"schema": _SCHEMA, "step": step, "val_loss": val_loss, "config": config,
               "trainer": state}
    return atomic_write(path, lambda tmp: torch.save(payload, tmp))


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint written by _save_checkpoint (tensors and plain data only)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"no checkpoint at {path}", "start a new run without --resume")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # truncated file, foreign format, pickled objects
        raise ConfigError(f"checkpoint {path} cannot be read ({type(error).__name__})",
                          "delete it to fall back on a fresh run, or use another --out") from None
    if not isinstance(payload, dict) or payload.get("schema") != _SCHEMA:
        raise ConfigError(f"{path} is not a trainprobe checkpoint",
                          f"expected schema {_SCHEMA!r}")
    missing = [key for key in _REQUIRED if key not in payload]
    if missing or not isinstance(payload["trainer"], dict) \
            or not isinstance(payload["config"], dict):
        raise ConfigError(f"checkpoint {path} is incomplete (missing "
                          f"{', '.join(missing) or 'trainer state'})",
                          "delete it and start a new run, or use another --out")
    return payload


class CheckpointCallback(Callback):
    """Saves last.pt every `ckpt_every` steps and at the end, and best.pt on each new best
    validation loss. A step counts as complete after its eval (when one is due), so the
    plateau state and the callbacks' eval history inside the checkpoint are up to date."""

    state_key = "checkpoints"

    def __init__(self, run_dir: str | Path, config_dump: dict[str, Any],
                 ckpt_every: int | None, on_event: EventFn | None = None,
                 before_publish: Callable[[], None] | None = None):
        self.dir = checkpoint_dir(run_dir)
        self.before_publish = before_publish or (lambda: None)
        self.config_dump = config_dump
        self.ckpt_every = ckpt_every
        self.on_event = on_event or (lambda *args, **kwargs: None)
        self.best: EvalRecord | None = None  # read from trainer.evals, the one eval history
        self.last_saved_step: int | None = None
        self._boundary: dict[str, Any] | None = None

    @property
    def best_step(self) -> int | None:
        return self.best.step if self.best is not None else None

    @property
    def best_val_loss(self) -> float | None:
        return self.best.loss if self.best is not None else None

    @property
    def last_path(self) -> Path:
        return self.dir / LAST

    @property
    def best_path(self) -> Path:
        return self.dir / BEST

    # --- events -------------------------------------------------------------------------
    def before_fit(self, trainer: Trainer) -> None:
        self.best = _best_record(trainer.evals, trainer.monitor)
        if trainer.step > 0:
            self.on_event("resume", trainer.step, path=str(self.last_path))

    def after_step(self, trainer: Trainer, loss: Any) -> None:
        # what a checkpoint needs from the end of this step, kept in case an immediate
        # interrupt lands in the middle of the next one (see _boundary_state)
        self._boundary = {"step": trainer.step, "batches": trainer.batches.state_dict(),
                          "rng_cpu": torch.get_rng_state()}
        if not _eval_due(trainer) and self.ckpt_due(trainer.step):
            self.save_last(trainer)

    def after_eval(self, trainer: Trainer, result: EvalRecord) -> None:
        if trainer.monitor.improved(result.monitored, self.best.monitored if self.best else None):
            self.best = result
            self.on_event("best", trainer.step, val_loss=result.loss,
                          monitor=trainer.monitor.key, value=result.monitored,
                          path=str(self.best_path))
            self.before_publish()
            _save_checkpoint(self.best_path, trainer.state_dict(), trainer.step,
                            self.config_dump, result.loss)
        if self.ckpt_due(trainer.step):
            self.save_last(trainer)

    def after_fit(self, trainer: Trainer) -> None:
        interrupted = trainer.stop_reason == StopReason.INTERRUPTED
        if StopReason.of(trainer.stop_reason) in _NO_RESUME:
            return  # NaN weights: last.pt keeps the last checkpoint taken before them
        if self.last_saved_step != trainer.step or interrupted:
            self.save_last(trainer, _boundary_state(trainer, self._boundary))
        if interrupted:
            self.on_event("interrupted", trainer.step, path=str(self.last_path))

    # --- saving -------------------------------------------------------------------------
    def ckpt_due(self, step: int) -> bool:
        return self.ckpt_every is not None and step % self.ckpt_every == 0

    def save_last(self, trainer: Trainer, state: dict[str, Any] | None = None) -> None:
        state = state if state is not None else trainer.state_dict()
        # event first, then the synced log, then the file: a kill in between leaves a log
        # that the resume from the previous last.pt truncates, never a gap
        self.on_event("checkpoint", trainer.step, path=str(self.last_path))
        self.before_publish()
        _save_checkpoint(self.last_path, state, trainer.step, self.config_dump,
                        trainer.evals[-1].loss if trainer.evals else None)
        self.last_saved_step = trainer.step



def _best_record(evals: Sequence[EvalRecord], monitor: Monitor) -> EvalRecord | None:
    """The eval whose state best.pt holds: the first strictly better finite value, in
    order (so after --resume it is found again from the trainer's eval history)."""
    best = None
    for record in evals:
        if monitor.improved(record.monitored, best.monitored if best else None):
            best = record
    return best


def _eval_due(trainer: Trainer) -> bool:
    return trainer.step % trainer.config.eval_every == 0


def _boundary_state(trainer: Trainer, boundary: dict[str, Any] | None) -> dict[str, Any]:
    """trainer.state_dict(), with the batch position and RNG of the last completed step.

    A graceful stop (first Ctrl-C, SIGTERM, early stopping, budget) ends at a step boundary
    and changes nothing here. An immediate KeyboardInterrupt can land inside a step, after
    its micro-batches were drawn but before the optimizer stepped; the model and optimizer
    are then still those of the last completed step, and so must the data position be.
    """
    state = trainer.state_dict()
    if boundary is not None and boundary["step"] == trainer.step:
        state["batches"] = dict(boundary["batches"])
        state["rng_cpu"] = boundary["rng_cpu"]
    return state
