"""Time decay and pinning view: where decay pulls price into expiry (TDPI, CTR, TDFI, charm)."""

from __future__ import annotations

from typing import Any

from eots.dashboard.figures import Series, strike_chart
from eots.dashboard.jobs import Failed, Pending
from eots.dashboard.views.common import ViewContext, analysis_panel, graph, level_marks, message


def render(ctx: ViewContext) -> list[Any]:
    """Return the time-decay view's panels."""
    a = ctx.analysis
    frame, spot, pct, label = a.strike_metrics, ctx.spot, ctx.strike_pct, a.scope.label
    marks = level_marks(a, limit=6)
    tdpi = strike_chart(
        frame,
        [
            Series(column="tdpi", label="TDPI", kind="line"),
            Series(column="d_tdpi", label="D-TDPI", kind="line"),
        ],
        title=f"TDPI and D-TDPI by strike ({label})",
        y_title="TDPI",
        spot=spot,
        pct=pct,
        marks=marks,
    )
    ctr = strike_chart(
        frame,
        [
            Series(column="ctr", label="CTR", kind="line"),
            Series(column="enhanced_ctr", label="enhanced CTR", kind="line"),
        ],
        title=f"CTR by strike ({label})",
        y_title="charm / theta ratio",
        spot=spot,
        pct=pct,
    )
    tdfi = strike_chart(
        frame,
        [
            Series(column="tdfi", label="TDFI", kind="line"),
            Series(column="enhanced_tdfi", label="enhanced TDFI", kind="line"),
        ],
        title=f"TDFI by strike ({label})",
        y_title="TDFI",
        spot=spot,
        pct=pct,
    )
    charm = strike_chart(
        a.by_strike,
        [Series(column="charm", label="charm", color="#8c564b")],
        title=f"Charm by strike ({label})",
        y_title="$ of delta per day",
        spot=spot,
        pct=pct,
        marks=marks,
    )
    return [
        analysis_panel(ctx, "TDPI / D-TDPI", "tdpi", [graph("tdpi", tdpi)]),
        analysis_panel(ctx, "CTR", "ctr", [graph("ctr", ctr)]),
        analysis_panel(ctx, "TDFI", "tdfi", [graph("tdfi", tdfi)]),
        analysis_panel(ctx, "Charm", "charm", [graph("charm", charm)]),
        analysis_panel(ctx, "0DTE: pinning into today's close", "zero-dte", _zero_dte(ctx)),
    ]


def _zero_dte(ctx: ViewContext) -> list[Any]:
    z = ctx.zero_dte
    if isinstance(z, Pending):
        return [message("computing the 0DTE analysis of this snapshot…")]
    if isinstance(z, Failed):
        return [message(f"no 0DTE view for this snapshot: {z.message}", "warning")]
    if z.totals.contracts_in_scope == 0:
        return [message("no 0DTE expiry in this snapshot (nothing settles today)")]
    gex = strike_chart(
        z.by_strike,
        [
            Series(column="net_gex", label="0DTE net GEX"),
            Series(column="charm", label="0DTE charm ($/day)", kind="line"),
        ],
        title="0DTE net GEX and charm by strike",
        y_title="$",
        spot=ctx.spot,
        pct=ctx.strike_pct,
        marks=level_marks(z, limit=6),
    )
    tdpi = strike_chart(
        z.strike_metrics,
        [Series(column="d_tdpi", label="0DTE D-TDPI")],
        title="0DTE D-TDPI by strike",
        y_title="D-TDPI",
        spot=ctx.spot,
        pct=ctx.strike_pct,
    )
    return [graph("zero_dte_gex", gex), graph("zero_dte_tdpi", tdpi)]
