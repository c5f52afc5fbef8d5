"""Volatility view: where vol sensitivity sits and how the surface looks (VRI, term, skew, rank)."""

from __future__ import annotations

from typing import Any

from dash import html

from eots.dashboard.figures import Series, smile_chart, strike_chart, term_chart
from eots.dashboard.views.common import ViewContext, analysis_panel, graph, message, stat
from eots.market.estimate import Estimate

SMILE_EXPIRIES = 4


def render(ctx: ViewContext) -> list[Any]:
    """Return the volatility view's panels."""
    a = ctx.analysis
    frame, spot, pct, label = a.strike_metrics, ctx.spot, ctx.strike_pct, a.scope.label
    vri = strike_chart(
        frame,
        [Series(column="vri", label="VRI")],
        title=f"VRI by strike ({label})",
        y_title="VRI",
        spot=spot,
        pct=pct,
    )
    vri2 = strike_chart(
        frame,
        [Series(column="vri_2_0", label="VRI 2.0", color="#9467bd")],
        title=f"VRI 2.0 by strike ({label})",
        y_title="VRI 2.0",
        spot=spot,
        pct=pct,
    )
    in_scope = a.contracts.filter(a.scope.mask(a.session))
    smile = smile_chart(
        in_scope,
        spot,
        pct,
        expiries=SMILE_EXPIRIES,
        title=f"Skew: OTM IV by strike, nearest {SMILE_EXPIRIES} expiries ({label})",
    )
    context = a.history.context
    panels = [
        analysis_panel(ctx, "VRI", "vri", [graph("vri", vri)]),
        analysis_panel(ctx, "VRI 2.0", "vri2", [graph("vri_2_0", vri2)]),
        analysis_panel(ctx, "Skew", "skew", [graph("skew", smile)]),
    ]
    if context is None or context.term_structure.is_empty():
        panels.append(
            analysis_panel(
                ctx, "Term structure", "term", [message("no term structure (no stored history)")]
            )
        )
    else:
        term = term_chart(context.term_structure, a.as_of, title="ATM IV term structure")
        panels.append(analysis_panel(ctx, "Term structure", "term", [graph("term", term)]))
    if context is not None:
        stats = [
            _estimate("ATM IV (30d)", context.atm_iv, pct_points=True),
            _estimate("IV / its average", context.iv_ratio),
            _estimate("IV rank", context.iv_rank, pct_points=True),
            _estimate("IV percentile", context.iv_percentile, pct_points=True),
        ]
        panels.append(
            analysis_panel(ctx, "IV rank", "iv-rank", [html.Div(stats, className="stats")])
        )
    return panels


def _estimate(label: str, e: Estimate, *, pct_points: bool = False) -> html.Div:
    value = f"{e.value * 100:.1f}" if pct_points else f"{e.value:.2f}"
    state = "" if e.sufficient else " (thin history)"
    return stat(
        label, value + state, f"{e.n_obs} of {e.required} obs · {e.source} {e.note}".strip()
    )
