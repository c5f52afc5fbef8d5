"""Main view: where is spot, what are dealers positioned for, which levels are near, what to do.

Spot, the volatility regime, net GEX/DEX with units, zero gamma, walls, the nearest levels with
strength; exposure by strike with levels marked; the session's price path with levels; the
replay run's open ideas and new ones (when a run folder is given).
"""

from __future__ import annotations

from typing import Any

import polars as pl
from dash import html

from eots.core.errors import EotsError
from eots.dashboard import data
from eots.dashboard.figures import Series, price_chart, strike_chart
from eots.dashboard.views.common import (
    NO_RUN,
    ViewContext,
    analysis_panel,
    graph,
    level_marks,
    levels_frame,
    message,
    money,
    stat,
    table,
)
from eots.pipeline import Analysis

NEAREST_LEVELS = 4


def render(ctx: ViewContext) -> list[Any]:
    """Return the main view's panels."""
    a = ctx.analysis
    return [
        analysis_panel(
            ctx,
            f"{a.snapshot.underlying} now · scope {a.scope.label}",
            "summary",
            [html.Div(_stats(a), className="stats"), *_warnings(a)],
        ),
        analysis_panel(ctx, "Nearest key levels", "nearest", [table(_nearest(a))]),
        analysis_panel(
            ctx, "Dealer gamma by strike", "exposure", [graph("exposure", _exposure(ctx))]
        ),
        analysis_panel(ctx, "Intraday price and levels", "price", [graph("price", _price(ctx))]),
        *_ideas(ctx),
    ]


def _stats(a: Analysis) -> list[html.Div]:
    t, w, zg = a.totals, a.walls, a.zero_gamma
    regime = next((f for f in a.adaptive.factors if f.factor == "regime_factor"), None)
    if regime is None or regime.value is None:
        regime_text, regime_note = "n/a", "A-DAG regime factor not reported"
    else:
        regime_text = f"v = {regime.value:.2f}" + (" (neutral)" if regime.neutral else "")
        regime_note = regime.reason
    gamma_side = "dealers long gamma" if t.net_gex > 0 else "dealers short gamma"
    return [
        stat("spot", f"{a.snapshot.spot:,.2f}", f"{a.snapshot.source}"),
        stat("volatility regime", regime_text, regime_note),
        stat("net GEX", money(t.net_gex), f"$ of delta per 1% move · {gamma_side}"),
        stat("net DEX", money(t.net_dex), "$ notional delta"),
        stat(
            "zero gamma",
            f"{zg.nearest:,.2f}" if zg.nearest is not None else "none in band",
            f"band {zg.band[0]:,.0f}–{zg.band[1]:,.0f}",
        ),
        stat("call wall", _strike(w.call_wall_strike), "largest positive net GEX"),
        stat("put wall", _strike(w.put_wall_strike), "most negative net GEX"),
        stat("abs gamma", _strike(w.abs_gamma_strike), "largest call + |put| GEX"),
        stat("contracts", f"{t.contracts_in_scope:,}", f"{t.contracts_without_iv:,} without IV"),
    ]


def _strike(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def _warnings(a: Analysis) -> list[html.Div]:
    return [message(w, "warning") for w in a.warnings]


def _nearest(a: Analysis) -> pl.DataFrame:
    levels = levels_frame(a).with_columns(
        side=pl.when(pl.col("distance_pct") >= 0).then(pl.lit("above")).otherwise(pl.lit("below"))
    )
    above = levels.filter(pl.col("side") == "above").sort("distance_pct").head(NEAREST_LEVELS)
    below = levels.filter(pl.col("side") == "below").sort("distance_pct", descending=True)
    return pl.concat([above.reverse(), below.head(NEAREST_LEVELS)]).select(
        "side", "kind", "timeframe", "price", "distance_pct", "strength", "stars", "conviction"
    )


def _exposure(ctx: ViewContext) -> Any:
    a = ctx.analysis
    return strike_chart(
        a.by_strike,
        [
            Series(column="call_gex", label="call GEX", color="#2ca02c"),
            Series(column="put_gex", label="put GEX", color="#d62728"),
            Series(column="net_gex", label="net GEX", kind="line", color="#000000"),
        ],
        title=f"GEX by strike ({a.scope.label})",
        y_title="$ of delta per 1% move",
        spot=ctx.spot,
        pct=ctx.strike_pct,
        marks=level_marks(a),
    )


def _price(ctx: ViewContext) -> Any:
    return price_chart(
        ctx.spot_path,
        level_marks(ctx.analysis),
        title=f"{ctx.analysis.session} spot with key levels",
    )


def _ideas(ctx: ViewContext) -> list[Any]:
    if not data.has_run(ctx.run_dir) or ctx.run_dir is None:
        return [analysis_panel(ctx, "Recommendations and new ideas", "ideas", [message(NO_RUN)])]
    try:
        ideas = data.ideas_at(ctx.run_dir, ctx.analysis.as_of, ctx.previous_ts)
        signals = data.signals_at(ctx.run_dir, ctx.analysis.as_of)
    except EotsError as e:
        return [
            analysis_panel(
                ctx, "Recommendations and new ideas", "ideas", [message(str(e), "error")]
            )
        ]
    cols = [
        c
        for c in (
            "state",
            "strategy",
            "direction",
            "stars",
            "conviction",
            "ts_entry",
            "ts_exit",
            "exit_reason",
            "pnl_bidask",
            "pnl_mid",
            "r_multiple",
        )
        if c in ideas.columns
    ]
    note = message(
        "P&L is the replay's result at exit (bid/ask fills; mid beside it); an idea still open at "
        "this snapshot shows none until the engine marks open recommendations live."
    )
    return [
        analysis_panel(
            ctx,
            "Active recommendations and new ideas",
            "ideas",
            [
                note,
                table(ideas.select(cols))
                if ideas.height
                else message("no open or new ideas at this snapshot"),
            ],
        ),
        analysis_panel(
            ctx,
            "Signals at this snapshot",
            "signals",
            [table(signals) if signals.height else message("no signals at this snapshot")],
        ),
    ]
