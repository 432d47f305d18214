"""The dashboard's HTML: one self-contained page (plotly.js inlined, no CDN, no fonts or
images fetched), so it opens from disk on a machine without network."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from plotly.offline import get_plotlyjs

from .dashboard_panels import Panel

VERDICT_COLOURS = {"diverged": "#000000", "overfitting": "#d62728", "underfitting": "#9467bd", "healthy": "#2ca02c",
                   "inconclusive": "#7f7f7f"}

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;background:#f6f7f9;color:#222}
header{background:#fff;padding:16px 24px;border-bottom:1px solid #ddd}
h1{font-size:20px;margin:0 0 6px 0}
.badge{display:inline-block;color:#fff;border-radius:4px;padding:2px 10px;font-size:14px;margin-right:8px;vertical-align:middle}
.headline{font-size:15px;margin:6px 0 10px 0}
.numbers{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}
.num{background:#f0f2f5;border-radius:4px;padding:6px 10px;min-width:110px}
.num b{display:block;font-size:16px}
.num span{font-size:11px;color:#555}
.findings{font-size:13px;margin:8px 0 0 0;padding-left:18px}
.findings li{margin:3px 0}
main{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:12px;padding:12px}
.panel{background:#fff;border:1px solid #ddd;border-radius:6px;padding:4px;min-height:120px}
.missing{color:#777;font-size:13px;padding:16px}
.note{color:#8a5a00;font-size:12px;padding:4px 8px 0 8px}
.picker{font-size:11px;padding:4px 8px 6px 8px;max-height:96px;overflow-y:auto;border-top:1px solid #eee}
.picker label{display:inline-block;margin:1px 10px 1px 0;white-space:nowrap}
.picker button{font-size:11px;margin-right:6px}
.num[title]{cursor:help}
table.runs{border-collapse:collapse;font-size:13px;margin-top:8px}
table.runs td,table.runs th{border:1px solid #ddd;padding:4px 8px;text-align:right}
table.runs th:first-child,table.runs td:first-child{text-align:left}
footer{font-size:11px;color:#777;padding:8px 24px 16px}
"""


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def number_cards(items: list[tuple[str, Any, str]]) -> str:
    """Tiles: a value, what it is in words, and the symbol and definition as a tooltip."""
    cards = []
    for label, value, tooltip in items:
        text = f"{value:.4g}" if isinstance(value, float) else ("—" if value is None else value)
        tip = f' title="{esc(tooltip)}"' if tooltip else ""
        cards.append(f'<div class="num"{tip}><b>{esc(text)}</b><span>{esc(label)}</span></div>')
    return f'<div class="numbers">{"".join(cards)}</div>'


def bullet_list(lines: list[str]) -> str:
    if not lines:
        return ""
    items = "".join(f"<li>{esc(line)}</li>" for line in lines)
    return f'<ul class="findings">{items}</ul>'


def picker_html(panel: Panel) -> str:
    """Checkboxes that show or hide per-layer curves (plotly's legend alone scrolls out
    of sight with dozens of layers)."""
    if not panel.picker:
        return ""
    boxes = "".join(f'<label><input type="checkbox" data-trace="{index}"'
                    f'{" checked" if shown else ""}> {esc(name)}</label>'
                    for index, name, shown in panel.picker)
    return (f'<div class="picker" data-plot="plot-{esc(panel.key)}">'
            '<button type="button" data-pick="all">all</button>'
            '<button type="button" data-pick="none">none</button>' + boxes + "</div>")


def panel_divs(panels: list[Panel]) -> str:
    parts = []
    for panel in panels:
        if panel.figure is None:
            parts.append(f'<section class="panel" data-panel="{esc(panel.key)}"><div '
                         f'class="missing"><b>{esc(panel.title)}</b>: '
                         f'{esc(panel.missing)}</div></section>')
        else:
            note = f'<div class="note">{esc(panel.note)}</div>' if panel.note else ""
            parts.append(f'<section class="panel" data-panel="{esc(panel.key)}">{note}<div '
                         f'id="plot-{esc(panel.key)}" class="plot"></div>'
                         f"{picker_html(panel)}</section>")
    return "\n".join(parts)


def figures_json(panels: list[Panel]) -> str:
    """Figures as JSON safe to place inside a <script> element."""
    figures = {f"plot-{p.key}": p.figure for p in panels if p.figure is not None}
    return script_json(json.dumps(figures, separators=(",", ":"), allow_nan=False))


def script_json(text: str) -> str:
    """JSON text that cannot end or re-mode the <script> element holding it.

    Escaping only `</` is not enough: `<!--` followed by `<script` switches the HTML
    parser into the "script data escaped" states, where a later `</script>` no longer
    closes the element and the page loses every plot. `\\u003c`, `\\u003e` and `\\u0026`
    are the same characters to JSON.parse, so no `<`, `>` or `&` reaches the HTML parser.
    """
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


