"""The dashboard in a real browser: headless Chromium (Debian's) driven by Playwright.

One server over a store filled here with the synthetic session; each view must draw charts with
data; the scope selector must change the drawing; a snapshot saved to the store must appear
without a reload; the scrubber must move through the session; a token-required server must
refuse requests without the token. Screenshots of each view go to ``test-artifacts/dashboard``.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from dashboard_store import fill_store, session_snapshots, write_run
from eots.core.clock import FixedClock
from eots.dashboard import VIEWS, DashboardParams, create_app, data, serve
from eots.dashboard.auth import COOKIE
from eots.storage import SnapshotStore

CHROMIUM = Path("/usr/bin/chromium")
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
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
TOKEN = "browser-test-token"
WAIT_MS = 25_000

if not CHROMIUM.exists():
    if os.environ.get("CI") or os.environ.get("EOTS_REQUIRE_BROWSER"):
        pytest.fail(f"{CHROMIUM} is missing and CI/EOTS_REQUIRE_BROWSER is set", pytrace=False)
    pytest.skip(
        f"{CHROMIUM} is absent (apt-get install -y chromium); set EOTS_REQUIRE_BROWSER=1 to fail",
        allow_module_level=True,
    )
playwright_api = pytest.importorskip("playwright.sync_api")

# Every chart on the page has at least one trace with points (an empty figure fails).
_CHARTS_WITH_DATA = """() => Array.from(document.querySelectorAll('#content .js-plotly-plot'))
  .map(g => (g.data || []).reduce((m, t) => Math.max(m, t.x ? t.x.length : 0), 0))"""


class Served:
    def __init__(self, params: DashboardParams, clock: FixedClock, token: str | None = None):
        self.app = create_app(params, clock=clock, token=token)
        self.server = serve(self.app, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.app.server.config["EOTS_JOBS"].shutdown()


@pytest.fixture(scope="module")
def session() -> list[Any]:
    return session_snapshots()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, session: list[Any]) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("dash")
    fill_store(root / "store", session[:4])
    write_run(root / "run", [s.ts_event for s in session])
    clock = FixedClock(session[-1].ts_event + dt.timedelta(minutes=1))
    params = DashboardParams(store=root / "store", run_dir=root / "run", poll_s=0.7)
    app = Served(params, clock)
    # What the first poll does anyway, started now so it overlaps the browser's start-up.
    latest = data.latest_snapshot_ids(params.store, "SPX")[-1]
    for scope in ("all", "0dte"):
        app.app.server.config["EOTS_JOBS"].prefetch(latest, scope)
    yield app
    app.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def page(served: Served, browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(served.url)
    page.wait_for_selector("#view-snapshot")
    yield page
    context.close()


def _shown(page: Any) -> tuple[str, str]:
    marker = page.locator("#view-snapshot")
    return marker.get_attribute("data-snapshot"), marker.get_attribute("data-scope")


def _wait_shown(page: Any, *, snapshot: str | None = None, scope: str | None = None) -> None:
    cond = []
    if snapshot is not None:
        cond.append(f"m.dataset.snapshot === {snapshot!r}")
    if scope is not None:
        cond.append(f"m.dataset.scope === {scope!r}")
    page.wait_for_function(
        "() => { const m = document.querySelector('#view-snapshot'); return m && "
        + " && ".join(cond)
        + "; }"
    )


def _wait_charts(page: Any, at_least: int) -> list[int]:
    page.wait_for_function(
        f"() => {{ const n = ({_CHARTS_WITH_DATA})(); return n.length >= {at_least} "
        "&& n.every(k => k > 0); }"
    )
    points: list[int] = page.evaluate(_CHARTS_WITH_DATA)
    return points


def _net_gex(page: Any) -> list[float]:
    values: list[float] = page.evaluate(
        """() => { const g = document.querySelector('#content .js-plotly-plot');
        const t = g.data.find(t => t.name === 'net GEX'); return Array.from(t.y); }"""
    )
    return values


def test_each_view_renders_charts_with_data(page: Any) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    expected = {"main": 2, "structure": 3, "flow": 5, "volatility": 4, "decay": 6, "performance": 4}
    for value, label in VIEWS:
        page.locator("#view").get_by_text(label, exact=True).click()
        if value == "performance":
            page.wait_for_selector("#panel-track")
        else:
            page.wait_for_function(
                f"() => document.querySelector('#panel-{_first_panel(value)}') !== null"
            )
        points = _wait_charts(page, expected[value])
        assert len(points) >= expected[value], (value, points)
        assert min(points) > 0, (value, points)
        assert "Traceback" not in page.inner_text("#content")
        page.screenshot(path=str(ARTIFACTS / f"{value}.png"), full_page=True)
    page.locator("#view").get_by_text("Main", exact=True).click()
    page.wait_for_selector("#panel-summary")


def _first_panel(view: str) -> str:
    return {
        "main": "summary",
        "structure": "mspi",
        "flow": "flow-source",
        "volatility": "vri",
        "decay": "zero-dte",
    }[view]


def test_scope_selector_changes_the_drawing(page: Any) -> None:
    _wait_charts(page, 2)
    before = _net_gex(page)
    page.locator("#scope").click()
    page.get_by_text("0DTE", exact=True).click()
    _wait_shown(page, scope="0dte")
    _wait_charts(page, 2)
    after = _net_gex(page)
    assert "GEX by strike (0dte)" in page.inner_text("#panel-exposure")
    assert before != after
    assert sum(abs(v) for v in after if v) < sum(abs(v) for v in before if v)
    page.locator("#scope").click()
    page.get_by_text("all expiries", exact=True).click()
    _wait_shown(page, scope="all")


def test_new_snapshot_appears_without_reload(page: Any, served: Served, session: list[Any]) -> None:
    store = SnapshotStore(served.app.server.config["EOTS_JOBS"]._store)
    first, _ = _shown(page)
    page.evaluate("() => { window.__notReloaded = true; }")
    saved = store.save(session[4])
    new_id = f"SPX/{session[4].ts_event.astimezone(dt.UTC):%Y-%m-%d}/{saved.path.stem}"
    _wait_shown(page, snapshot=new_id)
    assert first != new_id
    assert page.evaluate("() => window.__notReloaded === true")
    assert "snapshot 5 of 5" in page.inner_text("#snapshot-label")
    _wait_charts(page, 2)


def test_scrubber_moves_through_the_session(page: Any) -> None:
    latest, _ = _shown(page)
    page.locator("#prev").click()
    page.wait_for_function(
        "() => document.querySelector('#snapshot-label').innerText.includes('snapshot 4 of')"
    )
    page.wait_for_function(
        f"() => document.querySelector('#view-snapshot').dataset.snapshot !== {latest!r}"
    )
    assert not page.locator("#follow input").is_checked()
    earlier, _ = _shown(page)
    assert earlier < latest  # ids sort by quote time
    page.locator("#scrubber .rc-slider-mark-text").first.click()  # the session's first mark
    page.wait_for_function(
        "() => document.querySelector('#snapshot-label').innerText.includes('snapshot 1 of')"
    )
    page.locator("#follow input").check()
    _wait_shown(page, snapshot=latest)


def test_token_is_enforced_and_empty_store_is_said(browser: Any, tmp_path: Path) -> None:
    clock = FixedClock(dt.datetime(2024, 3, 13, 15, tzinfo=dt.UTC))
    params = DashboardParams(store=tmp_path / "empty", poll_s=0.7, require_token=True)
    app = Served(params, clock, token=TOKEN)
    try:
        assert httpx.get(app.url).status_code == 401
        assert httpx.get(app.url + "_dash-layout").status_code == 401
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        refused = page.goto(app.url)
        assert refused is not None
        assert refused.status == 401
        assert "requires a token" in page.inner_text("body")
        page.goto(app.url + f"?token={TOKEN}")
        assert TOKEN not in page.url
        assert any(c["name"] == COOKIE for c in context.cookies())
        page.wait_for_function("() => document.body.innerText.includes('holds no snapshots yet')")
        assert "Traceback" not in page.inner_text("body")
        context.close()
    finally:
        app.close()
