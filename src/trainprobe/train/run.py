"""One full training run in a run directory. `tp.train()` (api.py) calls `run_training`
through workflows/training.py and then renders the run; `trainprobe train` fronts that.

A run directory holds:
    manifest.json          provenance (manifest.py)
    inspector.log.jsonl    the inspector's per-step log
    checkpoints/last.pt    latest complete step (--resume), checkpoints/best.pt best eval
    summary.json           the analysis of the log (analysis/), after training
    gap-analysis.md, dashboard.html   rendered from the run directory by views/
    tensorboard/           only with `tensorboard: true`

Config precedence, lowest first: TrainConfig defaults, the spec's CONFIG, the config file
(or mapping) given, then `overrides` (CLI flags). On --resume the run's saved config is
used; a config given again must agree with it except for the budget keys.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..analysis.run import read_manifest
from ..engine import (
    Callback,
    EvalRecord,
    FitResult,
    StopReason,
    TrainConfig,
    Trainer,
    evaluate,
    make_config,
)
from ..engine.distributed import Distributed, current, process_group
from ..engine.schedule import schedule_info
from ..errors import ConfigError, UserCodeError, first_line
from ..instruments.inspector import Inspector, InspectorCallback
from ..instruments.rank_share import ActivationShare
from ..io import write_json
from ..spec import Spec, as_spec
from . import manifest as manifests
from .checkpoint import LAST, CheckpointCallback, checkpoint_dir, load_checkpoint
from .config_file import read_config_file
from .early_stopping import EarlyStopping
from .nonfinite import NonFiniteGuard
from .run_dir import (
    clear_leftovers,
    discard_new_run,
    exclusive,
    killed_before_first_checkpoint,
    remove_own_files,
)
from .signals import GracefulStop, StopRequest, stop_on_signals
from .tensorboard import TensorBoardCallback, summary_writer_class

__all__ = ["ConfigLike", "TrainResult", "run_training"]

_MANIFEST = "manifest.json"
#: keys that may change on --resume without changing the trajectory already trained
_RESUME_MUTABLE = {"max_steps", "max_seconds", "max_epochs", "device", "tensorboard"}


@dataclass
class TrainResult:
    run_dir: Path
    status: str  # "finished" | "interrupted" | "failed" (non-finite training loss)
    stop_reason: str
    steps: int
    seconds: float
    best_step: int | None
    best_val_loss: float | None
    best_checkpoint: Path | None
    last_checkpoint: Path | None
    restored_best: bool  # the returned model holds the best weights, not the last ones
    model: nn.Module
    losses: list[float] = field(default_factory=list)
    evals: list[EvalRecord] = field(default_factory=list)  # the trainer's eval history
    warnings: list[str] = field(default_factory=list)
    summary: dict[str, Any] | None = None  # summary.json, set by workflows.training
    dashboard: Path | None = None  # dashboard.html, set by api.train
    nonfinite_steps: int = 0  # steps whose training loss was NaN or inf
    monitor: str = "val_loss (min)"  # what "best" means: `monitor (mode)`
    best: EvalRecord | None = None  # the eval best.pt holds

    @property
    def interrupted(self) -> bool:
        return self.status == "interrupted"


ConfigLike = TrainConfig | Mapping[str, Any] | str | Path | None


def run_training(spec: Spec | str | Path, config: ConfigLike = None,
                 out_dir: str | Path = "runs/run", *, resume: bool = False,
                 overrides: Mapping[str, Any] | None = None,
                 callbacks: Sequence[Callback] = (),
                 allow_changed_spec: bool = False) -> TrainResult:
    """Train SPEC into `out_dir` with checkpoints, early stopping, the inspector log and a
    manifest: the run's records. Ctrl-C or SIGTERM end the run at the next step boundary
    with a checkpoint (status "interrupted", resumable). The analysis and the views read
    the directory afterwards (workflows.training, then api.train).

    A set-up that fails (bad config, spec or data) leaves nothing behind in a new run's
    folder. `allow_changed_spec` lets --resume continue although the spec file or the data
    changed since the run started (recorded in the manifest); otherwise that is refused.

    Under torchrun every process calls this; rank 0 writes the run directory and the
    others train their shares of each batch and write nothing (engine/distributed.py)."""
    spec = as_spec(spec, "tp.train")
    run_dir = Path(out_dir)
    is_main = current().is_main
    with exclusive(run_dir) if is_main else nullcontext(False) as created:  # rank 0 holds it
        saved = _prepare_run_dir(run_dir, resume, check_new=is_main, created=created)
        state = _SetUp()
        try:
            config = _resolve_config(spec, config, overrides, saved)
            with process_group(config.device) as group:
                return _train_in_group(spec, run_dir, config, saved, group, callbacks,
                                      allow_changed_spec, state)
        except BaseException:
            if saved is None and is_main and not state.training:
                discard_new_run(run_dir)
            raise


@dataclass
class _SetUp:
    training: bool = False  # set once fit() starts: from then on the run's files are kept


def _train_in_group(spec: Spec, run_dir: Path, config: TrainConfig,
                   saved: dict[str, Any] | None, group: Distributed,
                   callbacks: Sequence[Callback], allow_changed_spec: bool = False,
                   state: _SetUp | None = None) -> TrainResult:
    train_data, val_data = spec.build_data()
    torch.manual_seed(config.seed)  # model init; a resume overwrites weights and RNG anyway
    model = spec.build_model(hidden_dim=config.hidden_dim, dropout=config.dropout)
    warnings = _hint_warnings(spec, config)
    augment = _resolve_augment(spec, config)
    loss_fn = spec.build_loss()
    if config.tensorboard:
        summary_writer_class()  # a missing extra fails here, before any file is written

    trainer = Trainer(model, spec.task, train_data, config, eval_data=val_data,
                      loss_fn=loss_fn, augment=augment, collate=spec.user_collate(),
                      distributed=group)  # a bad device fails here, still
    _check_monitor(trainer)
    if not group.is_main:
        return _follow_main(trainer, run_dir, saved, callbacks, warnings)
    changes: dict[str, Any] = {}
    if saved is not None:  # refuse a resume that does not fit before touching any file
        changes = manifests.provenance_changes(read_manifest(run_dir), spec, train_data, val_data,
                                     allow_changed_spec)
        _load_trainer_state(trainer, saved, run_dir)

    # from here on, files are written into run_dir
    inspector = _make_inspector(model, run_dir, saved["step"] if saved is not None else None,
                                group)
    events = _EventLog(inspector)
    checkpoints = CheckpointCallback(run_dir, config.model_dump(), config.ckpt_every, events,
                                     before_publish=inspector.sync)
    early = (EarlyStopping(config.patience, config.min_delta, config.restore_best,
                           checkpoints.best_path, events, trainer.monitor)
             if config.early_stopping else None)
    guard = NonFiniteGuard(config.on_nonfinite, events)
    request = StopRequest()
    trainer.callbacks = _assemble_callbacks(run_dir, config, inspector, checkpoints, callbacks,
                                           early, request, guard)
    manifest = _start_manifest(run_dir, spec, config, trainer, train_data, val_data, saved)
    manifest["warnings"] = warnings
    manifest["world_size"] = group.world_size
    if saved is not None:  # again, now with the callbacks' states
        trainer.load_state_dict(saved["trainer"])
        manifests.mark_resumed(manifest, trainer.step, changes)
    write_json(run_dir / _MANIFEST, manifest)

    if state is not None:
        state.training = True
    fit = _fit_or_fail(trainer, request, spec, run_dir, manifest)
    warning = guard.warning()
    warnings = warnings + ([warning] if warning else [])
    manifest["warnings"] = warnings
    status = ("interrupted" if fit.stopped_by is StopReason.INTERRUPTED
              else "failed" if fit.stopped_by is StopReason.DIVERGED else "finished")
    result = TrainResult(
        run_dir=run_dir, status=status, stop_reason=fit.stop_reason, steps=fit.steps,
        seconds=fit.seconds, best_step=checkpoints.best_step,
        best_val_loss=checkpoints.best_val_loss,
        best_checkpoint=checkpoints.best_path if checkpoints.best_step is not None else None,
        last_checkpoint=checkpoints.last_path if checkpoints.last_saved_step else None,
        model=trainer.model, restored_best=early is not None and early.restored_step is not None,
        losses=list(fit.losses), evals=list(fit.evals), warnings=warnings,
        nonfinite_steps=guard.count, monitor=trainer.monitor.label, best=checkpoints.best)
    write_json(run_dir / _MANIFEST, _finished_manifest(manifest, result,
                                                     checkpoints.last_saved_step))
    return result


def _check_monitor(trainer: Trainer) -> None:
    """`monitor: val/<name>` must name a metric the task reports: checked on one eval
    batch before any file is written, not at the first eval an hour later."""
    if not trainer.monitor.key.startswith("val/"):
        return
    batches = (trainer.eval_batches or trainer.batches).all_batches()
    first = evaluate(trainer.model, [next(iter(batches))], trainer.task, trainer.loss_fn,
                     trainer.device, None, trainer.stats)
    trainer.monitor.value(first)  # a one-line ConfigError naming the task's metrics


def _load_trainer_state(trainer: Trainer, saved: dict[str, Any], run_dir: Path) -> None:
    """The checkpoint into this spec's model: one line when it belongs to another model."""
    try:
        trainer.load_state_dict(saved["trainer"])
    except (KeyError, RuntimeError, ValueError, TypeError, IndexError) as error:
        detail = first_line(error) if not isinstance(error, KeyError) else f"no {error}"
        raise ConfigError(f"--resume: {checkpoint_dir(run_dir) / LAST} does not fit this "
                          f"spec's model ({detail})",
                          "resume with the spec that started the run, or start a new run "
                          "with a new --out name") from None


