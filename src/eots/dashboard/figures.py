"""Plotly figures from the engine's frames: drawing only, no metric math.

Every by-strike chart goes through ``strike_chart``, which applies the strike-range selector and
marks levels; the other builders draw a price path with levels, a term structure, a smile, hit
rates with their intervals and weight paths. Figures are plain Plotly JSON dicts (``Figure``):
``plotly.graph_objects`` validation of shapes costs ~0.1 s per marked level, too slow to redraw
every poll.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl

from eots.core.time import ET

HEIGHT_PX = 330

Figure = dict[str, Any]
_PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b")


@dataclass(frozen=True, slots=True, kw_only=True)
class Series:
    """One column of a by-strike frame drawn as bars or a line."""

    column: str
    label: str
    kind: Literal["bar", "line"] = "bar"
    color: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Mark:
    """A price marked on a chart (spot, a wall, zero gamma, a key level)."""

    price: float
    label: str
    color: str = "#555555"
    dash: Literal["solid", "dot", "dash", "dashdot"] = "dot"


def strike_window(frame: pl.DataFrame, spot: float, pct: float | None) -> pl.DataFrame:
    """Keep the rows with ``|strike / spot - 1| <= pct / 100`` (all rows when ``pct`` is None).

    Examples
    --------
    >>> f = pl.DataFrame({"strike": [90.0, 99.0, 100.0, 104.0, 120.0]})
    >>> strike_window(f, 100.0, 5.0)["strike"].to_list()
    [99.0, 100.0, 104.0]
    """
    if pct is None or "strike" not in frame.columns:
        return frame
    lo, hi = spot * (1 - pct / 100.0), spot * (1 + pct / 100.0)
    return frame.filter(pl.col("strike").is_between(lo, hi))


def strike_chart(
    frame: pl.DataFrame,
    series: Sequence[Series],
    *,
    title: str,
    y_title: str,
    spot: float,
    pct: float | None,
    marks: Sequence[Mark] = (),
) -> Figure:
    """Draw columns of a by-strike frame inside the strike window, with marked prices."""
    shown = strike_window(frame, spot, pct).sort("strike")
    strikes = shown.get_column("strike").to_list() if shown.height else []
    traces: list[dict[str, Any]] = []
    for i, s in enumerate(series):
        if s.column not in shown.columns:
            continue
        values = shown.get_column(s.column).fill_nan(None).to_list()
        color = s.color or _PALETTE[i % len(_PALETTE)]
        if s.kind == "bar":
            traces.append(
                {
                    "type": "bar",
                    "x": strikes,
                    "y": values,
                    "name": s.label,
                    "marker": {"color": color},
                }
            )
        else:
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "x": strikes,
                    "y": values,
                    "name": s.label,
                    "line": {"color": color},
                }
            )
    lo, hi = (min(strikes), max(strikes)) if strikes else (spot, spot)
    shown_marks = [Mark(price=spot, label="spot", color="#000000", dash="solid")]
    shown_marks += [m for m in marks if lo <= m.price <= hi]
    layout = {
        "barmode": "relative",
        "xaxis": {"title": {"text": "strike"}},
        "yaxis": {"title": {"text": y_title}},
        "shapes": [_line(m, vertical=True) for m in shown_marks],
        "annotations": [_label(m, vertical=True) for m in shown_marks],
    }
    return _styled(traces, layout, title)


def price_chart(path: pl.DataFrame, marks: Sequence[Mark], *, title: str) -> Figure:
    """Draw the intraday spot path (ET) with key levels as horizontal lines."""
    times = [t.astimezone(ET).replace(tzinfo=None) for t in path.get_column("ts_event").to_list()]
    spots = path.get_column("spot").to_list()
    traces = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": times,
            "y": spots,
            "name": "spot",
            "line": {"color": "#000000"},
        }
    ]
    shown: list[Mark] = []
    if spots:
        lo, hi = min(spots), max(spots)
        pad = max(hi - lo, hi * 0.004)
        shown = [m for m in marks if lo - 2 * pad <= m.price <= hi + 2 * pad]
    layout = {
        "xaxis": {"title": {"text": "time (ET)"}},
        "yaxis": {"title": {"text": "spot ($)"}},
        "shapes": [_line(m, vertical=False) for m in shown],
        "annotations": [_label(m, vertical=False) for m in shown],
    }
    return _styled(traces, layout, title)


def term_chart(term: pl.DataFrame, as_of: dt.datetime, *, title: str) -> Figure:
    """Draw ATM IV (vol points) by calendar days to expiry (``market.term.TERM_SCHEMA`` rows)."""
    traces = []
    if term.height:
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": "ATM IV",
                "x": (term.get_column("t_years") * 365.0).to_list(),
                "y": (term.get_column("atm_iv") * 100.0).to_list(),
                "text": [str(e) for e in term.get_column("expiry").to_list()],
            }
        )
    layout = {
        "xaxis": {"title": {"text": "days to expiry"}},
        "yaxis": {"title": {"text": "ATM IV (vol points)"}},
    }
    return _styled(traces, layout, f"{title} · {as_of.astimezone(ET):%H:%M} ET")


def smile_chart(
    contracts: pl.DataFrame, spot: float, pct: float | None, *, expiries: int, title: str
) -> Figure:
    """Draw out-of-the-money IV by strike for the nearest ``expiries`` expiries (skew).

    Puts below the expiry's forward, calls at or above it, as priced by the pipeline.
    """
    ok = contracts.filter(pl.col("iv").is_not_nan() & pl.col("iv").is_not_null())
    otm = ok.filter(
        ((pl.col("right") == "P") & (pl.col("strike") < pl.col("forward")))
        | ((pl.col("right") == "C") & (pl.col("strike") >= pl.col("forward")))
    )
    otm = strike_window(otm, spot, pct)
    traces = []
    for expiry in otm.get_column("expiry").unique().sort().head(expiries).to_list():
        rows = otm.filter(pl.col("expiry") == expiry).sort("strike")
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": str(expiry),
                "x": rows.get_column("strike").to_list(),
                "y": (rows.get_column("iv") * 100.0).to_list(),
            }
        )
    spot_mark = Mark(price=spot, label="spot", color="#000000", dash="solid")
    layout = {
        "xaxis": {"title": {"text": "strike"}},
        "yaxis": {"title": {"text": "IV (vol points)"}},
        "shapes": [_line(spot_mark, vertical=True)],
        "annotations": [_label(spot_mark, vertical=True)],
    }
    return _styled(traces, layout, title)


def rate_chart(rates: pl.DataFrame, baseline: float | None, *, title: str) -> Figure:
    """Draw hit rates with their 95 % intervals (``data.RATE_SCHEMA``) and the baseline rate."""
    groups = [f"{g} (n={n})" for g, n in rates.select("group", "n").iter_rows()]
    rate = rates.get_column("hit_rate")
    traces = [
        {
            "type": "bar",
            "x": groups,
            "y": (rate * 100.0).to_list(),
            "name": "hit rate",
            "error_y": {
                "type": "data",
                "symmetric": False,
                "array": ((rates.get_column("ci_high") - rate) * 100.0).to_list(),
                "arrayminus": ((rate - rates.get_column("ci_low")) * 100.0).to_list(),
            },
        }
    ]
    layout: dict[str, Any] = {
        "yaxis": {"title": {"text": "hit rate at bid/ask (%) · 95% Wilson"}, "range": [0, 100]}
    }
    if baseline is not None:
        mark = Mark(
            price=baseline * 100.0, label=f"all ideas {baseline:.0%}", color="#d62728", dash="dash"
        )
        layout["shapes"] = [_line(mark, vertical=False)]
        layout["annotations"] = [_label(mark, vertical=False)]
    return _styled(traces, layout, title)


def weights_chart(weights: pl.DataFrame, *, title: str) -> Figure:
    """Draw each adaptive weight's path (``new`` after each logged change) over time."""
    traces = []
    for (name,), rows in weights.sort("ts_event").group_by("name", maintain_order=True):
        times = [t.astimezone(ET).replace(tzinfo=None) for t in rows.get_column("ts_event")]
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": str(name),
                "x": times,
                "y": rows.get_column("new").to_list(),
            }
        )
    layout = {"xaxis": {"title": {"text": "time (ET)"}}, "yaxis": {"title": {"text": "weight"}}}
    return _styled(traces, layout, title)


