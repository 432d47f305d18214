"""From a passed overfitting probe to a full-training config.yaml.

The probe's configuration is the one that memorized its largest rung: the per-scale
preset for that size (overfit/presets.py) with the spec's CONFIG on top when `--spec` is
given (report.json does not name its spec). Full training then changes it the way the
practice does, each change with its reason:

    dropout 0.1-0.3 (more for less data), learning rate ~3x lower, weight decay 1e-4
    (AdamW), warmup ~5% of the steps then cosine to lr/10 over the whole run, augmentation
    on (when the spec has build_augment()), gradient accumulation up to an effective batch
    of 256, early stopping (patience 10 evals, best weights restored), epochs scaled to the
    data size (more passes over small sets), no per-rung time budget.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..engine import TrainConfig, make_config
from ..errors import ConfigError
from ..io import write_text
from ..overfit.ladder import rung_config
from ..overfit.presets import preset_for
from ..overfit.report import READABLE_SCHEMAS
from ..overfit.report import SCHEMA as REPORT_SCHEMA
from ..spec import Spec, load_spec
from ..tasks import make_task
from .config_file import load_config_file

__all__ = ["Change", "TransitionPlan", "transition"]

_EFFECTIVE_BATCH = 256  # target batch through gradient accumulation on large enough data
_EVALS_PER_RUN = 50
_PATIENCE_EVALS = 10
_WARMUP_FRACTION = 0.05
_LR_FACTOR = 1 / 3
# (largest training-set size, epochs, dropout): small sets get more passes and more dropout
_BY_SIZE: list[tuple[float, int, float]] = [
    (2_000, 100, 0.3), (20_000, 50, 0.2), (200_000, 20, 0.1), (math.inf, 10, 0.1)]


@dataclass
class Change:
    key: str
    probe: Any
    full: Any
    why: str


@dataclass
class TransitionPlan:
    config: TrainConfig
    changes: list[Change]
    rung: int  # the largest memorized rung whose settings are the starting point
    train_size: int | None
    notes: list[str] = field(default_factory=list)
    comments: dict[str, str] = field(default_factory=dict)  # why, for kept keys too


def transition(report_path: str | Path, *, spec_path: str | Path | None = None,
               out: str | Path | None = None) -> TransitionPlan:
    """Derive the full-training config from a passed report (and optionally its spec);
    write it to `out` as commented YAML when given."""
    report = _read_report(Path(report_path))
    rung = max(entry["n"] for entry in report["ladder"] if entry["passed"])
    spec = load_spec(spec_path) if spec_path is not None else None
    notes: list[str] = []
    if spec is not None:
        probe = rung_config(spec, rung, "progressive", seed=0)
        train_size: int | None = len(spec.build_data()[0])
    else:
        probe = make_config({**preset_for(rung), "seed": 0}, source="presets")
        train_size = None
        notes.append(f"no --spec: started from the preset for {rung} samples (the spec's "
                     f"CONFIG is not applied) and sized the run for {rung} items; pass "
                     "--spec SPEC to size it for the real training set")
    plan = _plan_changes(probe, rung, train_size, _has_augment(spec), notes,
                        task=report.get("task"))
    if out is not None:
        _write_config_yaml(Path(out), plan, Path(report_path))
    return plan


def _read_report(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"report {str(path)!r} does not exist",
                          "pass the report.json written by `trainprobe probe --out DIR`")
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ConfigError(f"{path.name} is not JSON", "pass a probe's report.json") from None
    if not isinstance(report, dict) or report.get("schema") not in READABLE_SCHEMAS:
        raise ConfigError(f"{path.name} is not a probe report (schema {REPORT_SCHEMA!r})",
                          "pass the report.json written by `trainprobe probe`")
    ladder = report.get("ladder")
    if not isinstance(ladder, list) or not all(isinstance(e, dict) and "n" in e and "passed" in e
                                               for e in ladder):
        raise ConfigError(f"{path.name} has no valid 'ladder' list",
                          "pass the report.json written by `trainprobe probe`, unedited")
    bad = next((e for e in ladder if isinstance(e["n"], bool) or not isinstance(e["n"], int)
                or e["n"] < 1 or not isinstance(e["passed"], bool)), None)
    if bad is not None:
        raise ConfigError(f"{path.name}: a ladder entry has 'n': {bad['n']!r}, 'passed': "
                          f"{bad['passed']!r} (want a positive integer and true/false)",
                          "use the report.json written by `trainprobe probe`, unedited")
    if report.get("verdict") != "pass" or not any(e["passed"] for e in ladder):
        raise ConfigError(f"the probe in {path.name} did not pass (breaking point "
                          f"{report.get('breaking_point')})",
                          "full training starts from a setup that memorizes: fix it until "
                          "`trainprobe probe` passes")
    return report


def _has_augment(spec: Spec | None) -> bool | None:
    return None if spec is None else spec.augment_factory is not None


#: tasks whose metric is what users judge a model by (the loss is only a proxy for it)
_JUDGED_BY_METRIC = {"classification": "accuracy", "binary": "accuracy", "ctc": "WER"}
#: tasks whose usual score is a function of the loss, so the loss picks the same weights
_JUDGED_BY_LOSS = {"lm": "perplexity = exp(loss)", "regression": "R² = 1 - MSE / Var(y)"}


def _monitor_choice(task: str | None) -> tuple[str, str | None, str]:
    """(monitor, mode, why) for full training: the task's metric when users judge by it."""
    if task in _JUDGED_BY_METRIC:
        name = _JUDGED_BY_METRIC[task]
        mode = "max" if make_task(task).higher_is_better else "min"
        return "val_metric", mode, (
            f"best.pt, early stopping and the plateau schedule follow {name} ({mode}), the "
            f"number this task is judged by: the lowest loss can hold a worse {name}")
    if task in _JUDGED_BY_LOSS:
        return "val_loss", "min", (f"{_JUDGED_BY_LOSS[task]}: the lowest validation loss is "
                                   "also the best score")
    return "val_loss", None, "the task is unknown here: the validation loss"


