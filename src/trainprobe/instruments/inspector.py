"""The inspector: a cheap, always-on flight recorder for a training run, written over the
quantities of quantities.py and activations.py (the diagnosis uses the same objects).

Writes `inspector.log.jsonl` (schema `trainprobe.inspector/2`, README "Log records"): train
loss, LR and gradient norms (global and per layer) every step; validation loss and metric
at each eval; on a schedule, dead units, saturation and mean |activation| per activation
site and weight norm and update-to-weight ratio per parameter tensor.

Why it is cheap: the per-step work is one `torch._foreach_norm` over the gradients and one
stack; values stay device tensors and reach the host in one transfer per flush (no
host-device sync per step on an accelerator); activation hooks, the functional-op mode and
the weight snapshot exist only around scheduled steps; lines are formatted from a
precompiled template with 4 significant digits and written in one system call per ~100
lines. Per-layer values are arrays against the layer names of the meta record.

Usable in any loop: call `.step(loss=..., lr=...)` after `optimizer.step()` and before
`zero_grad()`, `.eval(val_loss=...)` after validating, `.close()` at the end (or use it
as a context manager). `InspectorCallback` attaches it to `engine.Trainer`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import Tensor, nn

from ..engine.distributed import Distributed
from ..engine.events import RECORD, Callback
from ..formatting import significant
from ..io import fsync_file
from .activations import ActivationStats, activation_quantities
from .logfile import (
    LOG_NAME,
    SCHEMA,
    LineWriter,
    dumps,
    iter_records,
    last_step,
    num,
    truncate_after,
)
from .quantities import (
    GradNorms,
    ParameterIndex,
    Schedule,
    UpdateRatios,
    WeightNorms,
    make_schedule,
)

if TYPE_CHECKING:
    from ..engine.evaluate import EvalResult
    from ..engine.trainer import Trainer

DEFAULT_STATS_EVERY = 50
_ACT_KEYS = ("dead", "saturated", "act_mean")

__all__ = ["DEFAULT_STATS_EVERY", "Inspector", "InspectorCallback"]


class Inspector:
    """Record a run to `log_dir/inspector.log.jsonl`.

    stats_every: int k or `schedule(step) -> bool` for the activation/weight statistics.
    grad_every: per-layer gradient norms every this many steps (1 = every step); the
      global norm is logged every step regardless.
    resume: False starts a fresh log; an int r (the step of the checkpoint a run resumes
      from) keeps records with step <= r and appends; True does the same once the step is
      known (`resume_at(r)`, the first explicit `step=`, or else the log's last step).
    optimizer: optional; read the LR from it when `.step()` gets no `lr`.
    loss_source: optional `step -> loss`, read when a step recorded without `loss` is
      written: InspectorCallback points it at the engine's own loss buffer, so a training
      loss is buffered once (by the Trainer), not twice.
    group: under torchrun (rank 0), the process group: the activation statistics are then
      those of the global batch, merged with the other ranks' `ActivationShare`.
    """

    loss_source: Callable[[int], float | None] | None = None

    def __init__(self, model: nn.Module, log_dir: str | Path, *,
                 stats_every: int | Schedule = DEFAULT_STATS_EVERY, grad_every: int = 1,
                 resume: bool | int = False, optimizer: torch.optim.Optimizer | None = None,
                 flush_every: int = 100, group: Distributed | None = None):
        self.model = model
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.log_dir / LOG_NAME
        self.schedule = make_schedule(stats_every)
        self.stats_every = stats_every if isinstance(stats_every, int) else "custom"
        self.grad_every = max(1, int(grad_every))
        self.optimizer = optimizer
        self.flush_every = max(1, int(flush_every))
        self.index = ParameterIndex(model)
        self.params, self.layers = self.index.params, self.index.layers
        # the quantities: gradient norms every step, the rest on the statistics schedule
        self.grad_norms = GradNorms(1)
        self.weight_norms = WeightNorms(self.schedule)
        self.update_ratios = UpdateRatios(self.schedule)
        self.activations = ActivationStats(model, quantities=activation_quantities(self.schedule),
                                           group=group)
        self.act_header = list(self.activations.names)  # the meta record's act_layers
        self.current_step = 0
        self._pending: list[tuple[int, Any, Any, Tensor | None]] = []
        self._pending_stats: list[tuple[int, list[str], dict[str, Any]]] = []
        self._early_grads: tuple[int, Tensor] | None = None
        self._train_line = self._make_templates()
        self.awaiting_resume = resume is True and self.path.exists()
        self._writer = self._open(resume)
        if not self.awaiting_resume:
            self._prepare_for(self.current_step + 1)

    # --- setup ------------------------------------------------------------------------
    def _make_templates(self) -> tuple[str, str, str]:
        """Train-line templates: no gradients, global norm only, global and per-layer."""
        head = '{"kind":"train","step":%d,"loss":%s,"lr":%s'
        layers = ",".join(["%s"] * len(self.layers))
        return (head + "}", head + ',"grad_norm":%s}',
                head + ',"grad_norm":%s,"layer_grad_norm":[' + layers + "]}")

    def _meta(self) -> dict[str, Any]:
        return {"kind": "meta", "schema": SCHEMA, "layers": self.layers,
                "act_layers": self.act_header, "params": self.index.names,
                "stats_every": self.stats_every, "grad_every": self.grad_every}

    def _open(self, resume: bool | int) -> LineWriter:
        resumed = resume is not False and self.path.exists()
        if not isinstance(resume, bool):
            self.current_step = int(resume)
            if resumed:
                truncate_after(self.path, int(resume))
        writer = LineWriter(self.path, append=resumed, flush_lines=self.flush_every)
        if not resumed:
            writer.write(dumps(self._meta()))
            writer.flush()
        return writer

    def resume_at(self, step: int) -> None:
        """Continue after a checkpoint at `step`: drop later records, measure on from there."""
        self._writer.close()  # truncation replaces the file: reopen the new one after
        truncate_after(self.path, step)
        self._writer = LineWriter(self.path, append=True, flush_lines=self.flush_every)
        self.current_step = step
        self.awaiting_resume = False
        self._prepare_for(step + 1)

    # --- per step -----------------------------------------------------------------------
    def record_grads(self, step: int | None = None) -> None:
        """Measure gradient norms now rather than in `.step()` (the engine calls this
        before clipping, so the log shows the norm the model actually produced)."""
        upcoming = self.current_step + 1 if step is None else int(step)
        self._early_grads = (upcoming, self.grad_norms.compute(self.index))

    def step(self, loss: Tensor | float | None = None, lr: float | None = None, *,
             step: int | None = None) -> None:
        """Record one optimizer step. Call after `optimizer.step()`, before `zero_grad()`."""
        if self.awaiting_resume:  # resume=True and nobody said where: continue the log
            self.resume_at(last_step(self.path) if step is None else int(step) - 1)
        step = self.current_step + 1 if step is None else int(step)
        self.current_step = step
        if lr is None and self.optimizer is not None:
            lr = self.optimizer.param_groups[0]["lr"]
        early, self._early_grads = self._early_grads, None
        if early is not None and early[0] == step:
            norms: Tensor | None = early[1]
        else:
            norms = self.grad_norms.compute(self.index) if self.index.params else None
        if isinstance(loss, Tensor):
            loss = loss.detach()
            loss = loss if loss.ndim == 0 else loss.reshape(())
        self._pending.append((step, lr, loss, norms))
        if self.activations.armed or self.update_ratios.ready or \
                self.weight_norms.schedule(step):
            self._pending_stats.append((step, *self._collect_stats(step)))
        self._prepare_for(step + 1)
        if len(self._pending) >= self.flush_every:
            self.flush()

    def _prepare_for(self, step: int) -> None:
        """Before a scheduled step: hooks on, and a copy of the weights for the update
        ratio. Nothing at all before the other steps."""
        if self.activations.wanted(step):
            self.activations.arm()
        if self.update_ratios.schedule(step):
            self.update_ratios.before(self.index)

    def _collect_stats(self, step: int) -> tuple[list[str], dict[str, Any]]:
        """Device values of a scheduled step: {key: {site: 0-d}} and {key: (P,) vector}."""
        values: dict[str, Any] = dict(self.activations.collect(step)) \
            if self.activations.armed else {}
        if self.index.params and self.weight_norms.schedule(step):
            values["weight_norm"] = self.weight_norms.compute(self.index)
        if self.update_ratios.ready and self.index.params:
            values["update_ratio"] = self.update_ratios.compute(self.index)
        self.update_ratios.clear()
        return list(self.activations.names), values

    # --- records written at once ----------------------------------------------------------
    def eval(self, val_loss: Tensor | float | None = None, val_metric: float | None = None,
             metric_name: str | None = None, *, step: int | None = None,
             **extra: float) -> None:
        """Record a validation result at the current step (flushes the file)."""
        record: dict[str, Any] = {"kind": "eval",
                                  "step": self.current_step if step is None else int(step),
                                  "val_loss": _as_float(val_loss),
                                  "val_metric": _as_float(val_metric), "metric_name": metric_name}
        record.update({f"val/{key}": _as_float(value) for key, value in extra.items()})
        self._write_now(record)

    def event(self, name: str, **fields: Any) -> None:
        """Record a named event (checkpoint, best, early_stop, interrupted, ...)."""
        step = int(fields.pop("step", self.current_step))
        self._write_now({"kind": "event", "step": step, "event": name, **fields})

    def _write_now(self, record: dict[str, Any]) -> None:
        closed = self._writer.closed
        if closed:  # a record after close() (e.g. restore_best at after_fit) is appended
            self._writer = LineWriter(self.path, append=True, flush_lines=self.flush_every)
        self.flush()
        self._writer.write(dumps(record))
        self._writer.flush()
        if closed:
            self._writer.close()

    def flush(self) -> None:
        """Bring pending values to the host in one transfer and write them out."""
        if self._pending or self._pending_stats:
            self._format_pending()
        self._writer.flush()

    def sync(self) -> None:
        """Flush and force the log to disk: called before a checkpoint is published, so the
        log on disk always covers the steps the checkpoint holds."""
        if not self._writer.closed:
            self.flush()
        fsync_file(self.path)

    def _format_pending(self) -> None:
        losses = [loss for _, _, loss, _ in self._pending if isinstance(loss, Tensor)]
        norms = [n for _, _, _, n in self._pending if n is not None]
        stats_pieces = [_stats_vector(values) for _, _, values in self._pending_stats]
        pieces = [torch.stack(losses).float()] if losses else []
        pieces += [torch.stack(norms).flatten()] if norms else []
        pieces += [p for p in stats_pieces if p is not None]
        host = _host_values(pieces)  # the one device-to-host transfer of this flush
        loss_values = iter(host[:len(losses)].tolist())
        offset = len(losses) + len(norms) * len(self.params)
        grad_rows = iter(self._grad_rows(host[len(losses):offset], len(norms)))
        lines: list[tuple[int, str]] = []
        for step, lr, loss, step_norms in self._pending:
            if isinstance(loss, Tensor):
                loss_value = next(loss_values)
            elif loss is None and self.loss_source is not None:
                loss_value = _as_float(self.loss_source(step))
            else:
                loss_value = _as_float(loss)
            head = (step, num(loss_value), num(lr))
            if step_norms is None:
                lines.append((step, self._train_line[0] % head))
            elif step % self.grad_every:
                lines.append((step, self._train_line[1] % (*head, num(next(grad_rows)[0]))))
            else:
                row = [num(v) for v in next(grad_rows)]
                lines.append((step, self._train_line[2] % (*head, *row)))
        for step, sites, values in self._pending_stats:
            record, offset = self._stats_record(step, sites, values, host, offset)
            lines.append((step, dumps(record)))
        lines.sort(key=lambda item: item[0])  # stable: a step's train line before its stats
        for _, line in lines:
            self._writer.write(line)
        self._pending.clear()
        self._pending_stats.clear()

    def _stats_record(self, step: int, sites: list[str], values: dict[str, Any],
                      host: np.ndarray, offset: int) -> tuple[dict[str, Any], int]:
        """A stats record from its slice of the host values (laid out by _stats_vector);
        `dumps` rounds the arrays and writes NaN as null."""
        record: dict[str, Any] = {"kind": "stats", "step": step}
        if sites != self.act_header:  # functional sites found at run time
            record["act_layers"] = sites
        for key in _ACT_KEYS:
            by_site = values.get(key, {})
            taken = {name: host[offset + i] for i, name in enumerate(by_site)}
            offset += len(by_site)
            if taken:
                record[key] = [significant(taken[s]) if s in taken else None for s in sites]
        for key in ("weight_norm", "update_ratio"):
            if key in values:
                record[key] = [significant(v) for v in host[offset:offset + len(self.params)]]
                offset += len(self.params)
        return record, offset

    def _grad_rows(self, flat: np.ndarray, steps: int) -> list[list[float]]:
        """[global, per layer...] per step from the per-parameter norms, vectorized."""
        if steps == 0:
            return []
        rows = flat.reshape(steps, len(self.params))
        total = ParameterIndex.total_norm(rows)[:, None]
        return np.concatenate([total, self.index.layer_norms(rows)], axis=1).tolist()

    def close(self) -> None:
        """Flush, remove the hooks and close the file. Idempotent."""
        try:
            if not self._writer.closed:
                self.flush()
        finally:
            self.activations.disarm()
            self.update_ratios.clear()
            self._writer.close()

    def __enter__(self) -> Inspector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def records(self) -> list[dict[str, Any]]:
        """Every record written so far, as written (flushes first)."""
        self.flush()
        return list(iter_records(self.path))


def _stats_vector(values: dict[str, Any]) -> Tensor | None:
    """A scheduled step's device values as one float vector: the activation quantities
    site by site (_ACT_KEYS order), then weight norms, then update ratios."""
    parts = [v.reshape(1).float() for key in _ACT_KEYS for v in values.get(key, {}).values()]
    parts += [values[key].float() for key in ("weight_norm", "update_ratio") if key in values]
    return torch.cat([p.to(parts[0].device) for p in parts]) if parts else None


def _host_values(pieces: list[Tensor]) -> np.ndarray:
    """The values of several 1-D tensors with one device-to-host transfer (one sync)."""
    if not pieces:
        return np.zeros(0)
    if len({p.device for p in pieces}) > 1:
        pieces = [p.cpu() for p in pieces]
    return torch.cat(pieces).double().cpu().numpy()


def _as_float(value: Tensor | float | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


class InspectorCallback(Callback):
    """Attach an Inspector to engine.Trainer: grads before clipping (after_backward),
    loss and LR (after_step), validation (after_eval), close (after_fit)."""

    order = RECORD  # a step is logged before any callback may stop the run

    def __init__(self, inspector: Inspector):
        self.inspector = inspector

    def before_fit(self, trainer: Trainer) -> None:
        self.inspector.loss_source = lambda step: _engine_loss(trainer, step)
        if self.inspector.awaiting_resume or trainer.step > self.inspector.current_step:
            self.inspector.resume_at(trainer.step)

    def after_backward(self, trainer: Trainer) -> None:
        self.inspector.record_grads(trainer.step + 1)  # before clipping, after AMP unscale

    def after_step(self, trainer: Trainer, loss: Tensor) -> None:
        # no loss here: the log reads it from the trainer's buffer when it writes the step
        self.inspector.step(lr=trainer.lr, step=trainer.step)

    def after_eval(self, trainer: Trainer, result: EvalResult) -> None:
        metric = result.metrics.get(result.metric_name)
        # the task's other metrics as val/<name>: any of them can be `monitor`ed
        others = {name: value for name, value in result.metrics.items()
                  if name != result.metric_name}
        self.inspector.eval(val_loss=result.loss, val_metric=metric,
                            metric_name=result.metric_name, step=trainer.step, **others)

    def after_fit(self, trainer: Trainer) -> None:
        self.inspector.close()


def _engine_loss(trainer: Trainer, step: int) -> float | None:
    """The train loss of optimizer step `step` from the Trainer's buffer (trainer.losses[k]
    is step k + 1), synced to the host first if the engine still holds it on the device."""
    trainer.flush_losses()
    index = step - 1
    return trainer.losses[index] if 0 <= index < len(trainer.losses) else None
