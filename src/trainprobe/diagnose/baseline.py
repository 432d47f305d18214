"""The shuffled-label baseline: train briefly on the true labels and, from the same init,
on labels shuffled across items; then compare the two validation losses. When the labels
follow the inputs, the true run generalizes and the shuffled one cannot; when they do
not (labels read one row off, or shuffled separately from the inputs), unique inputs
memorize anyway and both validate alike: LABELS_NOT_LEARNABLE.

Both runs go through the engine's Trainer with the same seed, data order and budget.
Without a validation set the baseline is skipped, with a note.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from ..engine import Trainer
from ..engine.batches import BatchStream
from ..engine.evaluate import EvalResult, evaluate
from ..overfit.ladder import rung_config, rung_subset
from ..tasks import SampledItems
from .context import Context
from .findings import LABELS_NOT_LEARNABLE, Finding

BASELINE_ITEMS = 256  # training items of each short run
BASELINE_VAL_ITEMS = 256
BASELINE_STEPS = 60
BASELINE_SECONDS = 5.0  # per run: a slow model gets fewer steps, never a long wait
#: the true run must fit its own items better than chance (the shuffled run's validation
#: metric) by this much for the comparison to count; else the run was too short to tell
MIN_FIT = 0.05
#: label sequences (lm, ctc): the true run's validation loss gain over the shuffled run's,
#: as a share of the untrained validation loss, below which the labels are not learnable
#: (healthy >= 0.034; the shuffled run still learns the label frequencies, and the
#: metric of a 60-step run is at chance on small validation sets)
MIN_ADVANTAGE = 0.02
#: one label per item: the share of the true run's fit above chance that carries over to
#: validation, below which the labels do not follow the inputs (healthy >= 0.56; digits
#: with labels one row off 0.35, since a third of neighbours are consecutive digits)
MIN_GENERALIZATION = 0.45
#: ... unless the validation loss clearly beats the shuffled run's (healthy one-label
#: tasks: >= 0.33; labels one row off: <= 0.073, shuffled separately: < 0)
ITEM_ADVANTAGE = 0.2


@dataclass
class ShortRun:
    initial_val: float  # validation loss of the untrained model
    final_val: float  # validation loss after the run
    val_metric: float  # the task's metric on validation after the run
    train_metric: float  # the task's metric on the run's own training items
    steps: int

    def generalization(self, chance: float, higher_is_better: bool) -> float | None:
        """(validation metric - chance) / (training metric - chance), chance being the
        shuffled run's validation metric; None when the run did not fit its items."""
        sign = 1.0 if higher_is_better else -1.0
        fit = sign * (self.train_metric - chance)
        return sign * (self.val_metric - chance) / fit if fit >= MIN_FIT else None

    def advantage_over(self, control: ShortRun) -> float:
        """How much lower this run's validation loss ends than the control's, as a share
        of the untrained validation loss."""
        return (control.final_val - self.final_val) / self.initial_val


def baseline_check(ctx: Context) -> list[Finding]:
    runs = baseline_runs(ctx)
    return judge(ctx, *runs) if runs is not None else []


def baseline_runs(ctx: Context) -> tuple[ShortRun, ShortRun] | None:
    """(true labels, shuffled labels), or None with a note when there is nothing to run."""
    if ctx.val_data is None:
        ctx.notes.append("shuffled-label baseline (LABELS_NOT_LEARNABLE) skipped: the spec "
                         "has no validation set")
        return None
    count = min(BASELINE_ITEMS, len(ctx.train_data))
    if count < 8:
        ctx.notes.append(f"shuffled-label baseline skipped: {count} training items")
        return None
    subset = rung_subset(ctx.train_data, count, ctx.seed)
    items = [subset[i] for i in range(count)]
    shuffled = shuffled_labels(items, ctx.seed + 1)
    val = SampledItems(ctx.val_data, BASELINE_VAL_ITEMS)
    true = short_run(ctx, items, val, BASELINE_STEPS, BASELINE_SECONDS)
    # the same number of steps, whatever the clock allowed the first run
    return true, short_run(ctx, shuffled, val, true.steps, None)