def _line(m: Mark, *, vertical: bool) -> dict[str, Any]:
    line = {"color": m.color, "dash": m.dash, "width": 1}
    if vertical:
        return {
            "type": "line",
            "xref": "x",
            "yref": "paper",
            "x0": m.price,
            "x1": m.price,
            "y0": 0,
            "y1": 1,
            "line": line,
        }
    return {
        "type": "line",
        "xref": "paper",
        "yref": "y",
        "x0": 0,
        "x1": 1,
        "y0": m.price,
        "y1": m.price,
        "line": line,
    }


def _label(m: Mark, *, vertical: bool) -> dict[str, Any]:
    common = {"text": m.label, "showarrow": False, "font": {"size": 10, "color": m.color}}
    if vertical:
        return {
            **common,
            "xref": "x",
            "yref": "paper",
            "x": m.price,
            "y": 1.0,
            "textangle": -90,
            "xanchor": "left",
            "yanchor": "top",
        }
    return {**common, "xref": "paper", "yref": "y", "x": 1.0, "y": m.price, "xanchor": "left"}


def _styled(traces: list[dict[str, Any]], layout: dict[str, Any], title: str) -> Figure:
    grid = {"gridcolor": "#eeeeee", "zerolinecolor": "#cccccc"}
    return {
        "data": traces,
        "layout": {
            **layout,
            "xaxis": {**layout.get("xaxis", {}), **grid},
            "yaxis": {**layout.get("yaxis", {}), **grid},
            "title": {"text": title, "font": {"size": 14}},
            "plot_bgcolor": "#ffffff",
            "paper_bgcolor": "#ffffff",
            "height": HEIGHT_PX,
            "margin": {"l": 60, "r": 90, "t": 50, "b": 45},
            "legend": {"orientation": "h", "y": -0.25},
            "uirevision": "keep",  # keeps a trader's zoom across refreshes
        },
    }
