"""One function per dashboard panel. Each reads a RunLog (the inspector log) and the run's
summary.json, and returns a plotly figure dict, or None when the data it needs was not
recorded (the page then says so instead of drawing an empty plot). Panels compute nothing
the analysis already did: trends, the onset and the planned learning rate come from the
summary."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..analysis.records import RunLog
from .dashboard_data import as_list, as_steps, finite_any, line

VISIBLE_LAYERS = 12  # more per-layer curves: 12 spread over the depth, a picker for the rest
#: fewer scheduled measurements than this are drawn as points with a note, not as lines
#: (three points joined by lines draw a V that reads as a trend)
MIN_LINE_POINTS = 5
ORANGE, BLUE, RED, GREEN = "#ff7f0e", "#1f77b4", "#d62728", "#2ca02c"


@dataclass
class Panel:
    key: str
    title: str
    figure: dict[str, Any] | None
    missing: str = ""  # why there is no figure
    note: str = ""  # shown above the figure (e.g. "only 3 measurements")
    picker: list[tuple[int, str, bool]] | None = None  # (trace index, layer, shown)


def layout(title: str, y_title: str, *, log_y: bool = False, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "title": {"text": title, "x": 0.01, "font": {"size": 15}},
        "height": 360, "margin": {"l": 60, "r": 20, "t": 40, "b": 45},
        "template": "plotly_white", "hovermode": "closest",
        "xaxis": {"title": {"text": "step"}},
        "yaxis": {"title": {"text": y_title}, "type": "log" if log_y else "linear"},
        "legend": {"font": {"size": 10}},
        "updatemenus": [{"type": "buttons", "direction": "left", "x": 1, "xanchor": "right",
                         "y": 1.14, "yanchor": "top", "showactive": True,
                         "font": {"size": 10}, "active": 1 if log_y else 0, "buttons": [
                             {"label": "linear", "method": "relayout",
                              "args": [{"yaxis.type": "linear"}]},
                             {"label": "log", "method": "relayout",
                              "args": [{"yaxis.type": "log"}]}]}],
    }
    base.update(extra)
    return base


def vline(step: float, color: str, text: str, dash: str = "dash") -> tuple[dict, dict]:
    shape = {"type": "line", "xref": "x", "yref": "paper", "x0": step, "x1": step, "y0": 0,
             "y1": 1, "line": {"color": color, "width": 1.5, "dash": dash}}
    note = {"x": step, "xref": "x", "yref": "paper", "y": 1.0, "yanchor": "bottom",
            "text": text, "showarrow": False, "font": {"size": 10, "color": color}}
    return shape, note


def loss_panel(run: RunLog, summary: dict[str, Any]) -> Panel:
    traces = []
    losses = run.train.get("loss")
    if finite_any(losses):
        traces.append(line(run.train.steps, losses, "train loss (per step)",
                           line={"color": "rgba(31,119,180,0.3)", "width": 1}))
    shapes, notes = [], []
    if len(run.evals):
        val = run.evals.get("val_loss")
        curves = summary.get("curves") or {}
        steps = as_steps(curves.get("steps") or [])
        traces.append({"type": "scatter", "mode": "lines", "name": "train (trend at evals)",
                       "x": steps, "y": as_list(curves.get("train_trend") or []),
                       "line": {"color": BLUE, "width": 2.5}})
        traces.append({"type": "scatter", "mode": "lines", "name": "val (trend); shaded: gap",
                       "x": steps, "y": as_list(curves.get("val_trend") or []),
                       "fill": "tonexty",
                       "fillcolor": "rgba(255,127,14,0.15)",
                       "line": {"color": ORANGE, "width": 2.5}})
        traces.append({"type": "scatter", "mode": "markers", "name": "val loss (each eval)",
                       "x": as_steps(run.evals.steps), "y": as_list(val),
                       "marker": {"color": ORANGE, "size": 4}})
        traces += loss_markers(run, summary)
    if summary.get("onset_detected"):
        shape, note = vline(summary["onset_step"], RED, f"onset {summary['onset_step']}")
        shapes.append(shape)
        notes.append(note)
    if not traces:
        return Panel("loss", "Loss", None, "no loss recorded")
    return Panel("loss", "Loss", {"data": traces, "layout": layout(
        "Loss: train, validation and the gap", "loss", shapes=shapes, annotations=notes,
        hovermode="x")})


def loss_markers(run: RunLog, summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Exact markers: the best checkpoint and the trend minimum of validation loss."""
    val = run.evals.get("val_loss")
    markers = []
    best = summary.get("best_checkpoint") or {}
    if best.get("step") is not None:
        index = int(np.argmin(np.abs(run.evals.steps - best["step"])))
        markers.append({"type": "scatter", "mode": "markers", "name":
                        f"best checkpoint (step {best['step']})", "x": [int(best["step"])],
                        "y": as_list([val[index]]),
                        "marker": {"symbol": "star", "size": 16, "color": GREEN,
                                   "line": {"color": "black", "width": 1}}})
    if summary.get("t_val_min") is not None:
        markers.append({"type": "scatter", "mode": "markers", "name":
                        f"lowest val loss, trend (step {summary['t_val_min']})",
                        "x": [summary["t_val_min"]], "y": [summary["val_min"]],
                        "marker": {"symbol": "diamond", "size": 11, "color": RED}})
    return markers


