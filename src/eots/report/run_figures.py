"""The charts of a replay's report, each answering one question a trader asks.

Every function takes the run's frames (``evaluation.RunFrames``) or its ``Evaluation`` and returns
a ``Section`` (its figure is None when the run lacks the data). Times are shown in US/Eastern.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
import polars as pl

from eots.evaluation import Evaluation, RunFrames
from eots.report.page import Section

ET_ZONE = "America/New_York"
KIND_COLOURS = {
    "call_wall": "#2e7d32",
    "put_wall": "#c62828",
    "zero_gamma": "#6a1b9a",
    "vol_trigger": "#ef6c00",
    "abs_gamma": "#1565c0",
    "support": "#66bb6a",
    "resistance": "#ef5350",
    "cluster": "#757575",
}
_LAYOUT = {
    "template": "plotly_white",
    "height": 420,
    "margin": {"l": 60, "r": 20, "t": 30, "b": 50},
}


def et_naive(col: str) -> pl.Expr:
    """Return the UTC time column as US/Eastern wall-clock time (what the axes show)."""
    return pl.col(col).dt.convert_time_zone(ET_ZONE).dt.replace_time_zone(None)


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def _vline(fig: go.Figure, x: float | None, label: str, colour: str, dash: str = "dash") -> None:
    if _finite(x):
        fig.add_vline(
            x=x,
            line={"color": colour, "dash": dash, "width": 1.5},
            annotation={"text": label, "font": {"color": colour, "size": 11}},
        )


def gex_by_strike(run: RunFrames) -> Section:
    """Net GEX by strike at the run's last snapshot, walls, zero gamma and spot marked."""
    question = "Where is dealer gamma concentrated now?"
    caption = (
        "Net dealer GEX by strike ($ per 1% move, classic sign: call GEX +, put GEX -) at the "
        "last snapshot, strikes within 5% of spot. Walls, zero gamma (flip) and spot marked."
    )
    if run.by_strike is None or run.by_strike.height == 0 or run.snapshots.height == 0:
        return Section(
            question=question,
            caption=caption,
            figure=None,
            empty="this run has no by_strike.parquet",
        )
    last = run.snapshots.sort("ts_event").row(-1, named=True)
    bs = run.by_strike.filter(pl.col("snapshot_id") == last["snapshot_id"]).sort("strike")
    if bs.height == 0:
        return Section(
            question=question,
            caption=caption,
            figure=None,
            empty="no strikes stored for the last snapshot",
        )
    gex = bs.get_column("net_gex")
    fig = go.Figure(
        go.Bar(
            x=bs.get_column("strike").to_list(),
            y=gex.to_list(),
            marker_color=["#2e7d32" if v >= 0 else "#c62828" for v in gex.to_list()],
            name="net GEX",
        )
    )
    _vline(fig, last["spot"], "spot", "#1d2330", "solid")
    _vline(fig, last["call_wall"], "call wall", KIND_COLOURS["call_wall"])
    _vline(fig, last["put_wall"], "put wall", KIND_COLOURS["put_wall"])
    _vline(fig, last["zero_gamma"], "flip", KIND_COLOURS["zero_gamma"], "dot")
    fig.update_layout(**_LAYOUT, xaxis_title="strike", yaxis_title="$ per 1% move")
    return Section(question=question, caption=caption, figure=fig)