SCRIPT = """
const started = performance.now();
const FIGURES = JSON.parse(document.getElementById('figures').textContent);
const CONFIG = {responsive: true, displaylogo: false};
for (const [id, fig] of Object.entries(FIGURES)) {
  Plotly.newPlot(id, fig.data, fig.layout, CONFIG);
}
window.trainprobeRenderMs = performance.now() - started;  // drawing time, for benchmarks
for (const picker of document.querySelectorAll('.picker')) {
  const plot = document.getElementById(picker.dataset.plot);
  const boxes = [...picker.querySelectorAll('input[data-trace]')];
  const apply = (changed) => Plotly.restyle(plot,
    {visible: changed.map(b => b.checked ? true : 'legendonly')},
    changed.map(b => Number(b.dataset.trace)));
  for (const box of boxes) box.addEventListener('change', () => apply([box]));
  for (const button of picker.querySelectorAll('button')) {
    button.addEventListener('click', () => {
      for (const box of boxes) box.checked = button.dataset.pick === 'all';
      apply(boxes);
    });
  }
}
"""


def page(title: str, header: str, panels: list[Panel], footer: str = "") -> str:
    """The whole HTML document."""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{esc(title)}</title><style>{CSS}</style>"
        f"<script>{get_plotlyjs()}</script></head><body>"
        f"<header>{header}</header><main>{panel_divs(panels)}</main>"
        f"<footer>{footer}</footer>"
        f'<script type="application/json" id="figures">{figures_json(panels)}</script>'
        f"<script>{SCRIPT}</script></body></html>\n"
    )


def at_step(step: Any) -> str:
    return f" at step {step}" if step is not None else ""


def header_cards(summary: dict[str, Any]) -> list[tuple[str, Any, str]]:
    """(words a user knows, value, the symbol and its definition as a tooltip)."""
    best = summary.get("best_checkpoint") or {}
    metric = summary.get("metric") or {}
    onset = summary.get("onset_step") if summary.get("onset_detected") else None
    cards: list[tuple[str, Any, str]] = [
        ("verdict", summary.get("verdict"), "verdict: diverged (a NaN/inf loss), overfitting, "
         "underfitting, healthy or inconclusive (fewer than 3 evaluations)"),
        ("steps trained", summary.get("steps"), "steps: optimizer steps taken"),
        ("lowest validation loss" + at_step(summary.get("t_val_min")), summary.get("val_min"),
         "val_min at t_val_min: the minimum of the smoothed validation-loss trend (a single "
         "lucky evaluation does not count)"),
        ("lowest training loss" + at_step(summary.get("train_min_step")),
         summary.get("train_min"), "train_min: the minimum of the smoothed training loss at "
         "the evaluations"),
        ("validation minus training loss at the end", summary.get("final_gap"),
         "final_gap = final_val - final_train (smoothed values at the last evaluation)"),
        ("overfitting begins (validation stops improving)" if onset is not None
         else "overfitting onset", f"step {onset}" if onset is not None else "none found",
         "onset_step: the last step at which more training still improved validation; "
         "after it validation rose while training kept falling"),
        ("best checkpoint" + at_step(best.get("step")), best_card(best),
         "best_checkpoint: the checkpoint kept as the best (its step, the task's metric "
         "there and its file), chosen by " + str(best.get("monitor") or "val_loss")),
    ]
    if metric:
        higher = "highest" if metric.get("higher_is_better", True) else "lowest"
        cards.append((f"{higher} validation {metric['name']}" + at_step(metric.get("best_step")),
                      metric.get("best"), f"metric.best at metric.best_step: the best "
                      f"{metric['name']} over the evaluations"))
    return cards


def best_card(best: dict[str, Any]) -> str | None:
    """"accuracy 0.47 (best.pt)": the best checkpoint's metric beside its step (the step
    is in the card's words)."""
    name = Path(best["path"]).name if best.get("path") else None
    metric = best.get("metric")
    if metric is None:
        return name
    return f"{best.get('metric_name')} {metric:.4g}" + (f" ({name})" if name else "")


def run_header(name: str, summary: dict[str, Any]) -> str:
    verdict = summary.get("verdict", "inconclusive")
    colour = VERDICT_COLOURS.get(verdict, "#7f7f7f")
    findings = [f"{check['title']}: {check['text']}"
                for check in (summary.get("checks") or {}).values() if check.get("applies")]
    lr_note = (summary.get("lr") or {}).get("note")
    findings += [lr_note] if lr_note else []
    findings += (summary.get("layers") or {}).get("notes") or []
    return (f'<h1><span class="badge" style="background:{colour}">{esc(verdict)}</span>'
            f"{esc(name)}</h1><div class=\"headline\">{esc(summary.get('headline'))}</div>"
            f"{number_cards(header_cards(summary))}{bullet_list(findings)}")
