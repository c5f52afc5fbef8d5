"""Rich rendering of a ``SignalReport``: the standing signals and the integrated view (80 columns).

``render_signals(report)`` returns one renderable: a table of the standing signals (family, name,
score, stars, strike or zone, the claim in words) and below it the integrated scores, the market
and volatility regimes, the weights in force and every resolved conflict.
"""

from __future__ import annotations

import math

from rich import box
from rich.console import Group, RenderableType
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from eots.signals import ClaimKind, Signal, SignalReport

_FAMILY = {"directional": "dir", "volatility": "vol", "time_decay": "decay", "complex": "cplx"}


def _stars(n: int) -> str:
    return "*" * n + "." * (5 - n)


def _where(s: Signal) -> str:
    if s.strike is not None:
        return f"{s.strike:,.0f}"
    if s.zone is not None:
        return f"{s.zone[0]:,.0f}-{s.zone[1]:,.0f}"
    return "chain"


def claim_text(s: Signal) -> str:
    """Return a signal's claim in a few words (``up 30m``, ``vol > 13.0% close``, ...)."""
    c = s.claim
    h = c.horizon.value.replace("next_session", "next")
    if c.kind is ClaimKind.PIN:
        at = c.settles_at.strftime("%H:%M") if c.settles_at else "?"
        return f"pin {c.strike:,.0f}+-{c.distance or 0:.1f} {at}Z"
    if c.kind is ClaimKind.VOLATILITY:
        ref = f"{100 * c.reference:.1f}%" if c.reference is not None else "?"
        return f"vol {'>' if c.direction > 0 else '<'} {ref} {h}"
    return f"{'up' if c.direction > 0 else 'down'} {h}"


_MAX_CONFLICTS = 6


def _num(x: float, signed: bool = True) -> str:
    if not math.isfinite(x):
        return "n/a"
    return f"{x:+.2f}" if signed else f"{x:.2f}"


def render_signals(report: SignalReport) -> RenderableType:
    """Return the signals table and the integration summary as one renderable (<= 80 columns)."""
    table = Table(box=box.SIMPLE, title="signals", title_justify="left", pad_edge=False)
    table.add_column("fam")
    table.add_column("signal", max_width=24, overflow="ellipsis", no_wrap=True)
    table.add_column("score", justify="right")
    table.add_column("stars")
    table.add_column("at", justify="right")
    table.add_column("claim", max_width=24, overflow="ellipsis", no_wrap=True)
    for s in report.signals:
        name = s.name + (" (base)" if s.baseline and not s.name.startswith("base.") else "")
        table.add_row(
            _FAMILY.get(s.family.value, s.family.value),
            escape(name.removeprefix(f"{s.family.value}.")),
            _num(s.score, s.family.value in ("directional", "volatility")),
            _stars(s.stars),
            _where(s),
            escape(claim_text(s)),
        )
    if not report.signals:
        table.add_row("", "none above threshold", "", "", "", "")
    i = report.integration
    lines = [
        Text(
            f"integrated: direction {_num(i.direction_score)}  volatility "
            f"{_num(i.volatility_score)}  time decay {i.time_decay_score:.2f}"
        ),
        Text(f"regime {i.regime}, volatility {i.volatility_regime}; weights ({i.weights_source}):"),
        Text("  " + "  ".join(f"{k} {v:.2f}" for k, v in i.weights.items())),
    ]
    if i.pin_strike is not None:
        lines.append(Text(f"pin strike {i.pin_strike:,.0f}"))
    lines.extend(
        Text(f"conflict: {c.winner} over {c.loser}", overflow="fold")
        for c in i.conflicts[:_MAX_CONFLICTS]
    )
    if len(i.conflicts) > _MAX_CONFLICTS:
        lines.append(Text(f"... and {len(i.conflicts) - _MAX_CONFLICTS} more conflicts (--json)"))
    if report.suppressed:
        lines.append(Text(f"{len(report.suppressed)} signal(s) suppressed by conflicts"))
    lines.extend(Text(f"note: {n}", style="dim", overflow="fold") for n in report.notes)
    return Group(table, *lines)


__all__ = ["claim_text", "render_signals"]
