"""JSON form of the ideas (the ``ideas`` list of ``eots analyze --json``).

The symbol is under ``symbol``; ``underlying`` holds the plan on it (entry, target, stop, band).
Non-finite numbers (an unbounded max profit or loss) become the strings ``"inf"`` / ``"-inf"``
so the output is strict JSON; times are ISO 8601 in UTC; dates ISO.
"""

from __future__ import annotations

import math
from typing import Any

from eots.ideas.generate import IdeaReport
from eots.ideas.model import TradeIdea


def _num(x: float) -> float | str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def idea_to_json(idea: TradeIdea) -> dict[str, Any]:
    """Return one idea as a JSON-ready dict (keys of docs/ideas.md)."""
    return {
        "idea_id": idea.idea_id,
        "ts_event": idea.ts_event.isoformat(),
        "symbol": idea.underlying,
        "strategy": idea.strategy.value,
        "direction": idea.direction.value,
        "legs": [
            {
                "root": g.root,
                "expiry": g.expiry.isoformat(),
                "strike": g.strike,
                "right": g.right.value,
                "quantity": g.quantity,
                "bid": g.bid,
                "ask": g.ask,
                "mid": g.mid,
                "iv": g.iv,
                "delta": g.delta,
            }
            for g in idea.legs
        ],
        "price": {
            "net": idea.price.net,
            "side": idea.price.side,
            "fill": idea.price.fill,
            "mid_net": idea.price.mid_net,
        },
        "max_profit": _num(idea.max_profit),
        "max_loss": _num(idea.max_loss),
        "breakevens": list(idea.breakevens),
        "greeks": {
            "delta": idea.greeks.delta,
            "gamma": idea.greeks.gamma,
            "theta": idea.greeks.theta,
            "vega": idea.greeks.vega,
        },
        "underlying": {
            "entry": idea.underlying_plan.entry,
            "target": idea.underlying_plan.target,
            "stop": idea.underlying_plan.stop,
            "band": list(idea.underlying_plan.band) if idea.underlying_plan.band else None,
        },
        "position": {"target": idea.position.target, "stop": idea.position.stop},
        "size": idea.size,
        "conviction": idea.conviction,
        "stars": idea.stars,
        "pop": idea.pop,
        "ev": idea.ev,
        "spread_cost": idea.spread_cost,
        "vehicle": idea.vehicle,
        "rationale": list(idea.rationale),
        "signals": list(idea.signals),
        "horizon_end": idea.horizon_end.isoformat(),
    }


def ideas_to_json(report: IdeaReport) -> list[dict[str, Any]]:
    """Return the report's ideas as a list of JSON-ready dicts, best first."""
    return [idea_to_json(i) for i in report.ideas]