def _fit_or_fail(trainer: Trainer, request: StopRequest, spec: Spec, run_dir: Path,
                manifest: dict[str, Any]) -> FitResult:
    """fit() with the stop signals routed to `request`. An exception from the user's code
    ends the run as "failed" (the last complete step is saved) and becomes one error line."""
    try:
        with stop_on_signals(request):
            return trainer.fit()
    except (RuntimeError, ValueError, IndexError, TypeError, AssertionError) as error:
        manifests.finish(manifest, status="failed", stop_reason=f"error: {error}",
                         steps=trainer.step, best=None, last=None)
        write_json(run_dir / _MANIFEST, manifest)
        raise UserCodeError("training step", error, (str(spec.path),)) from error


def _follow_main(trainer: Trainer, run_dir: Path, saved: dict[str, Any] | None,
                callbacks: Sequence[Callback], warnings: list[str]) -> TrainResult:
    """A rank other than 0 under torchrun: train this rank's shares, write nothing. Rank 0's
    checkpoints, early stopping and budget end the run for every rank (Distributed.agree)."""
    request = StopRequest()
    trainer.callbacks = [*callbacks, ActivationShare(trainer.model, trainer.distributed),
                         GracefulStop(request)]
    if saved is not None:
        _load_trainer_state(trainer, saved, run_dir)
    with stop_on_signals(request):
        fit = trainer.fit()
    status = "interrupted" if fit.stopped_by is StopReason.INTERRUPTED else "finished"
    return TrainResult(run_dir=run_dir, status=status, stop_reason=fit.stop_reason,
                       steps=fit.steps, seconds=fit.seconds, best_step=None,
                       best_val_loss=None, best_checkpoint=None, last_checkpoint=None,
                       restored_best=False, model=trainer.model, losses=list(fit.losses),
                       warnings=warnings)


