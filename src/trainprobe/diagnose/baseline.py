"""The shuffled-label baseline: train briefly on the true labels and, from the same init,
on labels shuffled across items; then compare the two validation losses. When the labels
follow the inputs, the true run generalizes and the shuffled one cannot; when they do
not (labels read one row off, or shuffled separately from the inputs), unique inputs
memorize anyway and both validate alike: LABELS_NOT_LEARNABLE.

Both runs go through the engine's Trainer with the same seed, data order and budget
(short_runs.py), one after the other (a spec's loss may close over the last model it
built). Validation losses are taken every LOOK_EVERY steps, and the comparison stops at
the first look that proves the labels learnable, by the same margin the verdict at the
end asks for: during the true run against the constant floor that bounds the shuffled
run's validation loss from below, then during the shuffled run against the true run's
loss at the same step. Only a true run that is never that clearly ahead costs both full
runs and is judged. Without a validation set the baseline is skipped, with a note.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch

from ..overfit.ladder import rung_subset
from ..tasks import SampledItems
from .context import Context
from .findings import LABELS_NOT_LEARNABLE, Finding
from .short_runs import LookedRun, constant_floor, start_run

__all__ = ["BASELINE_ITEMS", "BASELINE_SECONDS", "BASELINE_STEPS", "BASELINE_VAL_ITEMS",
           "LOOK_EVERY", "MIN_ADVANTAGE", "MIN_FIT", "MIN_GENERALIZATION",
           "MIN_SINGLE_ADVANTAGE", "Baseline", "ShortRun", "ahead", "baseline_check",
           "baseline_runs", "final_runs", "sequence_labels"]

BASELINE_ITEMS = 256  # training items of each short run
BASELINE_VAL_ITEMS = 256
BASELINE_STEPS = 60
BASELINE_SECONDS = 5.0  # the true run: a slow model gets fewer steps, never a long wait
#: steps between two looks at the validation losses (each look costs one evaluation of
#: the validation items per run)
LOOK_EVERY = 10
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
#: one label per item: a true run whose validation loss ends this share of the untrained
#: loss below the shuffled run's has learned something that carries over, whatever its
#: metric says (healthy >= 0.23: a 2-layer BERT whose 60-step accuracy ratio is only 0.41;
#: labels one row off 0.073, shuffled separately or sorted apart <= 0)
MIN_SINGLE_ADVANTAGE = 0.15


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


@dataclass
class Baseline:
    """The two runs' validation losses at every look, and how the comparison ended."""

    true: LookedRun
    control: LookedRun | None  # None: the floor decided before the shuffled run started
    floor: float | None  # the constant floor under the shuffled run's validation loss
    decided_by: str  # "floor" or "control": the labels proved learnable at a look; "" none
    items: list[Any]  # the true run's training items
    val: Sequence[Any]  # the validation items both runs are evaluated on
    train_metric: float = math.nan  # the true run's metric on its items, at its end

    @property
    def initial_val(self) -> float:
        return self.true.val_loss[0]

    @property
    def steps(self) -> int:
        return self.true.steps


def baseline_check(ctx: Context) -> list[Finding]:
    baseline = baseline_runs(ctx)
    if baseline is None or baseline.decided_by:
        return []
    return _judge(ctx, *final_runs(ctx, baseline))


def baseline_runs(ctx: Context, early: bool = True) -> Baseline | None:
    """The two runs, stopped at the first look that proves the labels learnable (all
    looks to the end when not `early`: calibration), or None with a note when there is
    nothing to run. The shuffled run starts only if the true run did not decide."""
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
    val = SampledItems(ctx.val_data, BASELINE_VAL_ITEMS)
    true = start_run(ctx, items, val, BASELINE_STEPS, BASELINE_SECONDS)
    true.advance(0)
    baseline = Baseline(true, None, constant_floor(ctx, true), "", items, val)
    need = MIN_ADVANTAGE if sequence_labels(ctx) else MIN_SINGLE_ADVANTAGE
    for look in range(LOOK_EVERY, BASELINE_STEPS + LOOK_EVERY, LOOK_EVERY):
        step = true.advance(min(look, BASELINE_STEPS))
        if early and ahead(baseline, step, baseline.floor, need):
            baseline.decided_by = "floor"
            return baseline
        if true.finished:
            break
    baseline.train_metric = true.fitted_metric()  # before another model is built
    for step in sorted(true.val_loss)[1:]:
        if _look_at_control(ctx, baseline, step, early, need):
            break
    return baseline


def _look_at_control(ctx: Context, baseline: Baseline, step: int, early: bool,
                     need: float) -> bool:
    """Bring the shuffled run to `step`; True when the true run is `need` ahead there."""
    if baseline.control is None:  # shuffled labels: the same init, inputs and order
        shuffled = _shuffled_labels(baseline.items, ctx.seed + 1)
        baseline.control = start_run(ctx, shuffled, baseline.val, BASELINE_STEPS, None)
    baseline.control.advance(step)
    if early and ahead(baseline, step, baseline.control.val_loss[step], need):
        baseline.decided_by = "control"
        return True
    return False


def ahead(baseline: Baseline, step: int, reference: float | None, need: float) -> bool:
    """The true run's validation loss at `step` is at least `need` (a share of the
    untrained loss) below `reference`."""
    initial, value = baseline.initial_val, baseline.true.val_loss[step]
    if reference is None or not all(math.isfinite(v) for v in (initial, value, reference)):
        return False
    return initial > 0 and (reference - value) / initial >= need


def sequence_labels(ctx: Context) -> bool:
    return bool(ctx.task.token_level_targets or ctx.task.aligned_frames)


def final_runs(ctx: Context, baseline: Baseline) -> tuple[ShortRun, ShortRun]:
    """Both runs at the true run's last step, for the verdict."""
    true, control, step = baseline.true, baseline.control, baseline.steps
    assert control is not None
    return (ShortRun(baseline.initial_val, true.val_loss[step], true.val_metric[step],
                     baseline.train_metric, step),
            ShortRun(baseline.initial_val, control.val_loss[step], control.val_metric[step],
                     math.nan, step))


def _shuffled_labels(items: list[Any], seed: int) -> list[Any]:
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


def _judge(ctx: Context, true: ShortRun, control: ShortRun) -> list[Finding]:
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
                          or advantage >= MIN_SINGLE_ADVANTAGE):
        return []  # a slow starter's metric ratio is noisy; its validation loss is not
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
                  "threshold": MIN_GENERALIZATION,
                  "advantage_threshold": MIN_SINGLE_ADVANTAGE},
        fix="check that __getitem__ returns the label of the same row as the input (no "
            "off-by-one, no separate shuffle of inputs and labels, the same sort order "
            "for both files)", weight=2.0)]
