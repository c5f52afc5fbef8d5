"""Flow view: who is trading what, by strike and over rolling windows (flows, DAG/A-DAG, ARFI)."""

from __future__ import annotations

from typing import Any

from dash import html

from eots.dashboard.figures import Series, strike_chart
from eots.dashboard.views.common import ViewContext, analysis_panel, graph, level_marks, message

WINDOWS_MIN = (5, 15, 30, 60)


def render(ctx: ViewContext) -> list[Any]:
    """Return the flow view's panels."""
    a = ctx.analysis
    frame, spot, pct, label = a.strike_metrics, ctx.spot, ctx.strike_pct, a.scope.label
    marks = level_marks(a, limit=6)
    net = strike_chart(
        frame,
        [
            Series(column="net_value_pressure", label="net value pressure ($)"),
            Series(column="net_volume_pressure", label="net volume pressure", kind="line"),
        ],
        title=f"Net flows by strike ({label})",
        y_title="buy - sell",
        spot=spot,
        pct=pct,
        marks=marks,
    )
    volume = strike_chart(
        frame,
        [Series(column=f"volmbs_{w}m", label=f"{w} min", kind="line") for w in WINDOWS_MIN],
        title="Net volume (buys - sells) over rolling windows",
        y_title="contracts",
        spot=spot,
        pct=pct,
    )
    value = strike_chart(
        frame,
        [Series(column=f"valuebs_{w}m", label=f"{w} min", kind="line") for w in WINDOWS_MIN],
        title="Net premium (buys - sells) over rolling windows",
        y_title="$ premium",
        spot=spot,
        pct=pct,
    )
    dag = strike_chart(
        frame,
        [
            Series(column="dag_custom", label="DAG", kind="line"),
            Series(column="a_dag", label="A-DAG", kind="line"),
        ],
        title=f"DAG and A-DAG by strike ({label})",
        y_title="shares",
        spot=spot,
        pct=pct,
        marks=marks,
    )
    arfi = strike_chart(
        frame,
        [Series(column="arfi", label="ARFI")],
        title=f"ARFI by strike ({label})",
        y_title="ARFI",
        spot=spot,
        pct=pct,
    )
    return [
        analysis_panel(ctx, "Flow source", "flow-source", [_coverage(ctx)]),
        analysis_panel(ctx, "Net flows", "net-flows", [graph("net_flows", net)]),
        analysis_panel(
            ctx,
            "Rolling windows",
            "windows",
            [graph("windows_volume", volume), graph("windows_value", value)],
        ),
        analysis_panel(ctx, "DAG / A-DAG", "dag", [graph("dag", dag)]),
        analysis_panel(ctx, "ARFI", "arfi", [graph("arfi", arfi)]),
    ]


def _coverage(ctx: ViewContext) -> html.Div:
    context = ctx.analysis.history.context
    if context is None:
        return message("no stored history: flows use the metrics' documented proxies", "warning")
    cov = context.flow_coverage
    text = f"flows {cov.source}: {cov.n_obs} of {cov.required} increments wanted"
    text += f" ({cov.note})" if cov.note else ""
    return message(text, "info" if cov.sufficient else "warning")