# --- run directory and config -----------------------------------------------------------
def _prepare_run_dir(run_dir: Path, resume: bool, check_new: bool = True,
                     created: bool = False) -> dict[str, Any] | None:
    """The checkpoint to resume from, or None for a new run in an empty directory
    (`check_new=False`: another process, rank 0, owns that check and the directory;
    `created`: the folder did not exist before this run locked it, so --resume has nothing
    to resume). Temporary files of killed writers are removed first; a folder killed before
    its first checkpoint holds nothing to resume or keep, so either way the run starts it
    over."""
    if check_new:
        clear_leftovers(run_dir)
        if killed_before_first_checkpoint(run_dir) and not (resume and created):
            remove_own_files(run_dir)
            return None
    elif resume and not (checkpoint_dir(run_dir) / LAST).is_file():
        return None  # rank 0 found a folder killed before its first checkpoint
    if resume:
        last = checkpoint_dir(run_dir) / LAST
        if not last.is_file():
            raise ConfigError(f"--resume: no checkpoint at {last}",
                              "start the run without --resume, or point --out at a run "
                              "that saved a checkpoint")
        return load_checkpoint(last)
    if check_new and run_dir.exists() and (not run_dir.is_dir() or any(run_dir.iterdir())):
        raise ConfigError(f"--out {run_dir} already exists and is not empty",
                          "add --resume to continue that run, or choose a new --out name")
    return None


def _resolve_config(spec: Spec, config: ConfigLike, overrides: Mapping[str, Any] | None,
                   saved: dict[str, Any] | None) -> TrainConfig:
    overrides = dict(overrides or {})
    make_config(overrides, source="command-line options")  # name a bad flag as such
    if saved is not None and config is None:
        resolved = make_config({**saved["config"], **overrides}, source="resumed run")
    else:
        resolved = _given_config(spec, config, overrides)
    if saved is not None:
        _check_resume_config(saved["config"], resolved)
    return resolved


def _given_config(spec: Spec, config: ConfigLike,
                 overrides: dict[str, Any]) -> TrainConfig:
    if isinstance(config, TrainConfig):
        return make_config({**config.model_dump(), **overrides}, source="config")
    spec_source = f"CONFIG in {spec.title}"
    make_config(spec.config, source=spec_source)  # a bad key is named where it is written
    if isinstance(config, (str, Path)):
        values, source = read_config_file(config), Path(config).name
    else:
        values, source = dict(config or {}), "config"
    make_config(values, source=source)
    return make_config({**spec.config, **values, **overrides}, source=source)


