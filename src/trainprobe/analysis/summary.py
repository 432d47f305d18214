"""A run's records -> summary dict (schema trainprobe.summary/1). Pure: no file access."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..engine.config import TrainConfig, make_config
from ..engine.monitor import LOWER_IS_BETTER
from ..engine.schedule import planned_lr, schedule_info
from ..errors import ConfigError
from ..formatting import DIGITS, json_safe
from .diagnosis import NonFinite, diagnose
from .layers import layer_health
from .onset import overfit_onset
from .records import RunLog
from .smoothing import window_means

SUMMARY_SCHEMA = "trainprobe.summary/1"


def clean(value: Any) -> Any:
    return json_safe(value, digits=DIGITS)


def _best_checkpoint_step(run: RunLog, manifest: dict[str, Any]) -> tuple[int | None, Any]:
    best = manifest.get("best_checkpoint") or {}
    if isinstance(best, dict) and best.get("step") is not None:
        return int(best["step"]), best.get("path")
    marked = [e for e in run.events if e.get("event") == "best"]
    if marked:
        return int(marked[-1]["step"]), marked[-1].get("path")
    return None, None


def _best_checkpoint_evidence(run: RunLog, manifest: dict[str, Any],
                             step: int) -> dict[str, Any]:
    """What the best checkpoint was chosen by and its metric, beside its step: the eval
    record at that step (the manifest or the `best` event name the monitor)."""
    recorded = manifest.get("best_checkpoint") or {}
    marked = [e for e in run.events if e.get("event") == "best" and e.get("step") == step]
    monitor = recorded.get("monitor") or (marked[-1].get("monitor") if marked else None)
    at = np.flatnonzero(run.evals.steps == step)
    metric = float(run.evals.get("val_metric")[at[-1]]) if at.size else None
    val_loss = float(run.evals.get("val_loss")[at[-1]]) if at.size else None
    return {"monitor": monitor or "val_loss", "metric_name": run.metric_name,
            "metric": metric, "val_loss": val_loss}


def _train_at_evals(run: RunLog) -> np.ndarray:
    return window_means(run.train.steps, run.train.get("loss"), run.evals.steps)


def train_initial(run: RunLog) -> float | None:
    losses = run.train.get("loss")
    finite = losses[np.isfinite(losses)][:10]
    return float(finite.mean()) if finite.size else None


def _count_nonfinite(run: RunLog) -> NonFinite:
    """Train records whose loss is null and eval records whose val_loss is null: the log
    writes NaN and inf as null."""
    train, val = run.train.get("loss"), run.evals.get("val_loss")
    bad_train, bad_val = ~np.isfinite(train), ~np.isfinite(val)
    return NonFinite(
        train_steps=int(bad_train.sum()), train_total=len(train),
        train_first=int(run.train.steps[bad_train][0]) if bad_train.any() else None,
        val_evals=int(bad_val.sum()), val_total=len(val),
        val_first=int(run.evals.steps[bad_val][0]) if bad_val.any() else None)


def _metric_summary(run: RunLog) -> dict[str, Any] | None:
    values = run.evals.get("val_metric")
    if not np.isfinite(values).any():
        return None
    name = run.metric_name or "metric"
    higher = name.lower() not in LOWER_IS_BETTER
    index = int(np.nanargmax(values) if higher else np.nanargmin(values))
    return {"name": name, "higher_is_better": higher, "best": float(values[index]),
            "best_step": int(run.evals.steps[index]),
            "final": float(values[np.isfinite(values)][-1])}


def _run_config(manifest: dict[str, Any]) -> TrainConfig | None:
    """The run's TrainConfig from manifest.json; None when absent or not one (a log
    written by tp.Inspector in the user's own loop has no manifest)."""
    config = manifest.get("config")
    if not isinstance(config, dict):
        return None
    try:
        return make_config({k: v for k, v in config.items() if k in TrainConfig.model_fields},
                           "manifest.json")
    except ConfigError:
        return None


def _lr_summary(run: RunLog, manifest: dict[str, Any]) -> dict[str, Any]:
    """The schedule as the run recorded it (manifest.json's `schedule`, written by the
    engine's schedule_info; recomputed the same way for a manifest without one), and the
    planned rate up to max(T, steps run) for the dashboard."""
    config = _run_config(manifest)
    recorded = manifest.get("schedule")
    info = recorded if isinstance(recorded, dict) else \
        (schedule_info(config) if config is not None else {})
    differs = bool(info.get("horizon_differs"))
    horizon = config.horizon if config is not None else None
    max_steps = info.get("max_steps")
    note = None
    if differs and horizon is not None:
        note = (f"The cosine schedule decays over T={horizon} steps but the run is set to "
                f"{max_steps} steps, so the learning rate "
                + ("never reached its floor." if horizon > max_steps else
                   f"sat at its floor after step {horizon}."))
    planned = planned_lr(config, max(horizon or 0, run.last_step)) if config is not None \
        else None
    return {"schedule": info.get("kind"), "horizon": horizon, "max_steps": max_steps,
            "warmup_steps": info.get("warmup_steps"), "steps_run": run.last_step,
            "horizon_differs": differs, "note": note, "planned": planned}


def _trend_curves(run: RunLog, onset: Any) -> dict[str, Any]:
    """The smoothed train and validation losses at the evals the onset rule judged (the
    dashboard draws these; it does not smooth anything itself)."""
    steps = run.evals.steps[np.isfinite(run.evals.get("val_loss"))]
    return {"steps": [int(s) for s in steps], "train_trend": list(onset.smoothed_train),
            "val_trend": list(onset.smoothed_val)}