def _plan_changes(probe: TrainConfig, rung: int, train_size: int | None,
                 augment_available: bool | None, notes: list[str],
                 task: str | None = None) -> TransitionPlan:
    size = train_size or rung
    epochs, dropout = next((e, d) for limit, e, d in _BY_SIZE if size <= limit)
    batch = min(probe.batch_size, size)
    accum = max(1, _EFFECTIVE_BATCH // batch) if size >= 8 * _EFFECTIVE_BATCH else 1
    steps_per_epoch = math.ceil(size / (batch * accum))
    max_steps = epochs * steps_per_epoch
    lr = probe.lr * _LR_FACTOR
    eval_every = max(1, min(1000, max_steps // _EVALS_PER_RUN))
    optimizer = "adamw" if probe.optimizer == "adam" else probe.optimizer
    augment = augment_available is not False
    if augment_available is None:
        notes.append("augment: true needs build_augment() in the spec; set it to false if "
                     "the spec has none")
    elif not augment_available:
        notes.append("the spec has no build_augment(): augmentation stays off; add one to "
                     "regularize further")
    monitor, mode, monitor_why = _monitor_choice(task)
    target: list[tuple[str, Any, str]] = [
        ("dropout", max(dropout, probe.dropout),
         f"regularize: {size} training items overfit sooner the fewer they are (0.1-0.3)"),
        ("optimizer", optimizer, "decoupled weight decay (AdamW) instead of L2 in Adam"),
        ("lr", lr, "about 3x lower than the rate tuned to memorize a few samples quickly; "
                   "stable over many more steps"),
        ("weight_decay", max(1e-4, probe.weight_decay), "weight decay 1e-4 on the matrices"),
        ("batch_size", batch, "the probe's batch, capped by the data size"),
        ("grad_accum", accum, f"effective batch {batch * accum} = {batch} x {accum}: "
                              "smoother gradients on a large set"),
        ("max_steps", max_steps, f"{epochs} epochs of {steps_per_epoch} steps: more passes "
                                 "over a small set, fewer over a large one"),
        ("max_seconds", None, "the probe's per-rung time budget does not apply"),
        ("warmup_steps", max(1, round(_WARMUP_FRACTION * max_steps)),
         "warm up over ~5% of the steps: Adam's early updates are noisy"),
        ("schedule", "cosine", "decay the rate as training converges"),
        ("schedule_steps", max_steps, "cosine horizon T = the run's length"),
        ("min_lr", lr / 10, "cosine ends at a tenth of the peak rate"),
        ("grad_clip", probe.grad_clip or 1.0, "clip rare large gradients"),
        ("augment", augment, "augment the training items (never validation)"),
        ("eval_every", eval_every, f"about {_EVALS_PER_RUN} validation points per run"),
        ("early_stopping", True, f"stop after {_PATIENCE_EVALS} evals (patience) without a "
                                 "new best"),
        ("patience", _PATIENCE_EVALS, f"{_PATIENCE_EVALS} evals = a fifth of the run"),
        ("restore_best", True, "end with the best validation weights, not the last"),
        ("ckpt_every", eval_every * 5, "a resumable checkpoint every 5 evals"),
        ("monitor", monitor, monitor_why),
        ("mode", mode, monitor_why),
    ]
    values = probe.model_dump()
    changes = []
    for key, value, why in target:
        if _normalized(values[key]) != _normalized(value):
            changes.append(Change(key, values[key], value, why))
        values[key] = value
    config = make_config(values, source="transition")
    comments = {key: why for key, _, why in target if key in ("monitor", "mode")}
    return TransitionPlan(config, changes, rung, train_size, notes, comments)


def _normalized(value: Any) -> Any:
    return round(value, 12) if isinstance(value, float) else value


# --- output -------------------------------------------------------------------------------
def _config_yaml(plan: TransitionPlan, report_path: Path) -> str:
    """Every TrainConfig key, one per line, changed ones with their reason as a comment."""
    why = {**plan.comments, **{change.key: change.why for change in plan.changes}}
    lines = [f"# full-training config from {report_path.name} (probe memorized {plan.rung} "
             "samples); written by `trainprobe transition`",
             "# run: trainprobe train SPEC --config THIS_FILE --out runs/NAME"]
    for key, value in plan.config.model_dump().items():
        value = list(value) if isinstance(value, tuple) else value
        if isinstance(value, float):
            value = float(f"{value:.4g}")
        line = _yaml_line(key, value)
        lines.append(f"{line}  # {why[key]}" if key in why else line)
    return "\n".join(lines) + "\n"


def _yaml_line(key: str, value: Any) -> str:
    if isinstance(value, list):  # betas: [0.9, 0.999]
        return f"{key}: [{', '.join(str(v) for v in value)}]"
    return yaml.safe_dump({key: value}, default_flow_style=False).strip()


def _write_config_yaml(path: Path, plan: TransitionPlan, report_path: Path) -> Path:
    written = write_text(path, _config_yaml(plan, report_path))
    load_config_file(written)  # what we write must load back (guards the YAML formatting)
    return written