def _check_resume_config(saved: dict[str, Any], resolved: TrainConfig) -> None:
    """A resumed run must follow the same trajectory: only the budget may change."""
    current = resolved.model_dump()
    for key, value in current.items():
        before = saved.get(key)
        if key in _RESUME_MUTABLE or _normalize(before) == _normalize(value):
            continue
        raise ConfigError(f"--resume: {key} changed since the run started ({before!r} -> "
                          f"{value!r})", "resume with the run's own config (omit --config), "
                          "or start a new run with a new --out name")


def _normalize(value: Any) -> Any:
    return list(value) if isinstance(value, (tuple, list)) else value


def _hint_warnings(spec: Spec, config: TrainConfig) -> list[str]:
    accepted = spec.accepted_hints()
    warnings = []
    if config.dropout > 0 and "dropout" not in accepted:
        warnings.append(f"dropout: {config.dropout} has no effect: build_model() in "
                        f"{spec.title} takes no `dropout` argument")
    if config.hidden_dim is not None and "hidden_dim" not in accepted:
        warnings.append(f"hidden_dim: {config.hidden_dim} has no effect: build_model() takes "
                        "no `hidden_dim` argument")
    return warnings


def _resolve_augment(spec: Spec, config: TrainConfig) -> Any:
    if not config.augment:
        return None
    if spec.augment_factory is None:
        raise ConfigError(f"augment: true, but {spec.title} defines no build_augment()",
                          "add build_augment() returning a function x -> augmented x, or "
                          "set augment: false")
    return spec.build_augment()


# --- callbacks ------------------------------------------------------------------------------
def _assemble_callbacks(run_dir: Path, config: TrainConfig, inspector: Inspector,
                       checkpoints: CheckpointCallback, user: Sequence[Callback],
                       early: EarlyStopping | None, request: StopRequest,
                       guard: NonFiniteGuard) -> list[Callback]:
    """The run's callbacks; the trainer runs them in their declared `order` (the inspector
    records first, the non-finite guard stops before a checkpoint saves NaN weights, early
    stopping and the graceful stop run last)."""
    callbacks: list[Callback] = [InspectorCallback(inspector), guard, checkpoints]
    if config.tensorboard:
        callbacks.append(TensorBoardCallback(run_dir / "tensorboard", inspector.path))
    callbacks.extend(user)
    if early is not None:
        callbacks.append(early)
    callbacks.append(GracefulStop(request))
    return callbacks


def _make_inspector(model: nn.Module, run_dir: Path, resume_step: int | None,
                    group: Distributed | None = None) -> Inspector:
    """The inspector writing run_dir/inspector.log.jsonl. On resume it is given the
    checkpoint's step, so it drops the records logged after that step before appending."""
    return Inspector(model, run_dir, resume=int(resume_step) if resume_step is not None else False,
                     group=group)


class _EventLog:
    """Forwards checkpoint/best/early_stop/... events to the inspector log."""

    def __init__(self, inspector: Inspector):
        self.inspector = inspector

    def __call__(self, name: str, step: int, **fields: Any) -> None:
        self.inspector.event(name, step=step, **fields)


# --- manifest and analysis ------------------------------------------------------------------
def _start_manifest(run_dir: Path, spec: Spec, config: TrainConfig, trainer: Trainer,
                   train_data: Sequence[Any], val_data: Sequence[Any] | None,
                   saved: dict[str, Any] | None) -> dict[str, Any]:
    manifest = read_manifest(run_dir) if saved is not None else {}
    if manifest.get("schema") == manifests.SCHEMA:
        manifest["config"] = config.model_dump(mode="json")  # a new budget is recorded
        manifest["schedule"] = schedule_info(config)
        return manifest
    return manifests.new_manifest(spec, config, str(trainer.device), train_data, val_data)


def _finished_manifest(manifest: dict[str, Any], result: TrainResult,
                      last_step: int | None) -> dict[str, Any]:
    best = None
    if result.best_checkpoint and result.best is not None:
        record = result.best
        best = {"path": str(result.best_checkpoint), "step": result.best_step,
                "val_loss": result.best_val_loss, "monitor": result.monitor,
                "value": record.monitored, "metric_name": record.metric_name,
                "metric": record.metrics.get(record.metric_name)}
    last = ({"path": str(result.last_checkpoint), "step": last_step}
            if result.last_checkpoint else None)
    manifest["restored_best"] = result.restored_best
    return manifests.finish(manifest, status=result.status, stop_reason=result.stop_reason,
                            steps=result.steps, best=best, last=last)

