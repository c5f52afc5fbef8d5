"""The HTML reports render in headless Chromium, offline, with every chart drawn.

Needs the Debian package ``chromium`` (/usr/bin/chromium) and the ``playwright`` Python package
(dev extras; its own browser downloads are not used). Without them the tests skip, except in CI
(``CI`` or ``EOTS_REQUIRE_BROWSER`` set), where their absence fails. Screenshots go to
``.screenshots/`` (git-ignored).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eots.pipeline import analyze
from eots.report import analysis_html, write_run_report
from eots.synthetic import SyntheticParams, synthetic_chain
from unit.evaluation.run_builder import rich_run

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / ".screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Each plot: how many traces it has and how many drawn SVG/heatmap/table pieces carry data.
CHART_STATE = """
() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd => ({
  id: gd.id,
  traces: (gd.data || []).length,
  calc: (gd.calcdata || []).reduce((s, c) => s + (c ? c.length : 0), 0),
  drawn: gd.querySelectorAll(
    'g.trace path, g.trace rect, g.points path, g.hm image, g.table .cell-text, g.candlestick path'
  ).length,
  svg: gd.querySelectorAll('svg.main-svg').length,
}))
"""


def _required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("EOTS_REQUIRE_BROWSER"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = ""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is absent (apt-get install chromium)"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = reason or "the playwright package is not installed (pip install -e '.[dev]')"
    if reason:
        if _required():
            pytest.fail(f"browser test required in CI: {reason}")
        pytest.skip(reason)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield b
        finally:
            b.close()


def _render(browser: Any, page_path: Path, shot: str) -> list[dict[str, Any]]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []

    def offline(route: Any) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            requests.append(route.request.url)
            route.abort()

    page.route("**/*", offline)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_path.as_uri())
    page.wait_for_function("window.Plotly !== undefined", timeout=30_000)
    page.wait_for_timeout(500)
    state: list[dict[str, Any]] = page.evaluate(CHART_STATE)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / shot), full_page=True)
    page.close()
    assert not errors, errors
    assert not requests, f"the page fetched from the network: {requests}"
    return state


def _all_drawn(state: list[dict[str, Any]]) -> None:
    assert state, "no chart on the page"
    for chart in state:
        assert chart["svg"] >= 1, chart
        assert chart["traces"] >= 1, chart
        assert chart["calc"] >= 1, chart
        assert chart["drawn"] >= 1, chart


def test_run_report_draws_every_chart_offline(browser: Any, tmp_path: Path) -> None:
    root = rich_run(tmp_path / "run")
    path = write_run_report(root)
    text = path.read_text()
    assert not re.search(r"<script[^>]*\bsrc=", text)  # plotly.js is inline
    state = _render(browser, path, "run_report.png")
    _all_drawn(state)
    assert len(state) == 12  # every section of the rich run has its data


def test_analysis_page_draws_every_chart_offline(browser: Any, tmp_path: Path) -> None:
    snap = synthetic_chain(
        SyntheticParams(underlying="SPX", seed=7),
        as_of=dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC),
    )
    path = tmp_path / "analysis.html"
    path.write_text(analysis_html(analyze(snap)), encoding="utf-8")
    state = _render(browser, path, "analysis.png")
    _all_drawn(state)
    assert len(state) == 5


@pytest.mark.real_data
def test_real_spx_analysis_page_draws(browser: Any, real_data: Path, tmp_path: Path) -> None:
    from eots.sources import load_chain

    snap = load_chain(real_data / "spx_20230405_post" / "spx_quotedata.csv")
    path = tmp_path / "spx.html"
    path.write_text(analysis_html(analyze(snap)), encoding="utf-8")
    state = _render(browser, path, "analysis_spx_20230405.png")
    _all_drawn(state)