def shuffled_labels(items: list[Any], seed: int) -> list[Any]:
    """Each item's input with another item's label. Labels are exchanged only between
    items whose labels have the same shape: an LM's next tokens must match its tokens'
    length."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for index, (_, label) in enumerate(items):
        groups.setdefault(tuple(torch.as_tensor(label).shape), []).append(index)
    g = torch.Generator().manual_seed(seed)
    source = list(range(len(items)))
    for members in groups.values():
        for position, j in enumerate(torch.randperm(len(members), generator=g).tolist()):
            source[members[position]] = members[j]
    return [(x, items[source[i]][1]) for i, (x, _) in enumerate(items)]


def short_run(ctx: Context, items: Sequence[Any], val: Sequence[Any], steps: int,
              seconds: float | None) -> ShortRun:
    """`steps` at a constant rate (no warmup, no decay: a run cut short by the clock
    and its control follow the same schedule)."""
    config = rung_config(ctx.spec, 20, "progressive", ctx.seed, {
        "max_steps": max(steps, 1), "max_seconds": seconds, "eval_every": BASELINE_STEPS + 1,
        "batch_size": 64, "schedule": "constant", "warmup_steps": 0})
    torch.manual_seed(config.seed)
    model = ctx.spec.build_model(**ctx.hints())
    trainer = Trainer(model, ctx.task, items, config, eval_data=val, loss_fn=ctx.loss_fn,
                      stats=ctx.stats)
    before: EvalResult = trainer.run_eval(emit=False)
    trainer.fit()
    after = trainer.run_eval(emit=False)
    batches = BatchStream(items, ctx.task, 256, config.seed, shuffle=False)
    fitted = evaluate(trainer.model, batches.all_batches(), ctx.task, ctx.loss_fn,
                      trainer.device, ctx.task.reference_counts(batches.all_batches()),
                      ctx.stats)
    return ShortRun(before.loss, after.loss, after.metric, fitted.metric, trainer.step)


def judge(ctx: Context, true: ShortRun, control: ShortRun) -> list[Finding]:
    numbers = (true.initial_val, true.final_val, control.final_val, true.train_metric,
               true.val_metric, control.val_metric)
    if not all(math.isfinite(v) for v in numbers) or true.initial_val <= 0:
        return []
    advantage = true.advantage_over(control)
    generalization = true.generalization(control.val_metric, ctx.task.higher_is_better)
    sequences = ctx.task.token_level_targets or ctx.task.aligned_frames
    if advantage >= MIN_ADVANTAGE and (sequences or generalization is None):
        return []  # label sequences: the shuffled run learns label frequencies too
    if generalization is None:
        ctx.notes.append(f"shuffled-label baseline inconclusive: {true.steps} steps did "
                         f"not fit the training items ({ctx.task.metric_name} "
                         f"{true.train_metric:.3g}, chance {control.val_metric:.3g})")
        return []
    if not sequences and (generalization >= MIN_GENERALIZATION
                          or advantage >= ITEM_ADVANTAGE):
        return []
    return [Finding(
        LABELS_NOT_LEARNABLE, "warning",
        f"after {true.steps} steps on {BASELINE_ITEMS} items with the true labels, "
        f"{ctx.task.metric_name} is {true.train_metric:.3g} on those items but "
        f"{true.val_metric:.3g} on validation, where labels shuffled across items reach "
        f"{control.val_metric:.3g} (validation loss {true.final_val:.3g} vs "
        f"{control.final_val:.3g}): only {generalization:.0%} of what was learned carries "
        "over, so the labels do not (all) follow their inputs",
        where="labels",
        evidence={"val_loss_true_labels": true.final_val,
                  "val_loss_shuffled_labels": control.final_val,
                  "val_loss_untrained": true.initial_val, "advantage": advantage,
                  "train_metric_true_labels": true.train_metric,
                  "val_metric_true_labels": true.val_metric,
                  "val_metric_shuffled_labels": control.val_metric,
                  "generalization": generalization, "steps": true.steps,
                  "threshold": MIN_GENERALIZATION},
        fix="check that __getitem__ returns the label of the same row as the input (no "
            "off-by-one, no separate shuffle of inputs and labels, the same sort order "
            "for both files)", weight=2.0)]