def lr_panel(run: RunLog, summary: dict[str, Any]) -> Panel:
    lr = run.train.get("lr")
    if not finite_any(lr):
        return Panel("lr", "Learning rate", None, "no learning rate recorded")
    traces = [line(run.train.steps, lr, "lr (as run)", line={"color": BLUE, "width": 2})]
    shapes, notes = [], []
    info = summary.get("lr") or {}
    if info.get("horizon_differs"):
        horizon = int(info["horizon"])
        planned = info.get("planned")  # the analysis drew it to max(T, steps run)
        if planned:
            traces.append({"type": "scatter", "mode": "lines", "x": planned["steps"],
                           "y": as_list(planned["lr"]), "name": f"cosine schedule, T={horizon}",
                           "line": {"color": "gray", "dash": "dot"}})
        for step, text in ((horizon, f"T={horizon}"), (run.last_step, "end of run")):
            shape, note = vline(step, "gray", text, dash="dot")
            shapes.append(shape)
            notes.append(note)
    return Panel("lr", "Learning rate", {"data": traces, "layout": layout(
        "Learning rate" + (" (cosine horizon differs from the run)"
                           if info.get("horizon_differs") else ""), "lr",
        shapes=shapes, annotations=notes)})


def shown_layers(count: int, limit: int = VISIBLE_LAYERS) -> set[int]:
    """Which of `count` per-layer curves start visible: all up to `limit`, else `limit`
    spread evenly from the first layer to the last, so the flow through depth shows."""
    if count <= limit:
        return set(range(count))
    return {round(i * (count - 1) / (limit - 1)) for i in range(limit)}


def per_layer(columns: dict[str, np.ndarray], steps: np.ndarray, *, points_only: bool = False,
              markers: bool = False) -> list[dict[str, Any]]:
    named = [(name, column) for name, column in columns.items() if finite_any(column)]
    shown = shown_layers(len(named))
    traces = []
    for i, (name, column) in enumerate(named):
        style: dict[str, Any] = {"line": {"width": 1.2}}
        if markers or points_only:
            style["mode"] = "markers" if points_only else "lines+markers"
            style["marker"] = {"size": 7 if points_only else 4}
        if i not in shown:
            style["visible"] = "legendonly"
        traces.append(line(steps, column, name, **style))
    return traces


