"""dashboard.html and the comparison page, opened from disk in headless Chromium."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from playwright.sync_api import sync_playwright

from trainprobe.analysis import analyze_run
from trainprobe.analysis.synthetic import write_synthetic_run
from trainprobe.api import compare_runs
from trainprobe.cli import main
from trainprobe.errors import TrainprobeError
from trainprobe.instruments.logfile import SCHEMA_V1
from trainprobe.views.dashboard import write_dashboard
from trainprobe.views.dashboard_data import minmax_downsample

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
RUN_PANELS = {"plot-loss", "plot-lr", "plot-grad", "plot-metric", "plot-dead", "plot-act",
              "plot-update"}


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    runs = (write_synthetic_run(root / "overfit", "overfitting", steps=8000),
            write_synthetic_run(root / "healthy", "healthy", steps=3000, seed=1))
    analyze_run(runs[0])  # the healthy run is analysed by `trainprobe compare` below
    return runs


def open_page(browser, path):
    """Load a file:// page; return (page, console errors, requests leaving the file)."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors, outside = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    url = path.resolve().as_uri()
    page.on("request", lambda r: outside.append(r.url) if r.url != url else None)
    page.goto(url)
    page.wait_for_load_state("load")
    return page, errors, outside


def traces_per_plot(page) -> dict[str, int]:
    return dict(page.eval_on_selector_all(
        ".js-plotly-plot",
        "els => els.map(e => [e.id, e.querySelectorAll('.scatterlayer .trace').length])"))


def test_dashboard_renders_every_panel_offline(browser, runs, tmp_path):
    path = write_dashboard(runs[0])
    assert path.name == "dashboard.html"
    text = path.read_text()
    no_external = "<script src=" not in text and "<link " not in text  # plotly.js inlined
    assert no_external and "Plotly.newPlot" in text
    page, errors, outside = open_page(browser, path)
    counts = traces_per_plot(page)
    assert set(counts) == RUN_PANELS
    assert all(n > 0 for n in counts.values()), counts
    assert counts["plot-grad"] == 7  # global + 6 layers
    assert errors == [] and outside == []
    header = page.inner_text("header")
    assert "overfitting" in header and "Overfitting begins at step" in header
    # the loss panel carries the exact markers and the onset line
    names = page.evaluate("document.getElementById('plot-loss').data.map(t => t.name)")
    assert any(n.startswith("best checkpoint (step ") for n in names)
    assert any(n.startswith("lowest val loss, trend (step ") for n in names)
    shapes = page.evaluate("document.getElementById('plot-loss').layout.shapes.length")
    assert shapes == 1
    # long curves were downsampled for display
    points = page.evaluate("document.getElementById('plot-loss').data[0].x.length")
    assert points <= 1500
    page.close()


def test_comparison_page(browser, runs, tmp_path):
    path = compare_runs(list(runs), tmp_path / "compare.html")  # analyses the healthy run
    page, errors, outside = open_page(browser, path)
    counts = traces_per_plot(page)
    assert set(counts) == {"plot-loss", "plot-lr", "plot-metric", "plot-grad"}
    assert counts["plot-loss"] == 4 and counts["plot-lr"] == 2  # two runs overlaid
    assert errors == [] and outside == []
    assert page.locator("table.runs tr").count() == 3
    page.close()


