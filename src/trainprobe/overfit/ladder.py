"""The overfitting ladder: memorize 1, 2, 5, ... samples with a fresh model per rung and
find the first rung where memorization breaks."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch.utils.data import Subset

from ..engine import Callback, EvalRecord, StopReason, Trainer, make_config
from ..engine.config import TrainConfig
from ..errors import ConfigError, UserCodeError
from ..formatting import finite_or_none
from ..spec import Spec
from ..tasks import SampledItems, TaskStats
from .presets import preset_for
from .watcher import RungWatcher

__all__ = ["DEFAULT_SIZES", "Mode", "ProbeRun", "RungResult", "run_ladder", "rung_config",
           "rung_subset", "train_rung"]

DEFAULT_SIZES: tuple[int, ...] = (1, 2, 5, 10, 20, 50, 100)
Mode = Literal["progressive", "single", "specific"]
#: errors that say a rung cannot run for a structural reason, not that the model cannot
#: learn: (text in the exception, why the rung does not apply)
_NOT_APPLICABLE: tuple[tuple[str, str], ...] = (
    ("Expected more than 1 value per channel when training",
     "BatchNorm needs more than one value per channel to train (a batch of one sample)"),
)


@dataclass
class RungResult:
    n: int
    passed: bool
    steps: int
    seconds: float
    final_loss: float | None
    metric_name: str
    metric_value: float
    stop_reason: str
    config: dict[str, Any]
    losses: list[float] = field(default_factory=list)
    evals: list[EvalRecord] = field(default_factory=list)  # the trainer's eval history
    error: UserCodeError | None = None
    applicable: bool = True  # False: the rung cannot run by construction (see _NOT_APPLICABLE)

    @property
    def status(self) -> Literal["passed", "failed", "not_applicable"]:
        if not self.applicable:
            return "not_applicable"
        return "passed" if self.passed else "failed"


@dataclass
class ProbeRun:
    """Everything the ladder measured; reports and diagnosis read from here."""

    spec: Spec
    train_data: Sequence[Any]
    rungs: list[RungResult]
    seed: int
    val_data: Sequence[Any] | None = None  # for the diagnosis' validation experiments
    notes: list[str] = field(default_factory=list)  # what the diagnosis could not measure

    @property
    def breaking_point(self) -> int | None:
        """The first rung that ran and failed; a rung that does not apply never is."""
        return next((r.n for r in self.rungs if r.status == "failed"), None)

    @property
    def interrupted(self) -> bool:
        return any(r.stop_reason == StopReason.INTERRUPTED for r in self.rungs)

    @property
    def verdict(self) -> str:
        """pass: every rung that applies memorized, and at least one did."""
        ran = [r for r in self.rungs if r.applicable]
        return "pass" if ran and all(r.passed for r in ran) else "fail"


def _resolve_sizes(sizes: Sequence[int | str] | None, dataset_size: int, mode: Mode,
                  n_samples: int | None) -> list[int]:
    if mode == "single":
        if n_samples is None:
            raise ConfigError("--mode single needs --n-samples N", "add e.g. --n-samples 20")
        sizes = [n_samples]
    if sizes is None:  # the default ladder stops at the size of the training set
        sizes = [n for n in DEFAULT_SIZES if n < dataset_size] + [min(dataset_size, 100)]
    resolved = []
    for size in sizes:
        n = dataset_size if size == "full" else int(size)
        if n < 1:
            raise ConfigError(f"rung size {n} is not positive", "use sizes >= 1 or 'full'")
        if n > dataset_size:
            raise ConfigError(f"rung size {n} is larger than the training set ({dataset_size})",
                              f"use sizes <= {dataset_size}, or 'full'")
        resolved.append(n)
    return sorted(set(resolved))


def rung_config(spec: Spec, n: int, mode: Mode, seed: int,
                overrides: dict[str, Any] | None = None) -> TrainConfig:
    """Presets for this scale, then the user's CONFIG on top (used exactly as given),
    then explicit overrides (CLI flags, confirmation experiments)."""
    base = {} if mode == "specific" else preset_for(n)
    values = {**base, "seed": seed, **spec.config, **(overrides or {})}
    return make_config(values, source=f"CONFIG in {spec.title}")


def rung_subset(train_data: Sequence[Any], n: int, seed: int) -> Subset:
    """The first n items of a seeded permutation: rungs are nested, so rung 10 holds
    every sample of rung 5 and a failure is about the count, not new samples."""
    order = torch.randperm(len(train_data), generator=torch.Generator().manual_seed(seed))
    return Subset(train_data, order[:n].tolist())


def train_rung(spec: Spec, train_data: Sequence[Any], n: int, config: TrainConfig,
               callbacks: Sequence[Callback] = (),
               model_hints: dict[str, Any] | None = None,
               stats: TaskStats | None = None) -> RungResult:
    """Train a fresh model on the rung. `stats`: the task's statistics of the whole
    training set (computed here when not given; a rung's subset would have none).

    A spec whose build functions raise is bad input (UserCodeError, exit 2), except when
    the machine runs out of memory; a failure while training (a shape error in forward,
    an index out of range in the loss) ends this rung and is left to the diagnosis.
    """
    subset = rung_subset(train_data, n, config.seed)
    stats = stats if stats is not None else spec.task.prepare(SampledItems(train_data))
    started = time.perf_counter()
    torch.manual_seed(config.seed)
    hints = {"hidden_dim": config.hidden_dim, "dropout": config.dropout, **(model_hints or {})}
    try:
        model = spec.build_model(**hints)
    except UserCodeError as error:
        if not _is_out_of_memory(error.error):
            raise
        return _failed_rung(n, config, started, None, error)
    loss_fn = spec.build_loss()
    augment = spec.build_augment() if config.augment else None
    trainer = None
    try:
        trainer = Trainer(model, spec.task, subset, config, loss_fn=loss_fn, augment=augment,
                          callbacks=[RungWatcher(), *callbacks], stats=stats,
                          collate=spec.user_collate())
        trainer.fit()
        return _rung_result(n, trainer, config)
    except UserCodeError as error:
        return _failed_rung(n, config, started, trainer, error)
    except (RuntimeError, ValueError, IndexError, TypeError, AssertionError) as error:
        wrapped = UserCodeError("training step", error, (str(spec.path),))
        return _failed_rung(n, config, started, trainer, wrapped)


def _is_out_of_memory(error: BaseException) -> bool:
    text = str(error).lower()
    return isinstance(error, torch.OutOfMemoryError) or "out of memory" in text \
        or "can't allocate memory" in text or "cannot allocate memory" in text


def _ensure_final_eval(trainer: Trainer) -> EvalRecord:
    last = trainer.evals[-1] if trainer.evals else None
    if last is not None and last.step == trainer.step:
        return last
    return trainer.run_eval(emit=False)


def _rung_result(n: int, trainer: Trainer, config: TrainConfig) -> RungResult:
    final = _ensure_final_eval(trainer)
    return RungResult(
        n=n, passed=final.memorized, steps=trainer.step, seconds=trainer.seconds,
        final_loss=finite_or_none(final.loss), metric_name=final.metric_name,
        metric_value=final.metric, stop_reason=trainer.stop_reason or StopReason.MEMORIZED.value,
        config=config.model_dump(), losses=list(trainer.losses),
        evals=list(trainer.evals),
    )


def _failed_rung(n: int, config: TrainConfig, started: float, trainer: Trainer | None,
                error: UserCodeError) -> RungResult:
    reason = _not_applicable_reason(error.error)
    return RungResult(
        n=n, passed=False, steps=trainer.step if trainer else 0,
        seconds=time.perf_counter() - started, final_loss=None,
        metric_name="error", metric_value=float("nan"),
        stop_reason=f"not applicable: {reason}" if reason else f"error: {error.problem}",
        config=config.model_dump(), losses=list(trainer.losses) if trainer else [], error=error,
        applicable=reason is None,
    )


def _not_applicable_reason(error: BaseException) -> str | None:
    """Why a rung cannot run by construction, or None for a real failure."""
    text = str(error)
    return next((why for pattern, why in _NOT_APPLICABLE if pattern in text), None)


def run_ladder(spec: Spec, sizes: Sequence[int | str] | None = None, *,
               mode: Mode = "progressive", n_samples: int | None = None,
               keep_going: bool = False, seed: int = 0,
               overrides: dict[str, Any] | None = None,
               on_rung: Callable[[int, RungResult | None], None] | None = None,
               callbacks: Sequence[Callback] = (),
               train_data: Sequence[Any] | None = None,
               val_data: Sequence[Any] | None = None) -> ProbeRun:
    """Run the rungs in order; stop at the first failure unless keep_going. Pass
    `train_data` when the caller has already built it (build_data runs user code)."""
    if train_data is None:
        train_data, val_data = spec.build_data()
    ladder = _resolve_sizes(sizes, len(train_data), mode, n_samples)
    configs = [rung_config(spec, n, mode, seed, overrides) for n in ladder]  # fail early
    stats = spec.task.prepare(SampledItems(train_data))
    results: list[RungResult] = []
    for n, config in zip(ladder, configs):
        if on_rung:
            on_rung(n, None)
        result = train_rung(spec, train_data, n, config, callbacks, stats=stats)
        results.append(result)
        if on_rung:
            on_rung(n, result)
        if result.stop_reason == StopReason.INTERRUPTED or \
                (result.status == "failed" and not keep_going):
            break
    return ProbeRun(spec, train_data, results, seed, val_data)