def picker_for(traces: list[dict[str, Any]], first: int) -> tuple[list[tuple[int, str, bool]]
                                                                 | None, str]:
    """A layer picker and its note when some per-layer curves start hidden."""
    layers = traces[first:]
    hidden = sum(t.get("visible") == "legendonly" for t in layers)
    if not hidden:
        return None, ""
    picker = [(first + i, t["name"], t.get("visible") != "legendonly")
              for i, t in enumerate(layers)]
    note = (f"showing {len(layers) - hidden} of {len(layers)} layers, spread from the first "
            "to the last; pick the layers to draw below the plot")
    return picker, note


def grad_panel(run: RunLog) -> Panel:
    traces = []
    total = run.train.get("grad_norm")
    if finite_any(total):
        traces.append(line(run.train.steps, total, "global", line={"color": "black",
                                                                   "width": 2}))
    first = len(traces)
    traces += per_layer(run.train.prefixed("grad_norm"), run.train.steps)
    if not traces:
        return Panel("grad", "Gradient norms", None, "no gradient norms recorded")
    picker, note = picker_for(traces, first)
    return Panel("grad", "Gradient norms", {"data": traces, "layout": layout(
        "Gradient norm per layer", "||grad||", log_y=True)}, note=note, picker=picker)


def stats_panel(run: RunLog, prefix: str, key: str, title: str, y_title: str,
                log_y: bool = False) -> Panel:
    columns = run.stats.prefixed(prefix)
    points = max((int(np.isfinite(c).sum()) for c in columns.values()), default=0)
    few = 0 < points < MIN_LINE_POINTS
    traces = per_layer(columns, run.stats.steps, markers=True, points_only=few)
    if not traces:
        what = ("no bounded activation (sigmoid, tanh, recurrent layer)"
                if prefix == "saturated" else "no activation modules")
        return Panel(key, title, None, f"no {prefix} statistics recorded ({what}, or no "
                     "scheduled step yet)")
    extra = {"yaxis": {"title": {"text": y_title}, "range": [0, 1], "tickformat": ".0%"}} \
        if prefix in ("dead", "saturated") else {}
    picker, note = picker_for(traces, 0)
    if few:
        every = run.meta.get("stats_every")
        how = f" (statistics every {every} steps)" if isinstance(every, int) else ""
        note = (f"only {points} measurement{'s' if points > 1 else ''}{how}: drawn as "
                "points, not joined into a trend; lower stats_every for a curve"
                + (f"; {note}" if note else ""))
    return Panel(key, title, {"data": traces, "layout": layout(title, y_title, log_y=log_y,
                                                              **extra)},
                 note=note, picker=picker)


def metric_panel(run: RunLog, summary: dict[str, Any]) -> Panel:
    values = run.evals.get("val_metric")
    name = run.metric_name or "metric"
    if not finite_any(values):
        return Panel("metric", "Metric", None, "no validation metric recorded")
    traces = [line(run.evals.steps, values, f"val {name}", downsample=False,
                   mode="lines+markers", line={"color": GREEN}, marker={"size": 4})]
    metric = summary.get("metric") or {}
    if metric.get("best_step") is not None:
        traces.append({"type": "scatter", "mode": "markers", "name": f"best {name}",
                       "x": [metric["best_step"]], "y": [metric["best"]],
                       "marker": {"symbol": "star", "size": 14, "color": GREEN,
                                  "line": {"color": "black", "width": 1}}})
    return Panel("metric", f"Validation {name}", {"data": traces, "layout": layout(
        f"Validation {name}", name)})


def run_panels(run: RunLog, summary: dict[str, Any]) -> list[Panel]:
    return [
        loss_panel(run, summary),
        lr_panel(run, summary),
        grad_panel(run),
        metric_panel(run, summary),
        stats_panel(run, "dead", "dead", "Dead units per activation layer", "dead units"),
        stats_panel(run, "saturated", "saturated", "Saturated values per bounded activation",
                    "saturated"),
        stats_panel(run, "act_mean", "act", "Mean |activation| per layer", "mean |a|"),
        stats_panel(run, "update_ratio", "update", "Update-to-weight ratio per parameter",
                    "||dW|| / ||W||", log_y=True),
    ]
