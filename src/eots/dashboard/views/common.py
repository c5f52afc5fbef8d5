"""What every view shares: the context it renders from, panels with their age, tables, messages."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from dash import dcc, html

from eots.core.time import ET
from eots.dashboard.figures import Figure, Mark
from eots.dashboard.freshness import freshness
from eots.dashboard.jobs import Failed, Pending
from eots.levels.model import LevelKind, stars
from eots.pipeline import Analysis

NO_RUN = "no signals/ideas yet (run eots replay, then start the dashboard with --run RUN_DIR)"

_LEVEL_COLORS = {
    LevelKind.CALL_WALL: "#2ca02c",
    LevelKind.SECONDARY_CALL_WALL: "#98df8a",
    LevelKind.PUT_WALL: "#d62728",
    LevelKind.SECONDARY_PUT_WALL: "#ff9896",
    LevelKind.ABS_GAMMA: "#9467bd",
    LevelKind.ZERO_GAMMA: "#ff7f0e",
    LevelKind.VOL_TRIGGER: "#8c564b",
    LevelKind.SUPPORT: "#1f77b4",
    LevelKind.RESISTANCE: "#e377c2",
    LevelKind.CLUSTER: "#7f7f7f",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ViewContext:
    """What a view renders: the analysis at the scrubbed snapshot and the selectors' values.

    ``zero_dte`` is the same snapshot analysed with the 0DTE scope (the time-decay view's 0DTE
    panel); ``previous_ts`` is the snapshot before this one (ideas since then are "new").
    """

    analysis: Analysis
    zero_dte: Analysis | Pending | Failed
    strike_pct: float | None
    now: dt.datetime
    stale_after_s: float
    run_dir: Path | None
    previous_ts: dt.datetime | None
    spot_path: pl.DataFrame

    @property
    def spot(self) -> float:
        """Spot of the analysed snapshot, $."""
        return self.analysis.snapshot.spot


def panel(
    title: str,
    panel_id: str,
    as_of: dt.datetime,
    ctx_now: dt.datetime,
    stale_after_s: float,
    children: Sequence[Any],
) -> html.Section:
    """Return a titled panel with its data age (kept current by the app's age callback)."""
    fresh = freshness(as_of, ctx_now, stale_after_s)
    age = html.Div(
        fresh.text,
        id={
            "type": "age",
            "panel": panel_id,
            "ts": as_of.isoformat(),
            "limit": stale_after_s if math.isfinite(stale_after_s) else 0,
        },
        className="age stale" if fresh.stale else "age",
    )
    return html.Section([html.H3(title), age, *children], className="panel", id=f"panel-{panel_id}")


def analysis_panel(
    ctx: ViewContext, title: str, panel_id: str, children: Sequence[Any]
) -> html.Section:
    """A panel whose data is the analysed snapshot (its age is the snapshot's)."""
    return panel(title, panel_id, ctx.analysis.as_of, ctx.now, ctx.stale_after_s, children)


def graph(name: str, figure: Figure) -> dcc.Graph:
    """Wrap a figure (its id names the chart for the browser tests and screenshots)."""
    return dcc.Graph(
        id={"type": "chart", "name": name},
        figure=figure,
        config={"displaylogo": False, "responsive": True},
        className="chart",
    )


def message(text: str, kind: str = "info") -> html.Div:
    """A plain sentence on the page (empty store, no data, no run, a failed read)."""
    return html.Div(text, className=f"message {kind}")


def table(frame: pl.DataFrame, *, digits: int = 2, max_rows: int = 30) -> html.Table | html.Div:
    """Render a small frame as an HTML table (floats rounded for reading, not for use)."""
    if frame.is_empty():
        return message("nothing to list")
    head = html.Thead(html.Tr([html.Th(c) for c in frame.columns]))
    rows = [
        html.Tr([html.Td(_cell(v, digits)) for v in row])
        for row in frame.head(max_rows).iter_rows()
    ]
    return html.Table([head, html.Tbody(rows)], className="table")


def level_marks(analysis: Analysis, *, limit: int = 12) -> list[Mark]:
    """The strongest key levels of the analysis as chart marks (strongest first)."""
    ranked = sorted(analysis.levels.levels, key=lambda lv: lv.strength, reverse=True)[:limit]
    return [
        Mark(
            price=lv.price,
            label=f"{lv.kind.value.replace('_', ' ')} {'★' * stars(lv.strength)}",
            color=_LEVEL_COLORS.get(lv.kind, "#555555"),
        )
        for lv in ranked
    ]


def levels_frame(analysis: Analysis) -> pl.DataFrame:
    """Every key level as rows: timeframe, kind, price, zone, strength, stars, conviction."""
    rows = [
        {
            "timeframe": lv.timeframe.value,
            "kind": lv.kind.value,
            "price": lv.price,
            "low": lv.low,
            "high": lv.high,
            "strength": lv.strength,
            "stars": "★" * stars(lv.strength),
            "conviction": lv.conviction,
            "distance_pct": (lv.price / analysis.snapshot.spot - 1.0) * 100.0,
        }
        for lv in analysis.levels.levels
    ]
    schema = {
        "timeframe": pl.String(),
        "kind": pl.String(),
        "price": pl.Float64(),
        "low": pl.Float64(),
        "high": pl.Float64(),
        "strength": pl.Float64(),
        "stars": pl.String(),
        "conviction": pl.Float64(),
        "distance_pct": pl.Float64(),
    }
    return pl.DataFrame(rows, schema=schema)


def _cell(value: object, digits: int) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        if abs(value) >= 1e6:
            return f"{value:,.3g}"
        return f"{value:,.{digits}f}"
    if isinstance(value, dt.datetime):
        return f"{value.astimezone(ET):%Y-%m-%d %H:%M:%S} ET"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def money(value: float | None) -> str:
    """Format dollars with a magnitude suffix.

    Examples
    --------
    >>> money(-38_734_036_019.0), money(1_250_000.0), money(None)
    ('-$38.73bn', '$1.25m', 'n/a')
    """
    if value is None or math.isnan(value):
        return "n/a"
    sign = "-" if value < 0 else ""
    v = abs(value)
    for size, suffix in ((1e12, "tn"), (1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if v >= size:
            return f"{sign}${v / size:,.2f}{suffix}"
    return f"{sign}${v:,.2f}"


def stat(label: str, value: str, note: str = "") -> html.Div:
    """One headline number with its label (and units or a caveat underneath)."""
    return html.Div(
        [
            html.Div(label, className="stat-label"),
            html.Div(value, className="stat-value"),
            html.Div(note, className="stat-note"),
        ],
        className="stat",
    )


def run_panel(
    written_at: dt.datetime, now: dt.datetime, title: str, panel_id: str, children: Sequence[Any]
) -> html.Section:
    """A panel whose data comes from a replay run folder (its age is the run's write time; a
    finished run is history, never stale)."""
    return panel(title, panel_id, written_at, now, math.inf, children)
