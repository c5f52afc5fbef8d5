"""Performance view: how the ideas did (by family, strategy, stars, with intervals) and how the
adaptive weights moved, read from a replay run folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
from dash import html

from eots.core.errors import EotsError
from eots.dashboard import data
from eots.dashboard.figures import rate_chart, weights_chart
from eots.dashboard.views.common import NO_RUN, graph, message, run_panel, stat, table


def render(run_dir: Path | None, now: dt.datetime) -> list[Any]:
    """Return the performance view's panels (a message when there is no run folder)."""
    if run_dir is None or not data.has_run(run_dir):
        where = "" if run_dir is None else f" (no {data.OUTCOMES_FILE} in {run_dir})"
        return [message(NO_RUN + where)]
    try:
        perf = data.performance(run_dir)
    except EotsError as e:
        return [message(str(e), "error")]
    if perf.baseline.is_empty():
        return [message(f"the run in {run_dir} has no closed ideas yet")]
    base = perf.baseline.row(0, named=True)
    head = html.Div(
        [
            stat("ideas closed", f"{base['n']}", f"run {run_dir.name}"),
            stat(
                "hit rate (all)",
                f"{base['hit_rate']:.1%}",
                f"95% CI {base['ci_low']:.1%}–{base['ci_high']:.1%} · the baseline below",
            ),
            stat(
                "mean R",
                "n/a" if base["mean_r"] is None else f"{base['mean_r']:+.2f}",
                "P&L / risk at bid/ask",
            ),
        ],
        className="stats",
    )
    panels = [run_panel(perf.written_at, now, "Track record", "track", [head])]
    for name, frame in (
        ("signal family", perf.by_family),
        ("strategy", perf.by_strategy),
        ("stars", perf.by_stars),
    ):
        body: list[Any] = [message(f"no closed ideas by {name}")]
        if frame.height:
            chart = rate_chart(frame, base["hit_rate"], title=f"Hit rate by {name}")
            body = [graph(f"rate_{name.replace(' ', '_')}", chart), table(_pct(frame))]
        panels.append(run_panel(perf.written_at, now, f"By {name}", f"by-{name}", body))
    weights: list[Any] = [message("no weight changes logged in this run")]
    if perf.weights.height:
        weights = [
            graph("weights", weights_chart(perf.weights, title="Adaptive weight paths")),
            table(perf.weights.sort("ts_event", descending=True), digits=3),
        ]
    panels.append(run_panel(perf.written_at, now, "Adaptive weights", "weights", weights))
    return panels


def _pct(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        (pl.col(c) * 100.0).alias(f"{c}_pct") for c in ("hit_rate", "ci_low", "ci_high")
    ).drop("hit_rate", "ci_low", "ci_high")
