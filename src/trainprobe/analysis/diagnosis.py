"""The train/validation diagnosis: five checks that each say whether they apply and why,
in plain language, plus an overall verdict.

Rules (thresholds are relative, so they hold for any loss scale):
- underfitting: the smoothed training loss fell by less than 25% from its start and the
  final validation loss is above 75% of that start (both poor).
- overfitting follows the onset rule, validation no longer improving while training does:
  an onset was detected (sustained validation rise while training did not rise), or the
  final gap (val - train) is big AND validation's trend minimum lies PATIENCE or more evals
  before the end while training kept falling. Big = above 30% of the validation loss AND
  above 10% of what training gained (a gap of 0.05 is 30% of a validation loss of 0.15
  but nothing next to a drop from 2.3). A big gap while validation still improves is
  "still improving; gap large": train longer, then regularize.
- healthy: neither of the above; the gap is small (<= 10% of the validation loss or <= 5%
  of the training gain), moderate, or large while validation still improves.
- validation better than training: the final validation loss is below the training loss
  by more than 2% and more than twice the eval noise.
- noisy single-eval dips: evals more than 4 noise sigmas (and 1%) from the trend.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ..formatting import number
from .onset import PATIENCE, Onset

UNDERFIT_IMPROVEMENT = 0.25
BIG_GAP = 0.30  # of the validation loss
BIG_GAP_SHARE = 0.10  # of the training gain
SMALL_GAP = 0.10
SMALL_GAP_SHARE = 0.05


@dataclass
class Check:
    code: str
    applies: bool
    title: str
    text: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def fmt(value: float | None) -> str:
    return number(value, missing="n/a")


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.0f}%"


def diagnose(onset: Onset, *, train_initial: float | None, n_evals: int,
             dropout: float | None = None, augment: bool | None = None,
             nonfinite: NonFinite | None = None) -> tuple[str, list[Check]]:
    """(verdict, checks) with verdict one of diverged (a NaN/inf loss: never healthy),
    overfitting, underfitting, healthy, inconclusive (fewer than 3 evals or no validation
    loss)."""
    improvement = train_improvement(onset, train_initial)
    under = underfitting(onset, train_initial, improvement)
    share = gap_share(onset, train_initial)
    over = overfitting(onset, share)
    broken = nonfinite_check(nonfinite or NonFinite())
    if broken.applies:
        verdict = "diverged"
    elif n_evals < 3 or onset.t_val_min is None:
        verdict = "inconclusive"
    else:
        verdict = "overfitting" if over.applies else "underfitting" if under.applies else "healthy"
    checks = [broken, under, over, healthy(onset, verdict, improvement, share),
              val_better(onset, dropout, augment), noisy_dips(onset)]
    return verdict, checks


@dataclass
class NonFinite:
    """NaN/inf losses in a run: counts and the first step of each."""

    train_steps: int = 0
    train_total: int = 0
    train_first: int | None = None
    val_evals: int = 0
    val_total: int = 0
    val_first: int | None = None


def nonfinite_check(found: NonFinite) -> Check:
    applies = bool(found.train_steps or found.val_evals)
    parts = []
    if found.train_steps:
        parts.append(f"the training loss was NaN/inf at {found.train_steps} of "
                     f"{found.train_total} steps (first at step {found.train_first})")
    if found.val_evals:
        parts.append(f"the validation loss was NaN/inf at {found.val_evals} of "
                     f"{found.val_total} evals (first at step {found.val_first})")
    text = ("Yes: " + " and ".join(parts) + ". The numbers below describe only the finite "
            "part of the run. Check the data for NaN/inf, lower the learning rate or set "
            "grad_clip.") if applies else "No: every recorded loss is finite."
    return Check("nonfinite", applies, "Non-finite losses (diverged)", text, asdict(found))


def train_improvement(onset: Onset, train_initial: float | None) -> float | None:
    if train_initial is None or onset.final_train is None or train_initial == 0:
        return None
    return 1.0 - onset.final_train / train_initial


def gap_share(onset: Onset, train_initial: float | None) -> float | None:
    """The final gap as a fraction of what training gained: how much of the learning did
    not carry over to validation."""
    if train_initial is None or onset.final_gap is None or onset.final_train is None:
        return None
    gain = train_initial - onset.final_train
    return onset.final_gap / gain if gain > 0 else None


def underfitting(onset: Onset, train_initial: float | None,
                 improvement: float | None) -> Check:
    applies = bool(improvement is not None and onset.final_val is not None
                   and improvement < UNDERFIT_IMPROVEMENT
                   and onset.final_val > 0.75 * (train_initial or 0.0))
    if improvement is None:
        text = "Not enough data to judge how far the training loss fell."
    elif applies:
        text = (f"Both losses stayed poor: training loss fell only {pct(improvement)} from "
                f"{fmt(train_initial)} to {fmt(onset.final_train)} and validation ended at "
                f"{fmt(onset.final_val)}. The model has not fit the training data yet: train "
                "longer, raise the learning rate or the capacity, or lower regularization "
                "(run `trainprobe probe` first if it cannot even memorize a few samples).")
    else:
        text = (f"No: training loss fell {pct(improvement)} (from {fmt(train_initial)} to "
                f"{fmt(onset.final_train)}).")
    return Check("underfitting", applies, "Underfitting (both losses poor)", text,
                 {"train_initial": train_initial, "train_final": onset.final_train,
                  "val_final": onset.final_val, "train_improvement": improvement})


def still_improving(onset: Onset) -> bool:
    """More training still helps validation, whatever the size of the gap: the trend is at
    its minimum within the last PATIENCE evals, and over the last tenth of the run (at
    least PATIENCE evals) it fell below everything before by more than the threshold (on a
    flat, noisy curve the minimum lands at the end by chance)."""
    trend = onset.smoothed_val
    if onset.t_val_min is None or len(trend) <= PATIENCE or onset.evals_after_min >= PATIENCE:
        return False
    window = max(PATIENCE, len(trend) // 10)
    earlier = min(trend[:-window]) if len(trend) > window else trend[0]
    return trend[-1] < earlier - (onset.threshold or 0.0)


def train_still_improving(onset: Onset) -> bool:
    """The training trend fell by more than validation's threshold over the last tenth of
    the run (at least PATIENCE evals): training "still does" improve, in the onset rule's
    words, by an amount that would matter on validation's scale."""
    trend = onset.smoothed_train
    window = max(PATIENCE, len(trend) // 10)
    if len(trend) <= window:
        return False
    return bool(trend[-1] < trend[-1 - window] - (onset.threshold or 0.0))


def overfitting(onset: Onset, share: float | None) -> Check:
    """The onset rule: overfitting is validation no longer improving while training still
    does. A large gap alone is not overfitting: while validation still improves the advice
    is to train longer (then regularize), not to stop."""
    ratio = onset.final_gap_ratio
    big_gap = bool(ratio is not None and ratio > BIG_GAP and share is not None
                   and share > BIG_GAP_SHARE)
    improving = still_improving(onset)
    gap = f"{fmt(onset.final_gap)}, {pct(ratio)} of the validation loss, {pct(share)} of " \
          "what training gained"
    stalled = big_gap and not improving and train_still_improving(onset)
    applies = bool(onset.detected or stalled)
    if onset.detected:
        text = (f"Yes: validation loss reached its trend minimum {fmt(onset.val_min)} at step "
                f"{onset.t_val_min} and then rose by {fmt(onset.rise)} "
                f"(to {fmt(onset.final_val)}), above the threshold {fmt(onset.threshold)} for "
                f"{onset.evals_above} evals, while training loss kept falling to "
                f"{fmt(onset.final_train)}. Overfitting begins at step {onset.onset_step}; "
                "training past it memorizes the training set. Use the best checkpoint, stop "
                "earlier, or add regularization (dropout, weight decay, augmentation, data).")
    elif stalled:
        text = (f"Yes: validation no longer improves (trend minimum {fmt(onset.val_min)} at "
                f"step {onset.t_val_min}; less than {fmt(onset.threshold)} of progress over "
                f"the last evals) while training loss keeps falling, to "
                f"{fmt(onset.final_train)}, and the gap is large ({gap}). Use the best "
                "checkpoint, or add regularization or data.")
    elif big_gap and improving:
        text = (f"Not yet: still improving; gap large. Validation loss is still falling (its "
                f"trend minimum {fmt(onset.val_min)} is at step {onset.t_val_min}, at the end "
                f"of the run), so this is not overfitting, but the gap is large ({gap}). "
                "Train longer, then regularize (dropout, weight decay, augmentation, data) "
                "once validation stops improving.")
    elif big_gap:
        text = (f"No: both losses have levelled off, with a large gap ({gap}). Training no "
                "longer improves either, so this is not the onset of overfitting; "
                "regularization or more data may close the gap.")
    elif onset.t_val_min is not None and onset.rise and onset.rise > 0:
        text = (f"No sustained rise: validation is {fmt(onset.rise)} above its minimum, "
                f"within the threshold {fmt(onset.threshold)} or not for {PATIENCE} evals in a row.")
    else:
        text = "No: validation loss was still at or near its lowest at the end."
    return Check("overfitting", applies, "Overfitting (validation no longer improving)", text,
                 {"onset_step": onset.onset_step, "t_val_min": onset.t_val_min,
                  "val_min": onset.val_min, "rise": onset.rise, "threshold": onset.threshold,
                  "final_gap": onset.final_gap, "final_gap_ratio": ratio, "gap_share": share,
                  "big_gap": big_gap, "still_improving": improving})


def healthy(onset: Onset, verdict: str, improvement: float | None,
            share: float | None) -> Check:
    applies = verdict == "healthy"
    ratio = onset.final_gap_ratio
    small = (ratio is not None and abs(ratio) <= SMALL_GAP) or \
        (share is not None and abs(share) <= SMALL_GAP_SHARE)
    large = bool(ratio is not None and ratio > BIG_GAP and share is not None
                 and share > BIG_GAP_SHARE)
    size = "small" if small else "large" if large else "moderate"
    if applies:
        text = (f"Yes: training loss fell {pct(improvement)}, validation followed it down to "
                f"{fmt(onset.final_val)}, and the gap is {size} ({pct(ratio)} of the "
                "validation loss). More steps may still help; no sign of overfitting yet.")
    else:
        text = f"No: the verdict is {verdict}."
    return Check("healthy", applies, "Healthy (both good, small gap)", text,
                 {"final_gap_ratio": ratio, "gap_share": share, "gap_size": size})


def val_better(onset: Onset, dropout: float | None, augment: bool | None) -> Check:
    if onset.final_val is None or onset.final_train is None:
        return Check("val_better_than_train", False, "Validation better than training",
                     "Not enough data.")
    margin = max(0.02 * abs(onset.final_train), 2.0 * onset.noise)
    applies = onset.final_val < onset.final_train - margin
    causes = []
    if dropout:
        causes.append(f"dropout ({dropout}) is active while training and off at evaluation")
    if augment:
        causes.append("training items are augmented (harder) while validation items are not")
    if not causes:
        causes.append("dropout or augmentation, if the model or data pipeline use them, "
                      "make training harder than evaluation")
    causes.append("the training loss is an average over the steps before each eval, while "
                  "the model improved; validation measures the model at the end of them")
    if applies:
        text = (f"Yes: validation ({fmt(onset.final_val)}) is below training "
                f"({fmt(onset.final_train)}). This is normal, not a leak, when: "
                + "; ".join(causes) + ". If none of these apply, check that validation "
                "items are not also in the training set and that it is not an easier split.")
    else:
        text = "No: validation loss is not below the training loss."
    return Check("val_better_than_train", applies, "Validation better than training", text,
                 {"val_final": onset.final_val, "train_final": onset.final_train,
                  "margin": margin, "dropout": dropout, "augment": augment})


def noisy_dips(onset: Onset) -> Check:
    dips = [a for a in onset.anomalies if a["kind"] == "dip"]
    spikes = [a for a in onset.anomalies if a["kind"] == "spike"]
    if not onset.anomalies:
        text = (f"No: every eval lies within {fmt(4 * onset.noise)} of the trend "
                f"(noise sigma {fmt(onset.noise)}).")
        return Check("noisy_dips", False, "Noisy single-eval dips", text,
                     {"noise": onset.noise, "anomalies": []})
    parts = []
    if not dips:
        parts.append("no eval fell below the trend")
    if dips:
        steps = ", ".join(str(a["step"]) for a in dips[:8])
        parts.append(f"{len(dips)} eval(s) fell well below the trend (steps {steps}) and the "
                     "next evals came back up: an anomaly, not a trend")
    if spikes:
        steps = ", ".join(str(a["step"]) for a in spikes[:8])
        parts.append(f"{len(spikes)} eval(s) jumped above the trend (steps {steps})")
    text = ("Yes: " if dips else "No: ") + "; ".join(parts) + "."
    if onset.raw_val_min_step is not None and onset.raw_val_min_step in {a["step"] for a in dips}:
        text += (f" The raw minimum ({fmt(onset.raw_val_min)} at step "
                 f"{onset.raw_val_min_step}) is one of these dips; the trend minimum is at step "
                 f"{onset.t_val_min}. A checkpoint chosen on the dip is lucky, not better: "
                 "judge on the trend, or evaluate on more validation data.")
    return Check("noisy_dips", bool(dips), "Noisy single-eval dips", text,
                 {"noise": onset.noise, "anomalies": onset.anomalies})
