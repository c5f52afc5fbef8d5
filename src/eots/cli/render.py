"""Rich rendering of the report data for the terminal."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table


def _usd(x: float | None) -> str:
    if x is None:
        return "n/a"
    for scale, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(x) >= scale:
            return f"{x / scale:+,.2f}{suffix}"
    return f"{x:+,.0f}"


_SHORT_UNITS = {
    "gex": "GEX $/1%",
    "dex": "DEX $",
    "vanna": "VANNA $/vpt",
    "charm": "CHARM $/day",
}


def render(data: dict[str, Any], console: Console) -> None:
    """Print the analysis summary, levels and top strikes."""
    _render_summary(data, console)
    _render_walls(data["walls"], console)
    _render_top(data["top_strikes"], console)
    _render_levels(data["levels"], data["spot"], console)
    _render_metrics(data["metrics"], console)


def _render_summary(data: dict[str, Any], console: Console) -> None:
    """Print the snapshot, its contracts, coverage, conventions, totals and zero gamma."""
    c = data["contracts"]
    t = data["totals"]
    zg = data["zero_gamma"]
    console.print(
        f"[bold]{escape(data['underlying'])}[/bold]  spot [bold]{data['spot']:,.2f}[/bold]  "
        f"as of {data['as_of_et']} ({data['time_basis']})  session {data['session']}"
    )
    console.print(escape(f"source: {data['source']} [{data['source_format']}]"))
    for warning in data.get("warnings", []):
        console.print(f"[bold yellow]warning:[/bold yellow] {escape(warning)}")
    console.print(
        escape(
            f"contracts: {c['read']} read, {c['live']} live, {c['in_scope']} in scope "
            f"[{data['expiry_scope']}], {c['without_iv']} without IV "
            f"({c['open_interest_without_iv']:,} OI excluded)"
        )
    )
    origins = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in c["iv_origin"].items())
    console.print(escape(f"  IV: {origins}"))
    for d in c["dropped"]:
        console.print(
            escape(
                f"  dropped {d['count']}: {d['reason']}"
                + (f" (e.g. {d['example']})" if d["example"] else "")
            )
        )
    for d in c["flagged"]:
        console.print(escape(f"  flagged {d['count']}: {d['reason']}"))
    cov = data["coverage"]
    style = "bold yellow" if cov["truncated"] else ""
    line = escape(f"coverage: {cov['text']}")
    console.print(f"[{style}]{line}[/{style}]" if style else line)
    conv = data["conventions"]
    console.print(escape(f"sign convention: {conv['sign']}; GEX unit: {conv['gex_unit']}"))
    console.print(
        f"net GEX [bold]{_usd(t['net_gex_usd_per_pct'])}[/bold] per 1% "
        f"(calls {_usd(t['call_gex_usd_per_pct'])}, puts {_usd(t['put_gex_usd_per_pct'])}); "
        f"net DEX {_usd(t['net_dex_usd'])}; vanna {_usd(t['net_vanna_usd_per_vol_pt'])}/vol pt; "
        f"charm {_usd(t['net_charm_usd_per_day'])}/day"
    )
    console.print(f"zero gamma: [bold]{escape(zg['text'])}[/bold]")


def _render_walls(w: dict[str, Any], console: Console) -> None:
    """Print the call wall, put wall and abs gamma with their runners-up."""
    levels = Table(
        title="Gamma levels (runners-up after the first)", box=box.SIMPLE_HEAD, pad_edge=False
    )
    for col in ("level", "strike", "GEX $ per 1%", "runners-up"):
        levels.add_column(col, no_wrap=True)
    for key, label in (
        ("call_wall", "call wall"),
        ("put_wall", "put wall"),
        ("abs_gamma", "abs gamma"),
    ):
        items = w[key]
        if items:
            first = items[0]
            gex = _usd(first["gex_usd_per_pct"])
            if first.get("negligible"):
                gex += f" negligible ({100 * first['share_of_largest']:.2g}% of the largest)"
            levels.add_row(
                label,
                f"{first['strike']:g}",
                gex,
                ", ".join(f"{r['strike']:g}" for r in items[1:] if not r.get("negligible")),
            )
        else:
            levels.add_row(label, "none", "", "")
    console.print(levels)
    if any(r.get("negligible") for key in ("call_wall", "put_wall", "abs_gamma") for r in w[key]):
        console.print(
            f"  negligible: below {100 * w['min_share']:.0f}% of the largest per-strike |net GEX|"
            f" ({_usd(w['largest_strike_gex_usd_per_pct'])}); not a wall"
        )


def _render_top(top_strikes: dict[str, Any], console: Console) -> None:
    """Print the top strikes by |exposure|, one column per exposure."""
    top = Table(
        title="Top strikes by |exposure| (strike  value)", box=box.SIMPLE_HEAD, pad_edge=False
    )
    keys = list(top_strikes)
    for key in keys:
        top.add_column(_SHORT_UNITS.get(key, key), no_wrap=True)
    n = max(len(top_strikes[k]["strikes"]) for k in keys)
    for i in range(n):
        cells: list[str] = []
        for key in keys:
            items = top_strikes[key]["strikes"]
            cells.append(
                f"{items[i]['strike']:>7g} {_fmt(items[i]['value']):>8}" if i < len(items) else ""
            )
        top.add_row(*cells)
    console.print(top)


def _render_levels(levels: dict[str, Any], spot: float, console: Console) -> None:
    table = Table(
        title=f"Key levels nearest spot {spot:,.2f} (conv * = high conviction, "
        f">= {levels['conviction_threshold']:.2f})",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for label in ("price", "kind", "tf", "strength", "conv", "stars", "zone"):
        table.add_column(label, justify="left" if label == "kind" else "right", no_wrap=True)

    def add(level: dict[str, Any]) -> None:
        zone = f"{level['low']:g}-{level['high']:g}" if level["low"] != level["high"] else ""
        mark = "*" if level["high_conviction"] else ""
        table.add_row(
            f"{level['price']:.2f}",
            level["kind"],
            level["timeframe"][0],
            f"{level['strength']:.2f}",
            f"{level['conviction']:.2f}{mark}",
            "*" * level["stars"],
            zone,
        )

    for level in reversed(levels["above_spot"]):
        add(level)
    table.add_section()
    for level in levels["below_spot"]:
        add(level)
    console.print(table)
    console.print(
        "  tf: i intraday, d daily, w weekly, m multi (a cluster spanning timeframes). conv: 0..1,"
        " the weighted mean of the evidence that is informative (metric alignment; history once"
        " outcomes exist; persistence once seen before), 0 = no evidence for the level; stars:"
        " conv >= 0.1/0.3/0.5/0.7/0.9 -> 1..5 (two stars is low, not high). Support/resistance"
        " follow the sign of MSPI at the strike (base system), so either can sit on either side"
        " of spot."
    )
    for note in levels["notes"]:
        console.print(escape(f"  levels: {note}"))


def _fmt(x: float | None) -> str:
    if x is None:
        return "n/a"
    if abs(x) >= 1e3:
        for scale, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
            if abs(x) >= scale:
                return f"{x / scale:+.1f}{suffix}"
    return f"{x:+.0f}" if abs(x) >= 10 else f"{x:+.2f}"


_METRIC_LABELS = {
    "mspi": "MSPI",
    "sai": "SAI",
    "ssi": "SSI",
    "dag_custom": "DAG",
    "sdag_multiplicative": "SDAG",
    "tdpi": "TDPI",
    "vri": "VRI",
    "arfi": "ARFI",
}


def _render_metrics(m: dict[str, Any], console: Console) -> None:
    matter = m["strikes_that_matter"]
    table = Table(
        title=f"Strikes that matter: {matter['ranking'].split(';')[0]} (MSPI weights: "
        f"{m['mspi_weight_set']}; history: {m['history']})",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    rows = matter["rows"]
    cols = [c for c in _METRIC_LABELS if c != "sai" or m.get("sai_constant") is None]
    table.add_column("strike", justify="right", no_wrap=True)
    table.add_column("share", justify="right", no_wrap=True)
    for c in cols:
        table.add_column(_METRIC_LABELS[c], justify="right", no_wrap=True)
    for row in rows:
        table.add_row(
            f"{row['strike']:g}",
            f"{100 * row['gamma_share']:.0f}%",
            *(_fmt(row[c]) for c in cols),
        )
    console.print(table)
    console.print(
        "  units: DAG, SDAG, A-DAG, E-SDAG in delta-shares per $1 of spot; TDPI, D-TDPI in"
        " delta-shares per calendar day; VRI, VRI 2.0 in delta-shares per vol point; MSPI, SAI,"
        " SSI, ARFI dimensionless; k = 1e3, m = 1e6, bn = 1e9. share: the strike's gamma"
        " (|call GEX| + |put GEX|) over the largest strike's. The base system's |MSPI| ranking:"
        " --json metrics.top_by_abs_mspi."
    )
    if m.get("sai_note"):
        console.print(escape(f"  {m['sai_note']}"))
    _render_adaptive(m, console)
    proxies = sorted({n["metric"] for n in m["notes"] if "proxy" in n["note"]})
    if proxies:
        console.print(
            f"flow: no side-classified flow, proxies (greek x volume) used for {', '.join(proxies)}"
            " (see --json metrics.notes)"
        )


def _render_adaptive(m: dict[str, Any], console: Console) -> None:
    table = Table(title="Adaptive metrics at the same strikes", box=box.SIMPLE_HEAD, pad_edge=False)
    labels = ("strike", "A-DAG", "E-SDAG comp", "SDAG conviction", "D-TDPI", "VRI 2.0")
    for label in labels:
        table.add_column(label, justify="right", no_wrap=True)
    for row in m["strikes_that_matter"]["rows"]:
        stars = row.get("sdag_conviction_stars") or 0
        conviction = row["sdag_conviction_score"]
        conv = "n/a" if conviction is None else f"{conviction:.2f} {'*' * int(stars)}"
        table.add_row(
            f"{row['strike']:g}",
            _fmt(row["a_dag"]),
            _fmt(row["e_sdag_composite"]),
            conv,
            _fmt(row["d_tdpi"]),
            _fmt(row["vri_2_0"]),
        )
    console.print(table)
    factors = m["adaptive"]["factors"]
    neutral = sorted({f"{f['metric']}.{f['factor']}" for f in factors if f["neutral"]})
    active = sorted(
        {f"{f['metric']}.{f['factor']}" for f in factors if f["active"] and not f["neutral"]}
    )
    console.print(f"adaptive factors in effect: {', '.join(active) or 'none'}")
    if neutral:
        console.print(f"neutral (no or thin history, or switched off): {', '.join(neutral)}")
