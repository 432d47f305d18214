"""One self-contained HTML page (plotly, JavaScript inline: opens offline) showing the
sweep's curves and the range test's loss against the learning rate."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..sweep import curves
from ..sweep.lr_sweep import SweepResult


def sweep_figure(sweep: SweepResult | None, ranges: dict[str, Any] | None) -> go.Figure:
    panels = [p for p in ((sweep, "LR sweep: best training loss so far (first seed)"),
                          (ranges, "Range test: training loss vs learning rate"))
              if p[0] is not None]
    figure = make_subplots(rows=1, cols=len(panels), subplot_titles=[t for _, t in panels])
    column = 1
    if sweep is not None:
        _add_sweep(figure, sweep, column)
        column += 1
    if ranges is not None:
        _add_range(figure, ranges, column)
    figure.update_layout(template="plotly_white", height=480, width=560 * len(panels))
    return figure


def _add_sweep(figure: go.Figure, sweep: SweepResult, column: int) -> None:
    seed = sweep.seeds[0]
    for run in (r for r in sweep.runs if r.seed == seed):
        chosen = run.lr == sweep.chosen
        figure.add_trace(go.Scatter(
            y=curves.best_so_far(run.losses, len(run.losses)), mode="lines",
            name=f"lr {run.lr:g}{' (chosen)' if chosen else ''}",
            line={"width": 4 if chosen else 1.5}), row=1, col=column)
    figure.update_xaxes(title_text="step", row=1, col=column)
    figure.update_yaxes(title_text="loss", type="log", row=1, col=column)


def _add_range(figure: go.Figure, ranges: dict[str, Any], column: int) -> None:
    for test in ranges["tests"]:
        figure.add_trace(go.Scatter(x=test["lr"], y=test["smoothed"], mode="lines",
                                    name=f"smoothed, seed {test['seed']}"), row=1, col=column)
        figure.add_trace(go.Scatter(x=test["lr"], y=test["loss"], mode="markers", opacity=0.3,
                                    marker={"size": 3}, name=f"raw, seed {test['seed']}"),
                         row=1, col=column)
    values = [v for t in ranges["tests"] for v in curves.finite(t["loss"]) if v > 0]
    if ranges["suggestion"] is not None and values:
        # a trace, not a shape: shapes and annotations on log axes need log coordinates
        figure.add_trace(go.Scatter(x=[ranges["suggestion"]] * 2, y=[min(values), max(values)],
                                    mode="lines", line={"dash": "dash", "color": "black"},
                                    name=f"suggestion {ranges['suggestion']:.3g}"),
                         row=1, col=column)
    figure.update_xaxes(title_text="learning rate", type="log", row=1, col=column)
    figure.update_yaxes(title_text="loss", type="log", row=1, col=column)


def sweep_html(sweep: SweepResult | None, ranges: dict[str, Any] | None) -> str:
    return sweep_figure(sweep, ranges).to_html(include_plotlyjs=True, full_html=True)
