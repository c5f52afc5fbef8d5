"""Rich rendering of trade ideas for the terminal (80 columns).

Each idea: a header line (stars, strategy, direction, vehicle, conviction, size), a legs table
(quantity, root, expiry, strike, right, bid/ask, IV, delta), the price and payoff line, PoP/EV,
the plans on the underlying and the position, and the rationale. Skipped steps follow.
"""

from __future__ import annotations

import math

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from eots.core.time import ET
from eots.ideas import IdeaReport, TradeIdea


def _usd(x: float) -> str:
    if math.isinf(x):
        return "unlimited"
    return f"${x:,.0f}"


def _legs(idea: TradeIdea) -> Table:
    t = Table(box=box.SIMPLE, pad_edge=False, show_edge=False, width=78)
    for name, justify in (
        ("qty", "right"),
        ("root", "left"),
        ("expiry", "left"),
        ("strike", "right"),
        ("C/P", "center"),
        ("bid", "right"),
        ("ask", "right"),
        ("IV", "right"),
        ("delta", "right"),
    ):
        t.add_column(name, justify=justify)  # type: ignore[arg-type]
    for g in idea.legs:
        t.add_row(
            f"{g.quantity:+d}",
            g.root,
            g.expiry.isoformat(),
            f"{g.strike:,.2f}".rstrip("0").rstrip("."),
            g.right.value,
            f"{g.bid:,.2f}",
            f"{g.ask:,.2f}",
            f"{g.iv:.1%}",
            f"{g.delta:+.2f}",
        )
    return t


def _idea(idea: TradeIdea) -> RenderableType:
    stars = "*" * idea.stars + "." * (5 - idea.stars)
    head = Text.assemble(
        (f"{stars} ", "bold yellow"),
        (f"{idea.strategy.value.replace('_', ' ')}", "bold"),
        f" ({idea.direction.value})  {idea.vehicle}",
    )
    p = idea.price
    be = ", ".join(f"{b:,.2f}" for b in idea.breakevens) or "none"
    pop = f"{idea.pop:.0%}" if idea.pop is not None else "n/a"
    ev = f"{idea.ev:+,.0f}" if idea.ev is not None else "n/a"
    u = idea.underlying_plan
    band = f"  band {u.band[0]:,.2f}..{u.band[1]:,.2f}" if u.band else ""
    lines = [
        f"conviction {idea.conviction:.2f}  size {idea.size}  until "
        f"{idea.horizon_end.astimezone(ET):%Y-%m-%d %H:%M} ET",
        f"{p.side} {_usd(abs(p.net))} ({p.fill}; mid {_usd(abs(p.mid_net))})  max profit "
        f"{_usd(idea.max_profit)}  max loss {_usd(idea.max_loss)}",
        f"breakevens {be}  PoP {pop}  EV {ev} (net of {_usd(idea.spread_cost)} spread)",
        f"underlying: entry {u.entry:,.2f}  target {u.target:,.2f}  stop {u.stop:,.2f}{band}",
        f"position: target {_usd(idea.position.target)}  stop {_usd(idea.position.stop)}  "
        f"greeks d {idea.greeks.delta:+,.0f} g {idea.greeks.gamma:+,.1f} "
        f"t {idea.greeks.theta:+,.0f}/d v {idea.greeks.vega:+,.0f}/pt",
    ]
    return Group(
        head, _legs(idea), Text("\n".join(lines), overflow="fold"), _bullets(idea.rationale)
    )


def _bullets(items: tuple[str, ...]) -> Table:
    t = Table.grid(padding=(0, 1))
    t.add_column(width=3, justify="right")
    t.add_column(ratio=1, overflow="fold")
    for item in items:
        t.add_row("-", Text(item, style="dim"))
    return t


def render_ideas(report: IdeaReport) -> RenderableType:
    """Return the report's ideas and skipped steps as one renderable (fits 80 columns)."""
    parts: list[RenderableType] = [Text("Trade ideas", style="bold underline")]
    if not report.ideas:
        parts.append(Text("no ideas for this snapshot", style="italic"))
    parts.extend(_idea(i) for i in report.ideas)
    if report.skipped:
        parts.append(Text("skipped:", style="bold"))
        parts.append(_bullets(report.skipped))
    return Group(*parts)
