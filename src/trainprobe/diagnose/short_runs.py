"""The shuffled-label baseline's two short runs, advanced look by look so that the
comparison can stop as soon as it is decided.

A run is one engine Trainer whose fit() pauses at each look (a callback raises
StopTraining at the look's step) and is called again to go on: the model, optimizer and
data order carry over, exactly as one uninterrupted fit. Both runs start from the same
init, see the same inputs in the same order at a constant rate, and differ only in the
labels.

The constant floor is what makes the shuffled run often unnecessary: a model trained on
labels shuffled across items learns nothing about which validation item has which label,
so its validation loss cannot go below the loss of the best input-independent output,
fitted on the validation labels themselves (for a loss convex in the outputs, as cross
entropy on logits and the squared error are: Jensen). A true run already clearly below
that floor has proved that its labels follow its inputs, without the control.

For a language model the shuffled run still knows each label's position (labels are only
exchanged between sequences of one length), so its floor is the best output per position:
the mean over positions of the entropy of the next tokens found there. Fitted on a few
hundred validation sequences it is an underestimate, which only makes the floor decide
less often, never wrongly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from ..engine import Callback, StopTraining, Trainer, evaluate, reraise_interrupt
from ..engine.events import STOP
from ..overfit.ladder import rung_config
from .context import Context

__all__ = ["LookedRun", "PauseAt", "constant_floor", "start_run"]

_PAUSED = "paused for the baseline's look"


class PauseAt(Callback):
    """Stops fit() once the run reaches `step`; fit() called again goes on from there."""

    order = STOP  # every other callback has seen the step

    def __init__(self) -> None:
        self.step = 0

    def after_step(self, trainer: Trainer, loss: Tensor) -> None:
        if trainer.step >= self.step:
            raise StopTraining(_PAUSED)


@dataclass
class LookedRun:
    """One short run and its validation loss at every look (step -> loss)."""

    trainer: Trainer
    pause: PauseAt
    val_loss: dict[int, float] = field(default_factory=dict)
    val_metric: dict[int, float] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        return self.trainer.step

    def advance(self, step: int) -> int:
        """Train up to `step` (fewer when the clock or the step budget ends the run) and
        evaluate there; returns the step reached."""
        if self.trainer.step < step and not self.finished:
            self.pause.step = step
            self.trainer.fit()
            reraise_interrupt(self.trainer.stop_reason)
        if self.trainer.step not in self.val_loss:
            result = self.trainer.run_eval(emit=False)
            self.val_loss[self.trainer.step] = result.loss
            self.val_metric[self.trainer.step] = result.metric
        return self.trainer.step

    @property
    def finished(self) -> bool:
        """The step budget or the clock ended the run (a pause does not)."""
        reason = self.trainer.stop_reason
        return self.steps >= self.trainer.config.max_steps or (bool(reason) and reason != _PAUSED)

    def fitted_metric(self) -> float:
        """The task's metric on the run's own training items (how much it memorized), read
        through the run's own batches in dataset order (never augmented)."""
        trainer, batches = self.trainer, self.trainer.batches
        return evaluate(trainer.model, batches.all_batches(), trainer.task, trainer.loss_fn,
                        trainer.device, trainer.task.reference_counts(batches.all_batches()),
                        trainer.stats).metric


def start_run(ctx: Context, items: Sequence[Any], val: Sequence[Any], steps: int,
              seconds: float | None) -> LookedRun:
    """A fresh model from the baseline's seed (both runs get the same init), at a constant
    rate: a run cut short by the clock and its control follow the same schedule."""
    config = rung_config(ctx.spec, 20, "progressive", ctx.seed, {
        "max_steps": max(steps, 1), "max_seconds": seconds, "eval_every": steps + 1,
        "batch_size": 64, "schedule": "constant", "warmup_steps": 0})
    torch.manual_seed(config.seed)
    model = ctx.spec.build_model(**ctx.hints())
    pause = PauseAt()
    trainer = Trainer(model, ctx.task, items, config, eval_data=val, loss_fn=ctx.loss_fn,
                      stats=ctx.stats, collate=ctx.spec.user_collate(), callbacks=[pause])
    return LookedRun(trainer, pause)


#: the loss modules whose best constant output has a closed form here, by the task's
#: default loss kind (used as given: mean over items, no weights, no label smoothing)
_PLAIN_LOSSES = {"ce": nn.CrossEntropyLoss, "bce_logits": nn.BCEWithLogitsLoss,
                "mse": nn.MSELoss}


def constant_floor(ctx: Context, run: LookedRun) -> float | None:
    """The validation loss of the best constant output (see the module docstring), or
    None when it has no closed form here: CTC label sequences, padded or ignored next
    tokens, or a loss of the user's that is not one of the plain losses used plainly."""
    task, batches = ctx.task, run.trainer.eval_batches
    kind = task.default_loss_kind
    if batches is None or kind not in _PLAIN_LOSSES:
        return None
    if task.token_level_targets:  # the task's own next-token cross entropy only
        return _position_floor([b.targets for b in batches.all_batches()]) \
            if ctx.loss_fn is None else None
    if not task.item_targets or not _plain(ctx.loss_fn, kind):
        return None
    y = torch.cat([b.targets.reshape(len(b), -1) for b in batches.all_batches()]).float()
    if kind == "ce":
        labels = y[:, 0].long()
        if y.shape[1] != 1 or bool((labels < 0).any()):
            return None
        return _entropy(torch.bincount(labels).float())
    if kind == "bce_logits":
        positive = float(y.mean())
        return _entropy(torch.tensor([positive, 1.0 - positive]))
    return float((y - y.mean(0)).pow(2).mean())


def _position_floor(targets: list[Tensor]) -> float | None:
    """Next-token cross entropy of the best output per position: the mean entropy of the
    tokens at each position. Only for sequences of one length with every token counted
    (then the validation loss is the plain mean over tokens, as this floor is)."""
    if len({tuple(t.shape[1:]) for t in targets}) != 1 or targets[0].ndim != 2:
        return None
    tokens = torch.cat(targets).long()
    if bool((tokens < 0).any()):  # padding or ignored positions
        return None
    return sum(_entropy(torch.bincount(column).float()) for column in tokens.T) / tokens.shape[1]


def _plain(loss_fn: Any, kind: str) -> bool:
    if loss_fn is None:
        return True
    if type(loss_fn) is not _PLAIN_LOSSES[kind] or loss_fn.reduction != "mean":
        return False
    return all(getattr(loss_fn, name, None) is None for name in ("weight", "pos_weight")) \
        and not getattr(loss_fn, "label_smoothing", 0.0)


def _entropy(counts: Tensor) -> float:
    shares = counts[counts > 0] / counts.sum()
    value = float(-(shares * shares.log()).sum())
    return value if math.isfinite(value) else math.nan