def price_with_levels(run: RunFrames) -> Section:
    """Candles with the walls, zero gamma and vol trigger as they stood at each snapshot."""
    question = "Where did price trade against the key levels?"
    caption = (
        "The underlying's bars (US/Eastern) with the call wall, put wall, zero gamma and vol "
        "trigger as each snapshot published them (steps), and other levels as dots."
    )
    if run.bars.height == 0:
        return Section(question=question, caption=caption, figure=None, empty="no bars")
    b = run.bars.sort("ts").with_columns(t=et_naive("ts"))
    fig = go.Figure(
        go.Candlestick(
            x=b["t"].to_list(),
            open=b["open"].to_list(),
            high=b["high"].to_list(),
            low=b["low"].to_list(),
            close=b["close"].to_list(),
            name="price",
        )
    )
    s = run.snapshots.sort("ts_event").with_columns(t=et_naive("ts_event"))
    for kind in ("call_wall", "put_wall", "zero_gamma", "vol_trigger"):
        fig.add_trace(
            go.Scatter(
                x=s["t"].to_list(),
                y=s[kind].to_list(),
                mode="lines",
                name=kind,
                line={"shape": "hv", "color": KIND_COLOURS[kind], "width": 1.5},
            )
        )
    other = run.levels.filter(pl.col("kind").is_in(["support", "resistance", "abs_gamma"]))
    for key, part in sorted(other.partition_by("kind", as_dict=True).items()):
        label = str(key[0])
        p = part.with_columns(t=et_naive("ts_event"))
        fig.add_trace(
            go.Scatter(
                x=p["t"].to_list(),
                y=p["price"].to_list(),
                mode="markers",
                name=label,
                marker={"size": 4, "color": KIND_COLOURS.get(label, "#999")},
            )
        )
    fig.update_layout(**_LAYOUT, xaxis_rangeslider_visible=False, yaxis_title="price ($)")
    fig.update_layout(height=520)
    if b.filter(pl.col("interval_minutes") >= 1440).height == 0:
        fig.update_xaxes(
            rangebreaks=[{"bounds": ["sat", "mon"]}, {"bounds": [16, 9.5], "pattern": "hour"}]
        )
    return Section(question=question, caption=caption, figure=fig)


def strike_heatmap(run: RunFrames, column: str, question: str, unit: str) -> Section:
    """Return a strike x time heatmap of one per-strike metric from ``by_strike.parquet``."""
    caption = (
        f"{column} by strike (rows) and snapshot time (columns, US/Eastern), {unit}; strikes "
        "within 5% of spot."
    )
    if run.by_strike is None or run.by_strike.height == 0:
        return Section(
            question=question,
            caption=caption,
            figure=None,
            empty="this run has no by_strike.parquet",
        )
    wide = (
        run.by_strike.with_columns(t=et_naive("ts_event"))
        .pivot(on="t", index="strike", values=column, aggregate_function="first")
        .sort("strike")
    )
    times = [c for c in wide.columns if c != "strike"]
    z = wide.select(times).to_numpy().tolist()
    fig = go.Figure(
        go.Heatmap(
            x=times,
            y=wide["strike"].to_list(),
            z=z,
            colorscale="RdBu",
            zmid=0.0,
            colorbar={"title": unit},
        )
    )
    fig.update_layout(**_LAYOUT, yaxis_title="strike")
    return Section(question=question, caption=caption, figure=fig)


def signal_scores(run: RunFrames) -> Section:
    """Return the integrated direction, volatility and time-decay scores over time."""
    question = "What were the signals saying, and when did they change?"
    caption = (
        "Integrated scores per snapshot: direction (-1 bearish .. +1 bullish), volatility "
        "(-1 contraction .. +1 expansion), time decay / pin pressure (0..1)."
    )
    if run.snapshots.height == 0:
        return Section(question=question, caption=caption, figure=None)
    s = run.snapshots.sort("ts_event").with_columns(t=et_naive("ts_event"))
    fig = go.Figure()
    for col, colour in (
        ("direction_score", "#1565c0"),
        ("volatility_score", "#ef6c00"),
        ("time_decay_score", "#6a1b9a"),
    ):
        fig.add_trace(
            go.Scatter(
                x=s["t"].to_list(),
                y=s[col].to_list(),
                mode="lines",
                name=col,
                line={"color": colour},
            )
        )
    fig.add_hline(y=0.0, line={"color": "#999", "width": 1})
    fig.update_layout(**_LAYOUT, yaxis_range=[-1.05, 1.05], yaxis_title="score")
    return Section(question=question, caption=caption, figure=fig)


