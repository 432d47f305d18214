"""Learning-rate range test in one run (Smith 2015; fastai's and Lightning's LR finder).

One fresh model; the rate grows exponentially from min_lr to max_lr over `steps` steps;
the training loss is smoothed with a bias-corrected EMA whose window is a tenth of the
steps (beta = 1 - 10/steps, at most 0.98: a longer window lags the rate by a decade or
more on a short ramp); the run stops once the smoothed loss exceeds _DIVERGE_FACTOR x its
best. The model is restored afterwards.

Suggestion rule: the rate where the smoothed loss falls most steeply against log10(lr),
looking only at points up to the smoothed minimum (past it the loss is blowing up).
None, with the reason, when fewer than _MIN_POINTS finite points exist or the smoothed
loss never fell below _DESCENT_FRACTION of its start ("never descended"; with a
divergence stop, "diverged at once": the rate was already too high before it fell).
"""

from __future__ import annotations

import copy
import logging
import math
from collections.abc import Sequence
from typing import Any

from torch import Tensor

from ..engine import Callback, StopReason, StopTraining, Trainer, reraise_interrupt
from ..engine.events import STOP
from ..errors import ConfigError
from ..overfit.ladder import rung_config, train_rung
from ..spec import Spec
from . import curves

__all__ = ["RangeTestCallback", "check_ramp", "run_range_test", "run_range_tests"]

_log = logging.getLogger(__name__)

_MAX_BETA = 0.98  # EMA weight of the past: fastai's and Lightning's value, for long ramps
_DESCENT_FRACTION = 0.8  # a few steps per rate: a 20% drop already shows the loss responds
_DIVERGE_FACTOR = 4.0
_MIN_POINTS = 10
_SKIP_START = 3  # the first smoothed points still carry the EMA's start-up noise


class RangeTestCallback(Callback):
    """Drives the rate through the events and records (lr, loss, smoothed) per step.

    The engine assigns lr_at(step) * plateau.scale to the param groups at the top of each
    step; before_batch runs after that assignment, so the rate set here is the one used.
    """

    order = STOP  # it stops the run on divergence: others see the step first

    def __init__(self, min_lr: float, max_lr: float, steps: int, beta: float | None = None,
                 diverge_factor: float = _DIVERGE_FACTOR):
        self.min_lr, self.max_lr, self.steps = min_lr, max_lr, steps
        self.beta = beta if beta is not None else _smoothing_for(steps)
        self.diverge_factor = diverge_factor
        self.lrs: list[float] = []
        self.losses: list[float] = []
        self.smoothed: list[float] = []
        self.diverged = False
        self._average = 0.0
        self._saved: dict[str, Any] | None = None

    def rate(self, step: int) -> float:
        progress = step / max(1, self.steps - 1)
        return self.min_lr * (self.max_lr / self.min_lr) ** progress

    def before_fit(self, trainer: Trainer) -> None:
        self._saved = copy.deepcopy(trainer.model.state_dict())

    def before_batch(self, trainer: Trainer, batch: Any) -> None:
        trainer.lr = self.rate(trainer.step)
        for group in trainer.optimizer.param_groups:
            group["lr"] = trainer.lr

    def after_step(self, trainer: Trainer, loss: Tensor) -> None:
        value = float(loss)  # a host sync per step: fine for a short diagnostic run
        self.lrs.append(trainer.lr)
        self.losses.append(value)
        if not math.isfinite(value):
            self.diverged = True
            raise StopTraining(StopReason.RANGE_TEST.because("non-finite loss"))
        self._average = self.beta * self._average + (1 - self.beta) * value
        smooth = self._average / (1 - self.beta ** len(self.losses))
        self.smoothed.append(smooth)
        if len(self.smoothed) > 1 and smooth > self.diverge_factor * min(self.smoothed):
            self.diverged = True
            raise StopTraining(StopReason.RANGE_TEST.because(
                f"smoothed loss > {self.diverge_factor:g}x best"))

    def after_fit(self, trainer: Trainer) -> None:
        if self._saved is not None:  # runs in the engine's finally: always restores
            trainer.model.load_state_dict(self._saved)
            self._saved = None


def _smoothing_for(steps: int) -> float:
    """EMA beta with a window of steps/10 (never below 0.5, never above _MAX_BETA)."""
    return min(_MAX_BETA, max(0.5, 1 - 10 / steps))


