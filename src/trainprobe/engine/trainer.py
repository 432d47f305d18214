"""The one training loop. probe, train, lr-sweep and grid all run through Trainer.fit().

Read top to bottom: build optimizer -> loop { lr for this step; grad_accum micro-batches
of forward/loss/backward; clip; step; maybe evaluate } -> after_fit. Everything else
(memorization checks, inspectors, checkpoints, early stopping, progress bars) is a
Callback attached through the events in events.py.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ..errors import SpecError
from ..tasks import Batch, SampledItems, Task
from ..tasks.base import TaskStats
from .batches import BatchStream
from .config import TrainConfig
from .device import autocast, choose_device, needs_grad_scaler
from .distributed import Distributed
from .evaluate import evaluate
from .events import Callback, StopReason, StopTraining
from .forward import forward
from .monitor import EvalRecord, monitor_for
from .schedule import Plateau, lr_at

__all__ = ["FitResult", "Trainer"]

_SYNC_EVERY = 16  # steps between host syncs of the loss on an accelerator


@dataclass
class FitResult:
    steps: int
    seconds: float
    stop_reason: str
    losses: list[float] = field(default_factory=list)  # train loss per optimizer step
    evals: list[EvalRecord] = field(default_factory=list)

    @property
    def final_loss(self) -> float | None:
        return self.losses[-1] if self.losses else None

    @property
    def last_eval(self) -> EvalRecord | None:
        return self.evals[-1] if self.evals else None

    @property
    def stopped_by(self) -> StopReason | None:
        return StopReason.of(self.stop_reason)


class Trainer:
    def __init__(self, model: nn.Module, task: Task, train_data: Sequence[Any],
                 config: TrainConfig, *, eval_data: Sequence[Any] | None = None,
                 loss_fn: Callable[..., Tensor] | None = None,
                 augment: Callable[[Any], Any] | None = None,
                 callbacks: Sequence[Callback] = (), stats: TaskStats | None = None,
                 collate: Callable[[list[Any]], Batch] | None = None,
                 distributed: Distributed | None = None):
        """`stats`: the task's statistics of the whole training set (Task.prepare); a
        ladder rung passes those of the full set, not of its subset. `collate`: turns a
        list of items into a Batch (the spec's own collate), else the task's.
        `distributed`: this process's rank under torchrun (engine/distributed.py)."""
        self.config = config
        self.task = task
        self.stats = stats if stats is not None else task.prepare(SampledItems(train_data))
        self.device = choose_device(config.device)
        self.model = model.to(self.device)
        self.distributed = distributed or Distributed()
        self.forward_model = self.distributed.wrap(self.model, self.device)  # DDP or model
        self.loss_fn = loss_fn
        self.callbacks = callbacks
        self.batches = BatchStream(train_data, task, config.batch_size, config.seed,
                                   augment=augment, collate=collate)
        self.eval_batches = (BatchStream(eval_data, task, max(config.batch_size, 256),
                                         config.seed, shuffle=False, collate=collate)
                             if eval_data is not None else None)
        self.optimizer = _build_optimizer(self.model, config)
        self.scaler = torch.amp.GradScaler(enabled=needs_grad_scaler(self.device, config.amp))
        self.plateau = Plateau(config.plateau_factor, config.plateau_patience)
        self.step = 0  # optimizer steps taken
        self.lr = lr_at(0, config)
        self.losses: list[float] = []
        self.monitor = monitor_for(config.monitor, config.mode, task)
        self.evals: list[EvalRecord] = []  # the one eval history; callbacks read it
        self.stop_reason = ""
        self.seconds = 0.0  # training time, carried across --resume
        self._pending: list[Tensor] = []
        self._reference: dict[str, float] | None = None

    # --- the loop ---------------------------------------------------------------------
    def fit(self) -> FitResult:
        started = time.perf_counter() - self.seconds
        self.model.train()
        try:
            self.emit("before_fit")
            while True:
                reason = None
                try:
                    self.stop_if_over_budget(time.perf_counter() - started)
                    self.train_step()
                except StopTraining as stop:
                    reason = stop.reason
                reason = self.distributed.agree(reason)  # under torchrun, all ranks stop
                if reason:
                    raise StopTraining(reason)
        except StopTraining as stop:
            self.stop_reason = stop.reason
        except KeyboardInterrupt:
            self.stop_reason = StopReason.INTERRUPTED.value
        finally:
            self.seconds = time.perf_counter() - started
            self.flush_losses()
            self.emit_final("after_fit")
        return FitResult(self.step, self.seconds, self.stop_reason, self.losses, self.evals)

    def train_step(self) -> None:
        """One optimizer step: LR, gradients, clip, step, then (when due) evaluate."""
        config = self.config
        self.lr = lr_at(self.step, config)
        if self.plateau.scale < 1.0:  # the plateau decay stops at min_lr
            self.lr = max(self.lr * self.plateau.scale, config.min_lr)
        for group in self.optimizer.param_groups:
            group["lr"] = self.lr
        loss = self.accumulate_gradients()
        if self.scaler.is_enabled():  # callbacks and clipping see true gradients
            self.scaler.unscale_(self.optimizer)
        self.emit("after_backward")
        if config.grad_clip is not None:
            nn.utils.clip_grad_norm_(self.model.parameters(), config.grad_clip)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.step += 1
        self.record_loss(loss)
        self.emit("after_step", loss)
        if self.step % config.eval_every == 0:
            self.run_eval()

    def accumulate_gradients(self) -> Tensor:
        """grad_accum micro-batches of forward, loss and backward; returns the mean loss
        of the global batch (under torchrun each rank computes its share, DDP averages the
        gradients, and the loss is averaged here)."""
        self.optimizer.zero_grad(set_to_none=True)
        accum = self.config.grad_accum
        total = torch.zeros((), device=self.device)
        for _ in range(accum):
            batch, share = self.distributed.shard(next(self.batches))
            batch = batch.to(self.device)
            self.emit("before_batch", batch)
            with autocast(self.device, self.config.amp):
                outputs, batch = forward(self.forward_model, batch)
                loss = self.task.loss(outputs, batch, self.loss_fn)
            self.emit("after_loss", loss, outputs, batch)
            self.scaler.scale(loss * share / accum).backward()
            total += loss.detach().float() * share / accum
        return self.distributed.average(total)

    def run_eval(self, emit: bool = True) -> EvalRecord:
        data = self.eval_batches or self.batches
        if self._reference is None:  # data-only counts: the same at every eval
            self._reference = self.task.reference_counts(data.all_batches())
        result = evaluate(self.model, data.all_batches(), self.task, self.loss_fn, self.device,
                          self._reference, self.stats)
        self.flush_losses()
        record = EvalRecord.of(self.step, result, self.monitor.value(result))
        self.evals.append(record)
        if emit:
            if self.config.schedule == "plateau":
                self.plateau.update(record.monitored, self.monitor.mode)
            self.emit("after_eval", record)
        return record

    def stop_if_over_budget(self, elapsed: float) -> None:
        config = self.config
        if self.step >= config.max_steps:
            raise StopTraining(StopReason.MAX_STEPS)
        if config.max_seconds is not None and elapsed >= config.max_seconds:
            raise StopTraining(StopReason.MAX_SECONDS)
        if config.max_epochs is not None and \
                self.step * config.grad_accum >= config.max_epochs * self.batches.batches_per_epoch:
            raise StopTraining(StopReason.MAX_EPOCHS)

    # --- losses: kept on the device, synced in blocks ------------------------------------
    def record_loss(self, loss: Tensor) -> None:
        self._pending.append(loss)
        if self.device.type == "cpu" or len(self._pending) >= _SYNC_EVERY:
            self.flush_losses()

    def flush_losses(self) -> None:
        if self._pending:
            self.losses.extend(torch.stack(self._pending).tolist())
            self._pending.clear()

    # --- events -----------------------------------------------------------------------
    @property
    def callbacks(self) -> list[Callback]:
        return self._callbacks

    @callbacks.setter
    def callbacks(self, callbacks: Sequence[Callback]) -> None:
        """Kept sorted by each callback's declared `order` (a stable sort)."""
        self._callbacks = sorted(callbacks, key=lambda callback: callback.order)

    def emit(self, event: str, *args: Any) -> None:
        for callback in self.callbacks:
            getattr(callback, event)(self, *args)

    def emit_final(self, event: str) -> None:
        """after_fit runs for every callback even if one of them stops or fails."""
        errors = []
        for callback in self.callbacks:
            try:
                getattr(callback, event)(self)
            except StopTraining:
                pass
            except Exception as error:  # keep closing the others, then re-raise
                errors.append(error)
        if errors:
            raise errors[0]

    # --- state for --resume -----------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        self.flush_losses()
        return {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scaler": self.scaler.state_dict(),
            "plateau": self.plateau.state_dict(),
            "batches": self.batches.state_dict(),
            "step": self.step,
            "seconds": self.seconds,
            "losses": list(self.losses),
            "evals": [record.state() for record in self.evals],
            "rng_cpu": torch.get_rng_state(),
            "rng_python": random.getstate(),
            "rng_numpy": _numpy_rng_state(),
            "rng_cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "callbacks": {cb.state_key: cb.state_dict() for cb in self.callbacks
                          if cb.state_key},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scaler.load_state_dict(state["scaler"])
        self.plateau.load_state_dict(state["plateau"])
        self.batches.load_state_dict(state["batches"])
        self.step = int(state["step"])
        self.seconds = float(state["seconds"])
        self.losses = list(state["losses"])
        self.evals = _load_evals(state)
        torch.set_rng_state(state["rng_cpu"])
        if "rng_python" in state:  # augmentations often draw from random or numpy
            random.setstate(state["rng_python"])
            _set_numpy_rng_state(state["rng_numpy"])
        if state["rng_cuda"] and torch.cuda.is_available():
            torch.cuda.set_rng_state_all(state["rng_cuda"])
        for callback in self.callbacks:
            if callback.state_key and callback.state_key in state["callbacks"]:
                callback.load_state_dict(state["callbacks"][callback.state_key])


def _load_evals(state: dict[str, Any]) -> list[EvalRecord]:
    """The eval history of a trainer state; checkpoints written before EvalRecord kept it
    in the checkpoint callback's state."""
    if "evals" in state:
        return [EvalRecord.from_state(record) for record in state["evals"]]
    old = (state.get("callbacks") or {}).get("checkpoints") or {}
    return [EvalRecord.from_checkpoint_v1(record) for record in old.get("evals", [])]


def _build_optimizer(model: nn.Module, config: TrainConfig) -> torch.optim.Optimizer:
    """Weight decay on matrices and kernels only; biases and norm gains are not decayed."""
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise SpecError("the model has no trainable parameters (all requires_grad=False)",
                        "unfreeze at least the layers you want the probe to train")
    decay = [p for p in params if p.ndim >= 2]
    no_decay = [p for p in params if p.ndim < 2]
    groups = [{"params": decay, "weight_decay": config.weight_decay},
              {"params": no_decay, "weight_decay": 0.0}]
    groups = [g for g in groups if g["params"]]
    if config.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=config.lr, momentum=config.momentum)
    if config.optimizer == "adam":
        # Adam's weight_decay is L2 added to the gradient; AdamW decouples it.
        return torch.optim.Adam(groups, lr=config.lr, betas=config.betas)
    return torch.optim.AdamW(groups, lr=config.lr, betas=config.betas)



def _numpy_rng_state() -> tuple[Any, ...]:
    """numpy's global RNG state as plain Python values (weights_only checkpoints hold no
    ndarrays)."""
    name, keys, position, has_gauss, cached = np.random.get_state()
    return name, keys.tolist(), int(position), int(has_gauss), float(cached)


def _set_numpy_rng_state(state: tuple[Any, ...]) -> None:
    name, keys, position, has_gauss, cached = state
    np.random.set_state((name, np.array(keys, dtype=np.uint32), position, has_gauss, cached))