def ideas_table(run: RunFrames, limit: int = 200) -> Section:
    """Return the closed ideas with how they ended (first ``limit`` by entry time)."""
    question = "Which ideas were taken, and how did each end?"
    caption = (
        f"Closed ideas (first {limit} by entry), P&L in $ at bid/ask fills and at mid, R = "
        "P&L at bid/ask / maximum loss."
    )
    if run.outcomes.height == 0:
        return Section(
            question=question, caption=caption, figure=None, empty="no closed ideas in this run"
        )
    o = (
        run.outcomes.sort("ts_entry")
        .head(limit)
        .with_columns(
            entry=et_naive("ts_entry").dt.strftime("%m-%d %H:%M"),
            exit=et_naive("ts_exit").dt.strftime("%m-%d %H:%M"),
        )
    )
    cols = {
        "entry": o["entry"].to_list(),
        "strategy": o["strategy"].to_list(),
        "dir": o["direction"].to_list(),
        "stars": o["stars"].to_list(),
        "regime": o["regime"].fill_null("-").to_list(),
        "exit": o["exit"].to_list(),
        "reason": o["exit_reason"].to_list(),
        "P&L b/a": [f"{v:+,.0f}" for v in o["pnl_bidask"].to_list()],
        "P&L mid": [f"{v:+,.0f}" for v in o["pnl_mid"].to_list()],
        "R": [f"{v:+.2f}" for v in o["r_multiple"].to_list()],
    }
    fig = go.Figure(
        go.Table(
            header={"values": list(cols), "fill_color": "#e8ebf3", "align": "left"},
            cells={"values": list(cols.values()), "align": "left", "height": 22},
        )
    )
    fig.update_layout(
        template="plotly_white",
        height=min(600, 80 + 24 * o.height),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
    )
    return Section(question=question, caption=caption, figure=fig)


def equity_curve(ev: Evaluation) -> Section:
    """Cumulative P&L at bid/ask vs at mid, and the random-entry baseline's."""
    question = "Did the ideas make money after paying the spread, and better than random?"
    caption = (
        "Cumulative P&L ($) in exit order: the ideas at bid/ask fills (what a trader gets) and "
        "at mid (what a backtest flatters), and random entries with the same strategies and "
        "sizing at bid/ask."
    )
    if ev.equity.height == 0:
        return Section(
            question=question, caption=caption, figure=None, empty="no closed ideas in this run"
        )
    e = ev.equity.with_columns(t=et_naive("ts_exit"))
    fig = go.Figure()
    ideas = e.filter(pl.col("source") == "ideas")
    base = e.filter(pl.col("source") == "baseline")
    for frame, col, name, style in (
        (ideas, "equity_bidask_usd", "ideas at bid/ask", {"color": "#1565c0", "width": 2}),
        (ideas, "equity_mid_usd", "ideas at mid", {"color": "#1565c0", "dash": "dot"}),
        (base, "equity_bidask_usd", "random entries at bid/ask", {"color": "#9e9e9e"}),
    ):
        if frame.height:
            fig.add_trace(
                go.Scatter(
                    x=frame["t"].to_list(),
                    y=frame[col].to_list(),
                    name=name,
                    mode="lines",
                    line={"shape": "hv", **style},
                )
            )
    fig.add_hline(y=0.0, line={"color": "#999", "width": 1})
    fig.update_layout(**_LAYOUT, yaxis_title="$")
    return Section(question=question, caption=caption, figure=fig)


def _ci_trace(  # noqa: PLR0913  (one interval series: name, x, rate and its bounds, colour)
    name: str,
    x: list[str],
    rate: list[float],
    lo: list[float],
    hi: list[float],
    colour: str,
    offset: float = 0.0,
) -> go.Scatter:
    plus = [h - r if _finite(h) and _finite(r) else None for r, h in zip(rate, hi, strict=True)]
    minus = [
        r - lo_ if _finite(lo_) and _finite(r) else None for r, lo_ in zip(rate, lo, strict=True)
    ]
    return go.Scatter(
        x=x,
        y=rate,
        name=name,
        mode="markers",
        marker={"size": 10, "color": colour},
        error_y={"type": "data", "array": plus, "arrayminus": minus, "visible": True},
        offsetgroup=str(offset),
    )


