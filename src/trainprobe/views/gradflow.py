"""Per-layer gradient flow of one batch: terminal bars, a self-contained HTML chart
(plotly) and a PNG (Pillow). Views read the rows diagnose.inspect_spec() recorded:
{"layer", "grad_norm", "weight_norm", "relative", "frozen", "missing"}; they never train.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from rich.table import Table
from rich.text import Text

from ..errors import TrainprobeError
from ..formatting import number
from ..io import atomic_write, write_text

BAR_WIDTH = 32
Row = dict[str, Any]


def status(row: Row) -> str:
    if row.get("frozen") and row.get("grad_norm") is None:
        return "frozen"
    if row.get("missing") or row.get("grad_norm") is None:
        return "no gradient"
    if row["grad_norm"] == 0:
        return "zero"
    return ""


def _log_span(rows: list[Row]) -> tuple[float, float]:
    """log10 range of the positive gradient norms (at least one decade wide)."""
    logs = [math.log10(r["grad_norm"]) for r in rows if (r.get("grad_norm") or 0) > 0]
    if not logs:
        return 0.0, 1.0
    low, high = min(logs), max(logs)
    return (low - 1, high) if high - low < 1 else (low, high)


def _bar_length(value: float | None, span: tuple[float, float], width: int = BAR_WIDTH) -> int:
    if not value or value <= 0:
        return 0
    low, high = span
    return max(1, round(width * (math.log10(value) - low) / (high - low)))


def gradflow_bars(rows: list[Row]) -> Table:
    """One line per layer: |grad| as a bar on a log scale, |grad|/|weight| beside it."""
    table = Table(title="Gradient flow, one batch (bars: |grad| on a log scale)",
                  title_justify="left", show_edge=False)
    table.add_column("layer", overflow="fold")
    table.add_column("|grad|", justify="right")
    table.add_column("", no_wrap=True)
    table.add_column("|grad|/|w|", justify="right")
    span = _log_span(rows)
    for row in rows:
        note = status(row)
        length = _bar_length(row.get("grad_norm"), span)
        bar = Text("█" * length, style="green") if not note else Text(note, style="bold red")
        relative = row.get("relative")
        table.add_row(row["layer"], number(row.get("grad_norm"), 3), bar,
                      number(relative, 3) if relative is not None else "—")
    return table


def gradflow_figure(rows: list[Row], title: str) -> Any:
    import plotly.graph_objects as go

    layers = [r["layer"] for r in rows]
    norms = [r.get("grad_norm") or None for r in rows]
    colours = ["#c0392b" if status(r) else "#2e86c1" for r in rows]
    figure = go.Figure(go.Bar(x=layers, y=norms, marker_color=colours,
                              hovertext=[status(r) or f"|g|/|w| {number(r.get('relative'), 3)}"
                                         for r in rows]))
    figure.update_layout(title=title, yaxis_type="log", yaxis_title="|grad| (one batch)",
                         xaxis_title="layer (input -> output)", template="plotly_white")
    return figure


def gradflow_html(rows: list[Row], title: str) -> str:
    """A self-contained page (plotly.js inlined): opens offline."""
    return gradflow_figure(rows, title).to_html(include_plotlyjs=True, full_html=True)


def write_html(path: str | Path, rows: list[Row], title: str) -> Path:
    return write_text(path, gradflow_html(rows, title))


def write_png(path: str | Path, rows: list[Row], title: str) -> Path:
    """Horizontal bars drawn with Pillow (no browser or kaleido needed)."""
    try:
        from PIL import Image, ImageDraw
    except ImportError:
        raise TrainprobeError("--png needs Pillow", "pip install 'trainprobe[png]', or use --html") from None
    line, left, width = 22, 260, 420
    image = Image.new("RGB", (left + width + 120, 50 + line * max(len(rows), 1)), "white")
    draw = ImageDraw.Draw(image)
    draw.text((10, 10), title, fill="black")
    span = _log_span(rows)
    for index, row in enumerate(rows):
        top = 40 + index * line
        draw.text((10, top + 4), row["layer"][:40], fill="black")
        note = status(row)
        length = _bar_length(row.get("grad_norm"), span, width)
        if note:
            draw.text((left, top + 4), note, fill=(192, 57, 43))
        else:
            draw.rectangle((left, top + 3, left + length, top + line - 5), fill=(46, 134, 193))
            draw.text((left + length + 6, top + 4), number(row.get("grad_norm"), 3), fill="black")
    return atomic_write(path, lambda tmp: image.save(tmp, format="PNG"))
