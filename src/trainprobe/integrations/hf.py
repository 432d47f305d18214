"""Hugging Face `Trainer`: trainprobe's inspector log, gap analysis and dashboard from your
own `Trainer.train`.

    from trainprobe.integrations.hf import TrainprobeCallback
    trainer = Trainer(model, args, ..., callbacks=[TrainprobeCallback("runs/mine")])

Events used (transformers 5.x): `on_train_begin` (the log starts on the world-zero
process), `on_step_begin`/`on_substep_end` (a micro-batch begins), `on_pre_optimizer_step`
(the LR of the step), `on_step_end` (loss and LR of the step), `on_evaluate` (eval loss and
metric), `on_train_end` (summary.json, gap-analysis.md, dashboard.html).

Gradients before clipping: the Trainer clips *before* it calls `on_pre_optimizer_step`, so
the gradients are measured earlier, when the last parameter's gradient of the step's last
backward pass has been accumulated (a post-accumulate-grad hook per parameter). The
hooks learn in the first step how many gradients one backward pass produces; that first
step is measured at `on_pre_optimizer_step`, after clipping. Under DDP the hooks see the
main process's own gradients, before they are averaged across processes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from ..instruments.inspector import DEFAULT_STATS_EVERY
from .recorder import RunRecorder, guess_metric, require

transformers = require("transformers", "hf")

TIMINGS = {"eval_loss", "epoch"}


class BackwardCounter:
    """Calls `on_last` when the last gradient of a backward pass has been accumulated.

    The count of gradients one backward pass produces is learned from a full step (unused
    parameters never get one); `reset()` marks the start of a micro-batch."""

    def __init__(self, model: nn.Module, on_last: Callable[[], None]):
        self.on_last = on_last
        self.seen = 0
        self.per_backward: int | None = None
        self.handles = [p.register_post_accumulate_grad_hook(self.hook)
                        for p in model.parameters() if p.requires_grad]

    def hook(self, parameter: Tensor) -> None:
        self.seen += 1
        if self.seen == self.per_backward:
            self.on_last()

    def reset(self) -> None:
        self.seen = 0

    def learn(self) -> None:
        """At the end of a step: the count of the step's last backward pass."""
        if self.seen:
            self.per_backward = self.seen

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles.clear()


class TrainprobeCallback(transformers.TrainerCallback):
    """Write `log_dir/inspector.log.jsonl` during `train()`, and the analysis and
    dashboard at its end.

    metric_key: the `on_evaluate` metric to plot (default: the first `eval_...` value
      that is not the loss or a timing, e.g. `eval_accuracy` from your compute_metrics).
    stats_every, grad_every: as for `tp.Inspector`.
    The per-step training loss is the model's own `outputs.loss` (averaged over the
    step's micro-batches on the main process); models that return no loss log none.
    """

    def __init__(self, log_dir: str | Path, *, metric_key: str | None = None,
                 stats_every: int = DEFAULT_STATS_EVERY, grad_every: int = 1):
        self.recorder = RunRecorder(log_dir, stats_every, grad_every)
        self.metric_key = metric_key
        self.counter: BackwardCounter | None = None
        self.losses: list[Tensor] = []
        self.lr: float | None = None
        self.step = 0
        self.handle: Any = None

    @property
    def dashboard(self) -> Path | None:
        """dashboard.html once training has ended (None on other processes)."""
        return self.recorder.dashboard

    def on_train_begin(self, args: Any, state: Any, control: Any, model: nn.Module | None = None,
                       **kwargs: Any) -> None:
        if model is None or not state.is_world_process_zero:
            return
        self.recorder.start(model, main=True)
        self.step = state.global_step
        self.counter = BackwardCounter(model, lambda: self.recorder.grads(self.step + 1))
        self.handle = model.register_forward_hook(self.keep_loss)

    def keep_loss(self, module: nn.Module, inputs: Any, outputs: Any) -> None:
        """The training loss of a micro-batch, as the model returned it."""
        loss = outputs.get("loss") if isinstance(outputs, dict) else getattr(outputs, "loss", None)
        if module.training and torch.is_grad_enabled() and isinstance(loss, Tensor):
            self.losses.append(loss.detach().float().reshape(()))

    def on_step_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.step = state.global_step
        if self.counter is not None:
            self.counter.reset()

    def on_substep_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.counter is not None:
            self.counter.reset()

    def on_pre_optimizer_step(self, args: Any, state: Any, control: Any,
                              optimizer: Any = None, **kwargs: Any) -> None:
        if self.counter is None:
            return
        if self.recorder.grads_step != state.global_step + 1:
            self.recorder.grads(state.global_step + 1)  # first step: after clipping
        self.counter.learn()
        self.lr = optimizer.param_groups[0]["lr"] if optimizer is not None else None

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.counter is None:
            return
        loss = torch.stack(self.losses).mean() if self.losses else None
        self.losses.clear()
        self.recorder.step(state.global_step, loss, self.lr)

    def on_evaluate(self, args: Any, state: Any, control: Any,
                    metrics: dict[str, Any] | None = None, **kwargs: Any) -> None:
        metrics = metrics or {}
        metric_key = self.metric_key or guess_metric(metrics, ("eval_",), TIMINGS)
        self.recorder.eval(state.global_step, metrics, "eval_loss", metric_key)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.counter is not None:
            self.counter.remove()
            self.handle.remove()
            self.counter = None
        self.recorder.finish()