def level_evaluation(ev: Evaluation) -> Section:
    """Hold rate per level kind with its 95 % interval beside the random-level baseline."""
    question = "Did the levels hold better than random prices at the same distance?"
    caption = (
        "Share of tested levels that held (touched within 0.1 ATR, no bar close beyond by more "
        "than 0.25 ATR; defaults), 95% Wilson intervals, n under each kind; grey: random levels "
        "at the same distance from spot."
    )
    lv = ev.levels.filter(pl.col("hold_n") > 0)
    if lv.height == 0:
        return Section(
            question=question, caption=caption, figure=None, empty="no level was tested in this run"
        )
    x = [f"{k} (n={n})" for k, n in zip(lv["kind"], lv["hold_n"], strict=True)]
    fig = go.Figure(
        [
            _ci_trace(
                "levels",
                x,
                lv["hold_rate"].to_list(),
                lv["hold_low"].to_list(),
                lv["hold_high"].to_list(),
                "#1565c0",
            ),
            _ci_trace(
                "random levels",
                x,
                lv["baseline_rate"].to_list(),
                lv["baseline_low"].to_list(),
                lv["baseline_high"].to_list(),
                "#9e9e9e",
                1,
            ),
        ]
    )
    fig.update_layout(
        **_LAYOUT,
        yaxis_range=[0, 1.02],
        yaxis_tickformat=".0%",
        scattermode="group",
        yaxis_title="held when tested",
    )
    return Section(question=question, caption=caption, figure=fig)


def signal_evaluation(ev: Evaluation) -> Section:
    """Hit rate per signal cell with its interval, beside the unconditional rate."""
    question = "Which signals were right more often than chance?"
    caption = (
        "Hit rate per family / claim / horizon / stars with 95% Wilson intervals; grey: the "
        "unconditional rate of the same claim over the same snapshots. q = Benjamini-Hochberg."
    )
    s = ev.signals.filter(pl.col("hit_n") > 0)
    if s.height == 0:
        return Section(
            question=question,
            caption=caption,
            figure=None,
            empty="no signal could be scored in this run",
        )
    x = [
        f"{f}/{c} {h} {st}* (n={n}, q={q:.2f})" if _finite(q) else f"{f}/{c} {h} {st}* (n={n})"
        for f, c, h, st, n, q in zip(
            s["family"],
            s["claim_kind"],
            s["horizon"],
            s["stars"],
            s["hit_n"],
            s["q_value"],
            strict=True,
        )
    ]
    base = s["baseline_rate"].to_list()
    fig = go.Figure(
        [
            _ci_trace(
                "signals",
                x,
                s["hit_rate"].to_list(),
                s["hit_low"].to_list(),
                s["hit_high"].to_list(),
                "#1565c0",
            ),
            go.Scatter(
                x=x,
                y=base,
                name="unconditional rate",
                mode="markers",
                marker={
                    "symbol": "line-ew-open",
                    "size": 18,
                    "color": "#616161",
                    "line": {"width": 3},
                },
            ),
        ]
    )
    fig.update_layout(
        **_LAYOUT, yaxis_range=[0, 1.02], yaxis_tickformat=".0%", yaxis_title="hit rate"
    )
    fig.update_layout(height=480, margin={"b": 160})
    return Section(question=question, caption=caption, figure=fig)


def idea_evaluation(ev: Evaluation) -> Section:
    """Average R per strategy with its interval, ideas vs random entries."""
    question = "Which strategies earned their risk, compared with random entries?"
    caption = (
        "Average R (P&L at bid/ask / max loss) per strategy with 95% t intervals; grey: random "
        "entries with the same strategy and sizing."
    )
    t = ev.ideas.filter(pl.col("dimension").is_in(["all", "strategy"]))
    if t.height == 0:
        return Section(
            question=question, caption=caption, figure=None, empty="no closed ideas in this run"
        )
    fig = go.Figure()
    for source, colour in (("ideas", "#1565c0"), ("baseline", "#9e9e9e")):
        p = t.filter(pl.col("source") == source)
        if p.height == 0:
            continue
        x = [str(g) for g in p["group"].to_list()]
        fig.add_trace(
            _ci_trace(
                "ideas" if source == "ideas" else "random entries",
                x,
                p["avg_r"].to_list(),
                p["r_low"].to_list(),
                p["r_high"].to_list(),
                colour,
                0 if source == "ideas" else 1,
            )
        )
    fig.add_hline(y=0.0, line={"color": "#999", "width": 1})
    fig.update_layout(**_LAYOUT, scattermode="group", yaxis_title="average R")
    return Section(question=question, caption=caption, figure=fig)


