"""Shared fixtures: paths of the test specs and a writer for throw-away specs."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

# Tiny models gain nothing from intra-op threads, and on a shared 2-core machine the
# threads of parallel processes spin against each other (10-30x slowdowns measured).
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def one_thread():
    """Every test runs on one intra-op thread, and so does whatever it leaves behind: a
    test that changes the count (the CLI's --threads) cannot slow the tests after it.
    Module-scoped fixtures run between tests, so they see one thread too. The one place
    the thread count is set for the tests; no test file sets its own."""
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(1)

SPECS = Path(__file__).parent / "specs"
DEMOS = Path(__file__).parents[1] / "src" / "trainprobe" / "demos"


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[[str, str], Path]:
    """write_spec(body, name) -> path of a spec file holding the dedented body."""

    def write(body: str, name: str = "spec.py") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(body), encoding="utf-8")
        return path

    return write


HEALTHY_HEADER = """
import torch
from torch import nn
from torch.utils.data import TensorDataset
TASK = "classification"
def build_data():
    g = torch.Generator().manual_seed(0)
    return TensorDataset(torch.randn(40, 8, generator=g), torch.randint(0, 3, (40,), generator=g)), None
"""
HEALTHY_MODEL = """
def build_model(hidden_dim: int = 16):
    return nn.Sequential(nn.Linear(8, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, 3))
"""


@pytest.fixture
def dashboard_browser():
    """open(path) -> {"errors": [...], "plots": n}: a page opened from disk in headless
    Chromium (Debian's /usr/bin/chromium), its console errors and its plotly plots."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-gpu"])

        def open_page(path: Path) -> dict:
            page = browser.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(Path(path).resolve().as_uri())
            page.wait_for_load_state("load")
            plots = page.eval_on_selector_all(
                ".js-plotly-plot", "els => els.filter(e => e.data && e.data.length).length")
            page.close()
            return {"errors": errors, "plots": plots}

        yield open_page
        browser.close()