def headline(verdict: str, onset: Any, best: dict[str, Any] | None,
             nonfinite: dict[str, Any] | None = None,
             gap: dict[str, Any] | None = None) -> str:
    gap = gap or {}
    big_gap = bool(gap.get("big_gap"))
    if verdict == "diverged":
        found = nonfinite or {}
        where = (f"the training loss became NaN/inf at step {found.get('train_first')}"
                 if found.get("train_steps") else
                 f"the validation loss was NaN/inf at {found.get('val_evals')} of "
                 f"{found.get('val_total')} evals")
        return f"Diverged: {where}; the curves below are not a healthy run."
    if verdict == "overfitting" and onset.detected:
        text = (f"Overfitting begins at step {onset.onset_step}: validation loss bottomed at "
                f"{onset.val_min:.4g} and rose to {onset.final_val:.4g} while training loss fell "
                f"to {onset.final_train:.4g}.")
    elif verdict == "overfitting":
        text = (f"Overfitting: validation no longer improves (best trend {onset.val_min:.4g} "
                f"at step {onset.t_val_min}) while training loss keeps falling, leaving a "
                f"large gap ({onset.final_gap:.4g}).")
    elif verdict == "healthy" and big_gap and gap.get("still_improving"):
        text = (f"Still improving; gap large: validation loss is still falling ({onset.val_min:.4g}"
                f" at step {onset.t_val_min}) but the gap is {onset.final_gap:.4g}. Train "
                "longer, then regularize.")
    elif verdict == "healthy" and big_gap:
        text = (f"Converged with a large gap ({onset.final_gap:.4g}): both losses levelled "
                "off; regularization or more data may close it.")
    elif verdict == "underfitting":
        text = "Underfitting: both losses stayed poor."
    elif verdict == "healthy":
        text = (f"Healthy: validation still near its best ({onset.val_min:.4g} at step "
                f"{onset.t_val_min}) with a small gap.")
    else:
        text = "Inconclusive: too few evaluations to judge."
    if best and best.get("step") is not None:
        text += " " + best_sentence(best)
    return text


def best_sentence(best: dict[str, Any]) -> str:
    """"Best checkpoint: step 40 (accuracy 0.47), chosen by val_metric (max)." The metric
    beside the step; the validation-minimum judgement only when the loss chose it."""
    metric = best.get("metric")
    shown = f" ({best.get('metric_name')} {metric:.4g})" if metric is not None else ""
    monitor = str(best.get("monitor") or "val_loss")
    if not monitor.startswith("val_loss"):
        return f"Best checkpoint: step {best['step']}{shown}, chosen by {monitor}."
    if best.get("at_val_min") is None:
        return f"Best checkpoint: step {best['step']}{shown}."
    where = "at" if best["at_val_min"] else "away from"
    return f"Best checkpoint: step {best['step']}{shown}, {where} the validation minimum."


def summarize(run: RunLog, manifest: dict[str, Any] | None = None,
              run_dir: str = "") -> dict[str, Any]:
    manifest = manifest or {}
    config = manifest.get("config") or {}
    best_step, best_path = _best_checkpoint_step(run, manifest)
    onset = overfit_onset(run.evals.steps, _train_at_evals(run), run.evals.get("val_loss"),
                          best_step=best_step)
    start = train_initial(run)
    verdict, checks = diagnose(onset, train_initial=start, n_evals=len(run.evals),
                               dropout=config.get("dropout"), augment=config.get("augment"),
                               nonfinite=_count_nonfinite(run))
    best = None
    if best_step is not None:
        best = {"path": best_path, "step": best_step, "at_val_min": onset.best_at_val_min,
                "distance_steps": onset.best_distance, "tolerance_steps": onset.tolerance_steps,
                "excess_loss": onset.best_excess,
                **_best_checkpoint_evidence(run, manifest, best_step)}
    by_code = {c.code: c for c in checks}
    layers = layer_health(run.stats)
    findings = [c.code for c in checks if c.applies]
    findings += ["layer_health"] if layers["notes"] else []
    lr = _lr_summary(run, manifest)
    findings += ["lr_horizon_differs"] if lr["horizon_differs"] else []
    summary = {
        "schema": SUMMARY_SCHEMA, "run_dir": run_dir, "verdict": verdict,
        "headline": headline(verdict, onset, best, by_code["nonfinite"].evidence,
                             by_code["overfitting"].evidence), "steps": run.last_step,
        "n_evals": len(run.evals), "metric_name": run.metric_name,
        "train_initial": start, "final_train": onset.final_train, "final_val": onset.final_val,
        "t_val_min": onset.t_val_min, "val_min": onset.val_min,
        "raw_val_min_step": onset.raw_val_min_step, "raw_val_min": onset.raw_val_min,
        "train_min_step": onset.train_min_step, "train_min": onset.train_min,
        "final_gap": onset.final_gap, "final_gap_ratio": onset.final_gap_ratio,
        "onset_detected": onset.detected, "onset_step": onset.onset_step,
        "onset": {"rise": onset.rise, "threshold": onset.threshold,
                  "evals_above": onset.evals_above, "noise": onset.noise,
                  "train_still_falling": onset.train_still_falling},
        "best_checkpoint": best, "metric": _metric_summary(run),
        "checks": {c.code: c.to_dict() for c in checks}, "findings": findings,
        "anomalies": onset.anomalies, "lr": lr, "layers": layers,
        "curves": _trend_curves(run, onset),
    }
    return clean(summary)