def test_missing_data_is_said_not_drawn(browser, tmp_path):
    run_dir = tmp_path / "bare"
    run_dir.mkdir()
    lines = [{"kind": "meta", "schema": "trainprobe.inspector/1"}]
    lines += [{"kind": "train", "step": s, "loss": 1.0 / s, "lr": 0.1} for s in range(1, 50)]
    (run_dir / "inspector.log.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    with pytest.raises(TrainprobeError, match="has no summary.json"):
        write_dashboard(run_dir)  # a view renders the analysis, it never runs it
    analyze_run(run_dir)
    page, errors, _ = open_page(browser, write_dashboard(run_dir))
    assert set(traces_per_plot(page)) == {"plot-loss", "plot-lr"}
    assert "no gradient norms recorded" in page.inner_text("main")
    assert errors == []
    page.close()


def test_cli_dashboard_and_compare(runs, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["dashboard", str(runs[1])])
    assert result.exit_code == 0, result.output
    assert (runs[1] / "summary.json").exists() and (runs[1] / "gap-analysis.md").exists()
    assert "HEALTHY" in result.output
    out = tmp_path / "cmp.html"
    result = runner.invoke(main, ["compare", str(runs[0]), str(runs[1]), "--out", str(out)])
    assert result.exit_code == 0 and out.exists()
    result = runner.invoke(main, ["dashboard", str(tmp_path / "nothing")])
    assert result.exit_code == 2
    result = runner.invoke(main, ["compare", str(runs[0]), str(tmp_path)])
    assert result.exit_code == 2


def test_dashboard_draws_the_summary_not_its_own_analysis(runs, tmp_path):
    """The onset line, the trend curves and the planned learning rate come from
    summary.json: edit it and the page follows, with no analysis rerun."""
    run_dir = tmp_path / "run"
    shutil.copytree(runs[0], run_dir)
    summary = json.loads((run_dir / "summary.json").read_text())
    summary.update(onset_detected=True, onset_step=4321)
    summary["curves"] = {"steps": [100, 200], "train_trend": [0.5, 0.25],
                         "val_trend": [0.75, 0.625]}
    summary["lr"].update(horizon_differs=True, horizon=9000,
                         planned={"steps": [1, 9001], "lr": [0.003, 0.0]})
    (run_dir / "summary.json").write_text(json.dumps(summary))
    text = write_dashboard(run_dir).read_text()
    assert "onset 4321" in text and "[0.75,0.625]" in text.replace(" ", "")
    assert "cosine schedule, T=9000" in text and "[0.003,0.0]" in text.replace(" ", "")


def test_minmax_downsample_keeps_spikes():
    x = list(range(10000))
    y = [1.0] * 10000
    y[1234], y[8765] = 50.0, -3.0
    xs, ys = minmax_downsample(x, y, buckets=100)
    assert len(xs) <= 202 and 50.0 in ys and -3.0 in ys
    assert list(xs) == sorted(xs) and xs[0] == 0 and xs[-1] == 9999


HOSTILE = "<!--<script>"  # audit payload: with only `</` escaped it blanked every plot


def test_names_with_html_comment_and_script_tags_do_not_blank_the_plots(browser, tmp_path):
    run_dir = write_synthetic_run(tmp_path / "hostile", "healthy", steps=600)
    log = run_dir / "inspector.log.jsonl"
    text = log.read_text().replace('layers.0"', f'layers.0{HOSTILE}"')  # meta and keys
    log.write_text(text.replace('"metric_name":"accuracy"', f'"metric_name":"acc{HOSTILE}"'))
    analyze_run(run_dir)
    html = write_dashboard(run_dir).read_text()
    figures = html.split('id="figures">', 1)[1].split("</script>", 1)[0]
    assert "<" not in figures and ">" not in figures  # \u003c ... inside the JSON
    page, errors, outside = open_page(browser, run_dir / "dashboard.html")
    counts = traces_per_plot(page)
    assert set(counts) == RUN_PANELS and all(n > 0 for n in counts.values()), counts
    names = page.evaluate("document.getElementById('plot-grad').data.map(t => t.name)")
    assert any(HOSTILE in name for name in names)  # the name itself is shown, unharmed
    assert errors == [] and outside == []
    page.close()


def test_header_tiles_speak_words_with_the_symbol_as_tooltip(browser, runs):
    page, errors, _ = open_page(browser, write_dashboard(runs[0]))
    tile = page.locator(".num", has_text="lowest validation loss at step")
    assert tile.count() == 1
    step = int(tile.locator("span").inner_text().rsplit(" ", 1)[1])
    names = page.evaluate("document.getElementById('plot-loss').data.map(t => t.name)")
    assert f"lowest val loss, trend (step {step})" in names  # the same step as the marker
    assert "t_val_min" in tile.get_attribute("title")
    assert "t_val_min" not in page.inner_text(".numbers")  # the symbol only as a tooltip
    assert page.locator(".num", has_text="highest validation accuracy at step").count() == 1
    assert errors == []
    page.close()


def test_many_layers_get_a_picker_instead_of_silently_hidden_curves(browser, tmp_path):
    run_dir = write_synthetic_run(tmp_path / "deep", "healthy", steps=400, layers=27)
    analyze_run(run_dir)
    page, errors, _ = open_page(browser, write_dashboard(run_dir))
    grad = page.locator('section[data-panel="grad"]')
    assert "showing 12 of 27 layers" in grad.locator(".note").inner_text()
    boxes = grad.locator(".picker input[type=checkbox]")
    assert boxes.count() == 27
    visible = "document.getElementById('plot-grad').data.map(t => t.visible !== 'legendonly')"
    shown = page.evaluate(visible)
    assert sum(shown) == 13 and shown[1] and shown[-1]  # global + 12 from first to last
    hidden = next(i for i in range(27) if not shown[i + 1])
    boxes.nth(hidden).check()
    assert page.evaluate(visible)[hidden + 1]
    grad.locator("button[data-pick=all]").click()
    assert all(page.evaluate(visible))
    grad.locator("button[data-pick=none]").click()
    assert page.evaluate(visible) == [True] + [False] * 27
    assert errors == []
    page.close()


@pytest.mark.parametrize("schema", [SCHEMA_V1, "trainprobe.inspector/2"])
def test_few_statistics_points_are_points_with_a_note(browser, tmp_path, schema):
    run_dir = write_synthetic_run(tmp_path / "short", "healthy", steps=150, stats_every=50,
                                  schema=schema)
    analyze_run(run_dir)
    page, errors, _ = open_page(browser, write_dashboard(run_dir))
    dead = page.locator('section[data-panel="dead"]')
    assert "only 3 measurements (statistics every 50 steps)" in dead.locator(".note").inner_text()
    modes = page.evaluate("document.getElementById('plot-dead').data.map(t => t.mode)")
    assert modes and set(modes) == {"markers"}  # no line joins three points into a V
    assert page.locator('section[data-panel="grad"] .note').count() == 0
    long_modes = page.evaluate("document.getElementById('plot-grad').data.map(t => t.mode)")
    assert set(long_modes) == {"lines"}
    assert errors == []
    page.close()
