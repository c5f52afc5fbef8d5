"""The charts of a single analysis (``eots analyze FILE --html OUT``): one snapshot's structure."""

from __future__ import annotations

import math

import plotly.graph_objects as go
import polars as pl

from eots.pipeline import Analysis
from eots.report.page import Section
from eots.report.run_figures import KIND_COLOURS

_LAYOUT = {
    "template": "plotly_white",
    "height": 420,
    "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
}
NEAR_SPOT = 0.05  # strikes within +-5 % of spot


def _vline(fig: go.Figure, x: float | None, label: str, colour: str, dash: str = "dash") -> None:
    if x is not None and math.isfinite(x):
        fig.add_vline(
            x=x,
            line={"color": colour, "dash": dash, "width": 1.5},
            annotation={"text": label, "font": {"color": colour, "size": 11}},
        )


def _near(frame: pl.DataFrame, spot: float) -> pl.DataFrame:
    return frame.filter((pl.col("strike") - spot).abs() <= NEAR_SPOT * spot).sort("strike")


def _mark_structure(fig: go.Figure, a: Analysis) -> None:
    _vline(fig, a.snapshot.spot, "spot", "#1d2330", "solid")
    _vline(fig, a.walls.call_wall_strike, "call wall", KIND_COLOURS["call_wall"])
    _vline(fig, a.walls.put_wall_strike, "put wall", KIND_COLOURS["put_wall"])
    _vline(fig, a.zero_gamma.nearest, "flip", KIND_COLOURS["zero_gamma"], "dot")


def gex_by_strike(a: Analysis) -> Section:
    """Call, put and net GEX by strike near spot with walls and the flip marked."""
    question = "Where is dealer gamma concentrated?"
    caption = (
        f"Dealer GEX by strike ($ per 1% move, {a.params.exposures.sign_convention} sign), "
        f"expiry scope {a.scope.label}, strikes within 5% of spot; walls, zero gamma and spot "
        "marked."
    )
    bs = _near(a.by_strike, a.snapshot.spot)
    if bs.height == 0:
        return Section(question=question, caption=caption, figure=None)
    x = bs["strike"].to_list()
    fig = go.Figure(
        [
            go.Bar(x=x, y=bs["call_gex"].to_list(), name="call GEX", marker_color="#a5d6a7"),
            go.Bar(x=x, y=bs["put_gex"].to_list(), name="put GEX", marker_color="#ef9a9a"),
            go.Scatter(
                x=x,
                y=bs["net_gex"].to_list(),
                name="net GEX",
                mode="lines+markers",
                line={"color": "#1d2330"},
            ),
        ]
    )
    _mark_structure(fig, a)
    fig.update_layout(
        **_LAYOUT, barmode="relative", xaxis_title="strike", yaxis_title="$ per 1% move"
    )
    return Section(question=question, caption=caption, figure=fig)


def gamma_profile(a: Analysis) -> Section:
    """Total dealer GEX as a function of hypothetical spot: where it flips sign."""
    question = "If price moves, where does dealer gamma flip from damping to amplifying?"
    caption = (
        "Net dealer GEX ($ per 1% move) re-priced at hypothetical spot levels (each contract's "
        f"own IV and expiry). Zero gamma: {a.zero_gamma.describe(a.snapshot.spot)}."
    )
    p = a.profile
    if len(p.levels) == 0:
        return Section(question=question, caption=caption, figure=None)
    fig = go.Figure(
        go.Scatter(
            x=p.levels.tolist(),
            y=p.net_gex.tolist(),
            mode="lines",
            name="net GEX",
            line={"color": "#1565c0", "width": 2},
            fill="tozeroy",
        )
    )
    fig.add_hline(y=0.0, line={"color": "#999", "width": 1})
    for c in a.zero_gamma.crossings:
        _vline(fig, c, f"flip {c:,.0f}", KIND_COLOURS["zero_gamma"], "dot")
    _vline(fig, a.snapshot.spot, "spot", "#1d2330", "solid")
    fig.update_layout(**_LAYOUT, xaxis_title="hypothetical spot ($)", yaxis_title="$ per 1% move")
    return Section(question=question, caption=caption, figure=fig)


