"""Benchmark of the dashboard's request path: a store poll and each view's render.

Setup (not timed): a synthetic SPX session (default listing, ~10k+ contracts a snapshot), one
snapshot every 30 minutes (14) in a temporary store. Timed, one core, median:

* ``poll``: what every ``dcc.Interval`` tick costs (file-name listing, no file opened);
* ``render <view>``: building a view from a cached analysis (what a tab switch, a scrub to an
  analysed snapshot or a strike-range change costs);
* ``analysis (cold)``: the background job for the last snapshot (load, history, ``analyze``),
  which runs off the request path.

Checked so a fast wrong answer cannot pass: the poll lists all 14 snapshots in time order; every
view has at least one chart and every chart has points; the main view's GEX chart holds the
analysis' own net GEX by strike inside the +-5 % window.

    python benchmarks/bench_dashboard.py
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "POLARS_MAX_THREADS"):
    os.environ.setdefault(_var, "1")  # one core, as the target is stated

import datetime as dt
import sys
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from _timing import median_ms

from eots.core.clock import FixedClock
from eots.dashboard import data
from eots.dashboard.app import VIEWS, _poll, _render
from eots.dashboard.jobs import AnalysisJobs, Failed
from eots.dashboard.params import DashboardParams
from eots.storage import SnapshotStore
from eots.synthetic import SyntheticParams, synthetic_session


def _figures(children: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, list | tuple):
            for c in node:
                walk(c)
            return
        figure = getattr(node, "figure", None)
        if isinstance(figure, dict):
            found.append(figure)
        walk(getattr(node, "children", None) or [])

    walk(children)
    return found


def main() -> None:
    session = dt.date(2024, 3, 13)
    snaps = synthetic_session(SyntheticParams(), session=session, every=dt.timedelta(minutes=30))
    root = Path(tempfile.mkdtemp())
    store = SnapshotStore(root)
    for s in snaps:
        store.save(s)
    params = DashboardParams(store=root)
    jobs = AnalysisJobs(root)
    print(f"{len(snaps)} snapshots of {snaps[-1].frame.height:,} contracts")

    ms, state = median_ms(lambda: _poll(params, jobs, None, None, "all"))
    assert [e[1] for e in state["entries"]] == [s.ts_event.isoformat() for s in snaps]
    print(f"poll                 {ms:8.1f} ms")

    last = state["entries"][-1][0]

    def cold() -> Any:
        data._cached_analysis.cache_clear()
        return data.analysis_for(root, last, "all")

    ms, analysis = median_ms(cold, repeats=2, warmup=1)
    print(f"analysis (cold)      {ms:8.1f} ms   (background job)")
    assert jobs.wait(last, "all", 600.0) is analysis  # the job reads the same cache
    # The last snapshot is at the close: the 0DTE expiry has settled, which the view says.
    assert isinstance(jobs.wait(last, "0dte", 600.0), Failed)

    clock = FixedClock(snaps[-1].ts_event)
    for view, _label in VIEWS:
        ms, (children, _key) = median_ms(
            lambda v=view: _render(params, jobs, clock, v, len(snaps) - 1, "all", 5.0, state, None)
        )
        figures = _figures(children)
        if view != "performance":  # no run folder here: the view says so instead
            assert figures, view
            assert all(any(len(t.get("x", [])) for t in f["data"]) for f in figures), view
        print(f"render {view:<13} {ms:8.1f} ms   ({len(figures)} charts)")

    main_children, _ = _render(params, jobs, clock, "main", len(snaps) - 1, "all", 5.0, state, None)
    gex = next(f for f in _figures(main_children) if f["layout"]["title"]["text"].startswith("GEX"))
    net = next(t for t in gex["data"] if t["name"] == "net GEX")
    spot = analysis.snapshot.spot
    expected = analysis.by_strike.filter(
        pl.col("strike").is_between(spot * 0.95, spot * 1.05)
    ).sort("strike")
    assert net["x"] == expected["strike"].to_list()
    assert net["y"] == expected["net_gex"].fill_nan(None).to_list()
    jobs.shutdown()


if __name__ == "__main__":
    main()