def _suggest(lrs: Sequence[float], smoothed: Sequence[float]) -> tuple[float | None, str]:
    """(suggested lr, reason) by the steepest-descent rule in the module docstring."""
    points = [(lr, s) for lr, s in zip(lrs, smoothed) if math.isfinite(s) and lr > 0]
    if len(points) < _MIN_POINTS:
        return None, f"too few finite points ({len(points)} < {_MIN_POINTS})"
    values = [s for _, s in points]
    if not curves.descended(values, _DESCENT_FRACTION):
        return None, (f"never descended: the smoothed loss never fell below "
                      f"{_DESCENT_FRACTION:g}x its start")
    lowest = values.index(min(values))
    window = points[min(_SKIP_START, lowest):lowest + 1]
    if len(window) < 3:
        return None, "the loss was lowest at the very start: lower --min-lr"
    slopes = [(window[i + 1][1] - window[i - 1][1])
              / (math.log10(window[i + 1][0]) - math.log10(window[i - 1][0]))
              for i in range(1, len(window) - 1)]
    steepest = min(range(len(slopes)), key=slopes.__getitem__)
    return window[steepest + 1][0], "steepest descent of the smoothed loss vs log10(lr)"


def run_range_test(spec: Spec, train_data: Sequence[Any], n: int, *, min_lr: float = 1e-6,
                   max_lr: float = 1.0, steps: int = 100, seed: int = 0,
                   overrides: dict[str, Any] | None = None,
                   callbacks: Sequence[Callback] = ()) -> dict[str, Any]:
    """One range test on a fresh model for rung `n`; returns plain data:
    {"lr", "loss", "smoothed", "suggestion", "reason", "diverged", "status", "seed", "rung"}."""
    check_ramp(min_lr, max_lr, steps)
    probe = RangeTestCallback(min_lr, max_lr, steps)
    config = rung_config(spec, n, "progressive", seed, {
        **(overrides or {}), "lr": min_lr, "warmup_steps": 0, "schedule": "constant",
        "max_steps": steps, "eval_every": steps + 1})  # no evals: the rung must not stop early
    result = train_rung(spec, train_data, n, config, [probe, *callbacks])
    if result.error is not None:
        if len(probe.lrs) < 2:
            raise result.error  # fails at the smallest rates too: a bug, not the ramp
        probe.diverged = True  # the ramp reached a rate at which the user's code fails
    reraise_interrupt(result.stop_reason)
    suggestion, reason = _suggest(probe.lrs, probe.smoothed)
    if suggestion is None:
        _log.info("range test (seed %d): no suggestion: %s", seed, reason)
    return {"rung": n, "seed": seed, "lr": probe.lrs, "loss": probe.losses,
            "smoothed": probe.smoothed, "suggestion": suggestion, "reason": reason,
            "diverged": probe.diverged, "status": _status(probe)}


def _status(probe: RangeTestCallback) -> str:
    """A range test always ends by diverging; only diverging before any descent counts."""
    if curves.descended(probe.smoothed, _DESCENT_FRACTION):
        return "descended"
    return "diverged at once" if probe.diverged else "never descended"


def run_range_tests(spec: Spec, train_data: Sequence[Any], n: int, *,
                    seeds: Sequence[int] = (0, 1, 2), **options: Any) -> dict[str, Any]:
    """The range test repeated over seeds: median suggestion and its spread (max/min)."""
    tests = [run_range_test(spec, train_data, n, seed=seed, **options) for seed in seeds]
    found = [t["suggestion"] for t in tests if t["suggestion"] is not None]
    return {"method": "range", "rung": n, "seeds": list(seeds),
            "suggestion": curves.median(found) if found else None,
            "per_seed": [t["suggestion"] for t in tests],
            "spread": curves.spread([t["suggestion"] for t in tests]),
            "trust": curves.trust_text([t["suggestion"] for t in tests]),
            "never_descended": all(t["status"] in ("never descended", "diverged at once")
                                   for t in tests),
            "diverged_at_once": any(t["status"] == "diverged at once" for t in tests),
            "tests": tests}


def check_ramp(min_lr: float, max_lr: float, steps: int) -> None:
    if not (0 < min_lr < max_lr) or steps < 2:
        raise ConfigError(f"bad range test {min_lr:g}..{max_lr:g} over {steps} steps",
                          "use 0 < --min-lr < --max-lr and --range-steps >= 2")
