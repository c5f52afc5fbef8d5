"""Structure view: where dealer positioning concentrates (MSPI, SDAG methods, SAI/SSI, levels)."""

from __future__ import annotations

from typing import Any

import polars as pl

from eots.dashboard.figures import Series, strike_chart
from eots.dashboard.views.common import (
    ViewContext,
    analysis_panel,
    graph,
    level_marks,
    levels_frame,
    message,
    table,
)

SDAG_METHODS = (
    ("sdag_multiplicative", "multiplicative"),
    ("sdag_directional", "directional"),
    ("sdag_weighted", "weighted"),
    ("sdag_volatility_focused", "volatility focused"),
    ("e_sdag_composite", "E-SDAG composite"),
)


def render(ctx: ViewContext) -> list[Any]:
    """Return the structure view's panels."""
    a = ctx.analysis
    frame, spot, pct, label = a.strike_metrics, ctx.spot, ctx.strike_pct, a.scope.label
    marks = level_marks(a)
    mspi = strike_chart(
        frame,
        [Series(column="mspi", label="MSPI")],
        title=f"MSPI by strike ({label})",
        y_title="MSPI (weighted normalised components)",
        spot=spot,
        pct=pct,
        marks=marks,
    )
    sdag = strike_chart(
        frame,
        [Series(column=c, label=n, kind="line") for c, n in SDAG_METHODS],
        title=f"SDAG methods by strike ({label})",
        y_title="SDAG (shares)",
        spot=spot,
        pct=pct,
        marks=marks,
    )
    sai_ssi = strike_chart(
        frame,
        [
            Series(column="sai", label="SAI", kind="line"),
            Series(column="ssi", label="SSI", kind="line"),
        ],
        title=f"SAI and SSI by strike ({label})",
        y_title="index (-1..1)",
        spot=spot,
        pct=pct,
    )
    levels = levels_frame(a).sort("timeframe", "price")
    clusters = _clusters(a.levels.levels)
    return [
        analysis_panel(ctx, "MSPI", "mspi", [graph("mspi", mspi)]),
        analysis_panel(ctx, "SDAG methods", "sdag", [graph("sdag", sdag)]),
        analysis_panel(ctx, "SAI / SSI", "sai-ssi", [graph("sai_ssi", sai_ssi)]),
        analysis_panel(
            ctx,
            "Key levels by timeframe",
            "levels",
            [
                message(
                    f"MSPI threshold {a.levels.mspi_threshold:.3f}; high-conviction "
                    f"threshold {a.levels.conviction_threshold:.2f}"
                ),
                table(levels.drop("low", "high"), max_rows=60),
            ],
        ),
        analysis_panel(
            ctx,
            "Clusters",
            "clusters",
            [table(clusters) if clusters.height else message("no clusters")],
        ),
        analysis_panel(
            ctx,
            "How the levels were found",
            "level-notes",
            [message(n) for n in a.levels.notes] or [message("no fallbacks taken")],
        ),
    ]


def _clusters(levels: Any) -> pl.DataFrame:
    rows = [
        {
            "price": lv.price,
            "low": lv.low,
            "high": lv.high,
            "timeframe": lv.timeframe.value,
            "strength": lv.strength,
            "conviction": lv.conviction,
            **{k: v for k, v in lv.evidence if k in ("members", "kinds", "timeframes")},
        }
        for lv in levels
        if lv.kind.value == "cluster"
    ]
    return pl.DataFrame(rows) if rows else pl.DataFrame()