def gamma_vol(ev: Evaluation) -> Section:
    """Realised vol of bars above vs below zero gamma."""
    question = "Is the market calmer above the gamma flip than below it?"
    caption = (
        "Annualised realised volatility of the bars opening above vs below the zero-gamma level "
        "in force at their start, 95% intervals, n bars beside each side."
    )
    g = ev.gamma_vol.filter(pl.col("n_bars") > 0)
    if g.height == 0:
        return Section(
            question=question,
            caption=caption,
            figure=None,
            empty="no bar could be classed against a zero-gamma level",
        )
    x = [f"{s} (n={n})" for s, n in zip(g["side"], g["n_bars"], strict=True)]
    fig = go.Figure(
        _ci_trace(
            "realised vol",
            x,
            g["rv_annual"].to_list(),
            g["rv_low"].to_list(),
            g["rv_high"].to_list(),
            "#6a1b9a",
        )
    )
    fig.update_layout(
        **_LAYOUT, yaxis_tickformat=".0%", yaxis_title="annualised RV", yaxis_rangemode="tozero"
    )
    return Section(question=question, caption=caption, figure=fig)


def weight_paths(run: RunFrames) -> Section:
    """Each learned weight's value after every logged update."""
    question = "How did the learned weights move, and on what evidence?"
    caption = (
        "Each weight after every logged update (steps); hover shows the evidence (n, hit rate "
        "and its 95% interval) that justified the change."
    )
    if run.weights.height == 0:
        return Section(
            question=question,
            caption=caption,
            figure=None,
            empty="no weight updates logged in this run",
        )
    fig = go.Figure()
    w = run.weights.sort("ts_event").with_columns(t=et_naive("ts_event"))
    for (name,), part in sorted(w.partition_by("name", as_dict=True).items()):
        text = [
            f"n={n}, hit {h:.0%} [{lo:.0%}-{hi:.0%}]"
            if _finite(h) and _finite(lo) and _finite(hi)
            else f"n={n}"
            for n, h, lo, hi in zip(
                part["n"], part["hit_rate"], part["ci_low"], part["ci_high"], strict=True
            )
        ]
        fig.add_trace(
            go.Scatter(
                x=part["t"].to_list(),
                y=part["new"].to_list(),
                name=str(name),
                mode="lines+markers",
                line={"shape": "hv"},
                text=text,
                hovertemplate="%{y:.3f}<br>%{text}",
            )
        )
    fig.update_layout(**_LAYOUT, yaxis_title="weight")
    return Section(question=question, caption=caption, figure=fig)


def run_sections(run: RunFrames, ev: Evaluation) -> list[Section]:
    """Every section of the run report, in reading order."""
    return [
        gex_by_strike(run),
        price_with_levels(run),
        strike_heatmap(
            run,
            "net_gex",
            "How did dealer gamma by strike change through the run?",
            "$ per 1% move",
        ),
        strike_heatmap(
            run, "mspi", "Where did the MSPI (market structure pressure) build?", "MSPI"
        ),
        signal_scores(run),
        ideas_table(run),
        equity_curve(ev),
        level_evaluation(ev),
        gamma_vol(ev),
        signal_evaluation(ev),
        idea_evaluation(ev),
        weight_paths(run),
    ]


__all__ = [
    "KIND_COLOURS",
    "equity_curve",
    "et_naive",
    "gamma_vol",
    "gex_by_strike",
    "idea_evaluation",
    "ideas_table",
    "level_evaluation",
    "price_with_levels",
    "run_sections",
    "signal_evaluation",
    "signal_scores",
    "strike_heatmap",
    "weight_paths",
]
