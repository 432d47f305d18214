"""The inspector: a cheap, always-on flight recorder for a training run.

Writes `inspector.log.jsonl` (schema in notes/README-inspector.md and docs/architecture.md):
train loss, LR and gradient norms (global and per layer) every step; validation loss and
metric at each eval; on a schedule, dead units and mean |activation| per activation layer
and weight norm and update-to-weight ratio per parameter tensor.

Why it is cheap (<= 5% of a step): the per-step work is one `torch._foreach_norm` over the
gradients; values stay device tensors and reach the host in one `.tolist()` per flush
(no host-device sync per step on a GPU); activation hooks and the weight snapshot exist
only around scheduled steps; lines are formatted from a precompiled template with 4
significant digits and written in one system call per ~100 lines.

Usable in any loop: call `.step(loss=..., lr=...)` after `optimizer.step()` and before
`zero_grad()`, `.eval(val_loss=...)` after validating, `.close()` at the end (or use it
as a context manager). `InspectorCallback` attaches it to `engine.Trainer`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import Tensor, nn

from ..engine.events import Callback
from .activations import ActivationStats
from .hooks import activation_modules, parameter_layers
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

if TYPE_CHECKING:
    from ..engine.evaluate import EvalResult
    from ..engine.trainer import Trainer

Schedule = Callable[[int], bool]
DEFAULT_STATS_EVERY = 50


def make_schedule(every: int | Schedule) -> Schedule:
    """`k` -> every k-th step (k, 2k, ...); a callable is used as is."""
    if callable(every):
        return every
    if int(every) < 1:
        raise ValueError("stats_every must be >= 1 or a callable schedule(step) -> bool")
    k = int(every)
    return lambda step: step % k == 0


class Inspector:
    """Record a run to `log_dir/inspector.log.jsonl`.

    stats_every: int k or `schedule(step) -> bool` for the activation/weight statistics.
    grad_every: per-layer gradient norms every this many steps (1 = every step); the
      global norm is logged every step regardless. Raise it to shrink the log of a model
      with many layers (the per-layer keys are most of each line).
    resume: False starts a fresh log; an int r (the step of the checkpoint a run resumes
      from) keeps records with step <= r and appends; True does the same once the step is
      known (`resume_at(r)`, the first explicit `step=`, or else the log's last step).
    optimizer: optional; read the LR from it when `.step()` gets no `lr`.
    """

    def __init__(self, model: nn.Module, log_dir: str | Path, *,
                 stats_every: int | Schedule = DEFAULT_STATS_EVERY, grad_every: int = 1,
                 resume: bool | int = False, optimizer: torch.optim.Optimizer | None = None,
                 flush_every: int = 100):
        self.model = model
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.log_dir / LOG_NAME
        self.schedule = make_schedule(stats_every)
        self.stats_every = stats_every if isinstance(stats_every, int) else "custom"
        self.grad_every = max(1, int(grad_every))
        self.optimizer = optimizer
        self.flush_every = max(1, int(flush_every))
        self._index_parameters(model)
        self.activations = ActivationStats(activation_modules(model))
        self.current_step = 0
        self._pending: list[tuple[int, Any, Any, Tensor | None]] = []
        self._pending_stats: list[tuple[int, dict[str, Tensor]]] = []
        self._early_grads: tuple[int, Tensor] | None = None
        self._snapshot: list[Tensor] | None = None
        self._templates = self._make_templates()
        self.awaiting_resume = resume is True and self.path.exists()
        self._writer = self._open(resume)
        if not self.awaiting_resume:
            self._prepare_for(self.current_step + 1)

    # --- setup ------------------------------------------------------------------------
    def _index_parameters(self, model: nn.Module) -> None:
        self.params: list[tuple[str, nn.Parameter]] = []
        self.layers: list[str] = []
        self._layer_slices: list[tuple[int, int]] = []
        for layer, named in parameter_layers(model).items():
            trainable = [(n, p) for n, p in named if p.requires_grad]
            if trainable:
                start = len(self.params)
                self.params.extend(trainable)
                self.layers.append(layer)
                self._layer_slices.append((start, len(self.params)))
        self._float32 = all(p.dtype == torch.float32 for _, p in self.params)

    def _make_templates(self) -> tuple[str, str, str]:
        """Line templates: no gradients, global norm only, global and per-layer norms."""
        head = '{"kind":"train","step":%d,"loss":%s,"lr":%s'
        keys = [f"grad_norm/{layer}" for layer in self.layers]
        body = "".join(f",{json.dumps(key)}:%s" for key in keys)
        return head + "}", head + ',"grad_norm":%s}', head + ',"grad_norm":%s' + body + "}"

    def _meta(self) -> dict[str, Any]:
        return {"kind": "meta", "schema": SCHEMA, "layers": self.layers,
                "act_layers": self.activations.names, "params": [n for n, _ in self.params],
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
        self._early_grads = (upcoming, self._grad_norms())

    def step(self, loss: Tensor | float | None = None, lr: float | None = None, *,
             step: int | None = None) -> None:
        """Record one optimizer step. Call after `optimizer.step()`, before `zero_grad()`."""
        if self.awaiting_resume:  # resume=True and nobody said where: continue the log
            self.resume_at(last_step(self.path) if step is None else int(step) - 1)
        step = self.current_step + 1 if step is None else int(step)
        self.current_step = step
        if lr is None and self.optimizer is not None:
            lr = self.optimizer.param_groups[0]["lr"]
        norms = None
        if self._early_grads is not None and self._early_grads[0] == step:
            norms = self._early_grads[1]
        else:
            norms = self._grad_norms()
        self._early_grads = None
        if isinstance(loss, Tensor):
            loss = loss.detach()
            loss = loss if loss.ndim == 0 else loss.reshape(())
        self._pending.append((step, lr, loss, norms))
        if self.activations.armed or self._snapshot is not None:
            self._pending_stats.append((step, self._collect_stats()))
        self._prepare_for(step + 1)
        if len(self._pending) >= self.flush_every:
            self.flush()

    def _grad_norms(self) -> Tensor:
        """Per-parameter gradient norms as one float32 vector on the device: one fused
        `_foreach_norm` and one stack, no host sync."""
        if not self.params:
            return torch.zeros(0)
        grads = [p.grad for _, p in self.params]
        if any(g is None for g in grads):
            zero = torch.zeros((), device=self.params[0][1].device)
            grads = [zero if g is None else g for g in grads]
        norms = torch._foreach_norm(grads)
        if not self._float32:
            norms = [n.float() for n in norms]
        return torch.stack(norms)

    def _prepare_for(self, step: int) -> None:
        """Before a scheduled step: hooks on, and a copy of the weights for the update
        ratio. Nothing at all before the other steps."""
        if not self.schedule(step):
            return
        self.activations.arm()
        with torch.no_grad():
            self._snapshot = [p.detach().clone() for _, p in self.params]

    def _collect_stats(self) -> dict[str, Tensor]:
        values = self.activations.collect()
        if self._snapshot is not None and self.params:
            with torch.no_grad():
                current = [p.detach() for _, p in self.params]
                weight = torch._foreach_norm(current)
                before = torch._foreach_norm(self._snapshot)
                delta = torch._foreach_norm(torch._foreach_sub(current, self._snapshot))
            for (name, _), w in zip(self.params, weight):
                values[f"weight_norm/{name}"] = w
            for (name, _), d, b in zip(self.params, delta, before):
                values[f"update_ratio/{name}"] = d / b.clamp_min(1e-12)
        self._snapshot = None
        return values

    # --- records written at once ----------------------------------------------------------
    def eval(self, val_loss: Tensor | float | None = None, val_metric: float | None = None,
             metric_name: str | None = None, *, step: int | None = None,
             **extra: float) -> None:
        """Record a validation result at the current step (flushes the file)."""
        record: dict[str, Any] = {"kind": "eval",
                                  "step": self.current_step if step is None else int(step),
                                  "val_loss": as_float(val_loss),
                                  "val_metric": as_float(val_metric), "metric_name": metric_name}
        record.update({f"val/{key}": as_float(value) for key, value in extra.items()})
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

    def _format_pending(self) -> None:
        losses = [loss for _, _, loss, _ in self._pending if isinstance(loss, Tensor)]
        norms = [n for _, _, _, n in self._pending if n is not None]
        pieces = [torch.stack(losses).float()] if losses else []
        pieces += [torch.stack(norms).flatten()] if norms else []
        pieces += [torch.stack(list(stats.values())).float()
                   for _, stats in self._pending_stats if stats]
        host = host_values(pieces)  # the one device-to-host transfer of this flush
        loss_values = iter(host[:len(losses)].tolist())
        grad_rows = iter(self._grad_rows(host[len(losses):], len(norms)))
        stats_values = iter(host[len(losses) + len(norms) * len(self.params):].tolist())
        lines: list[tuple[int, str]] = []
        for step, lr, loss, step_norms in self._pending:
            loss_value = next(loss_values) if isinstance(loss, Tensor) else as_float(loss)
            if step_norms is None:
                lines.append((step, self._templates[0] % (step, num(loss_value), num(lr))))
            elif step % self.grad_every:
                total = num(next(grad_rows)[0])
                lines.append((step, self._templates[1] % (step, num(loss_value), num(lr),
                                                          total)))
            else:
                fields = [num(v) for v in next(grad_rows)]
                lines.append((step, self._templates[2] % (step, num(loss_value), num(lr),
                                                          *fields)))
        for step, stats in self._pending_stats:
            record = {"kind": "stats", "step": step, **{k: next(stats_values) for k in stats}}
            lines.append((step, dumps(record)))
        lines.sort(key=lambda item: item[0])  # stable: a step's train line before its stats
        for _, line in lines:
            self._writer.write(line)
        self._pending.clear()
        self._pending_stats.clear()

    def _grad_rows(self, flat: np.ndarray, steps: int) -> list[list[float]]:
        """[global, per layer...] per step from per-parameter norms, vectorized:
        a layer's norm is the root of the sum of its parameters' squared norms."""
        if steps == 0:
            return []
        squares = flat[:steps * len(self.params)].reshape(steps, len(self.params)) ** 2
        if not self.params:
            return [[0.0]] * steps
        starts = [a for a, _ in self._layer_slices]
        layers = np.sqrt(np.add.reduceat(squares, starts, axis=1))
        total = np.sqrt(squares.sum(axis=1, keepdims=True))
        return np.concatenate([total, layers], axis=1).tolist()

    def close(self) -> None:
        """Flush, remove the hooks and close the file. Idempotent."""
        try:
            if not self._writer.closed:
                self.flush()
        finally:
            self.activations.disarm()
            self._snapshot = None
            self._writer.close()

    def __enter__(self) -> Inspector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def records(self) -> list[dict[str, Any]]:
        """Every record written so far (flushes first)."""
        self.flush()
        return list(iter_records(self.path))


def host_values(pieces: list[Tensor]) -> np.ndarray:
    """The values of several 1-D tensors with one device-to-host transfer (one sync)."""
    if not pieces:
        return np.zeros(0)
    if len({p.device for p in pieces}) > 1:
        pieces = [p.cpu() for p in pieces]
    return torch.cat(pieces).double().cpu().numpy()


def as_float(value: Tensor | float | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


class InspectorCallback(Callback):
    """Attach an Inspector to engine.Trainer: grads before clipping (after_backward),
    loss and LR (after_step), validation (after_eval), close (after_fit)."""

    def __init__(self, inspector: Inspector):
        self.inspector = inspector

    def before_fit(self, trainer: Trainer) -> None:
        if self.inspector.awaiting_resume or trainer.step > self.inspector.current_step:
            self.inspector.resume_at(trainer.step)

    def after_backward(self, trainer: Trainer) -> None:
        self.inspector.record_grads(trainer.step + 1)  # before clipping, after AMP unscale

    def after_step(self, trainer: Trainer, loss: Tensor) -> None:
        self.inspector.step(loss=loss, lr=trainer.lr, step=trainer.step)

    def after_eval(self, trainer: Trainer, result: EvalResult) -> None:
        metric = result.metrics.get(result.metric_name)
        self.inspector.eval(val_loss=result.loss, val_metric=metric,
                            metric_name=result.metric_name, step=trainer.step)

    def after_fit(self, trainer: Trainer) -> None:
        self.inspector.close()