def key_levels(a: Analysis) -> Section:
    """Return the key levels by price, sized by strength, coloured by kind, around spot."""
    question = "Which levels matter, and how strong are they?"
    caption = (
        "Every key level by price (y) and strength (x, 0..1), coloured by kind; hover for "
        "timeframe, conviction and stars. The black line is spot."
    )
    lv = a.levels.to_frame()
    if lv.height == 0:
        return Section(
            question=question, caption=caption, figure=None, empty="no key levels in this analysis"
        )
    fig = go.Figure()
    for (kind,), part in sorted(lv.partition_by("kind", as_dict=True).items()):
        text = [
            f"{tf}, conviction {c:.2f}, {'*' * st}"
            for tf, c, st in zip(part["timeframe"], part["conviction"], part["stars"], strict=True)
        ]
        fig.add_trace(
            go.Bar(
                y=part["price"].to_list(),
                x=part["strength"].to_list(),
                orientation="h",
                name=str(kind),
                marker_color=KIND_COLOURS.get(str(kind), "#90a4ae"),
                text=text,
                hovertemplate="%{y:,.2f}: strength %{x:.2f}<br>%{text}",
                textposition="none",
                width=max(a.snapshot.spot * 0.0008, 0.05),
            )
        )
    fig.add_hline(
        y=a.snapshot.spot, line={"color": "#1d2330", "width": 1.5}, annotation={"text": "spot"}
    )
    fig.update_layout(**_LAYOUT, barmode="overlay", xaxis_title="strength", yaxis_title="price")
    fig.update_layout(height=560)
    return Section(question=question, caption=caption, figure=fig)


def gex_heatmap(a: Analysis) -> Section:
    """Net GEX by strike (rows) and expiry (columns): which expiries carry the gamma."""
    question = "Which expiries carry the gamma at each strike?"
    caption = "Net dealer GEX ($ per 1% move) by strike and expiry, strikes within 5% of spot."
    c = a.contracts.filter(pl.col("exposure_ok"))
    c = _near(c, a.snapshot.spot)
    if c.height == 0:
        return Section(question=question, caption=caption, figure=None)
    wide = (
        c.group_by("strike", "expiry")
        .agg(pl.col("gex_usd_per_pct").sum())
        .with_columns(pl.col("expiry").cast(pl.String))
        .pivot(on="expiry", index="strike", values="gex_usd_per_pct")
        .sort("strike")
    )
    cols = sorted(x for x in wide.columns if x != "strike")
    fig = go.Figure(
        go.Heatmap(
            x=cols,
            y=wide["strike"].to_list(),
            z=wide.select(cols).to_numpy().tolist(),
            colorscale="RdBu",
            zmid=0.0,
            colorbar={"title": "$ / 1%"},
        )
    )
    fig.update_layout(**_LAYOUT, xaxis_title="expiry", yaxis_title="strike", xaxis_type="category")
    return Section(question=question, caption=caption, figure=fig)


def mspi_by_strike(a: Analysis) -> Section:
    """Return the MSPI by strike near spot (support above zero, resistance below)."""
    question = "Where does market-structure pressure point to support or resistance?"
    caption = "MSPI by strike (positive: support, negative: resistance), strikes within 5% of spot."
    sm = a.strike_metrics
    if "mspi" not in sm.columns:
        return Section(question=question, caption=caption, figure=None)
    m = _near(sm.group_by("strike").agg(pl.col("mspi").sum()), a.snapshot.spot).filter(
        pl.col("mspi").is_finite()
    )
    if m.height == 0:
        return Section(
            question=question,
            caption=caption,
            figure=None,
            empty="the MSPI could not be computed for this snapshot",
        )
    v = m["mspi"].to_list()
    fig = go.Figure(
        go.Bar(
            x=m["strike"].to_list(),
            y=v,
            name="MSPI",
            marker_color=["#2e7d32" if x >= 0 else "#c62828" for x in v],
        )
    )
    _mark_structure(fig, a)
    fig.update_layout(**_LAYOUT, xaxis_title="strike", yaxis_title="MSPI")
    return Section(question=question, caption=caption, figure=fig)


def analysis_sections(a: Analysis) -> list[Section]:
    """Every section of the single-analysis page, in reading order."""
    return [gex_by_strike(a), gamma_profile(a), key_levels(a), gex_heatmap(a), mspi_by_strike(a)]


__all__ = [
    "analysis_sections",
    "gamma_profile",
    "gex_by_strike",
    "gex_heatmap",
    "key_levels",
    "mspi_by_strike",
]
