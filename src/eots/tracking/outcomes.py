"""Per-idea outcomes: P&L under each fill model, R multiple, excursions, times to target/stop.

For one unit of the structure (``eots.tracking.model`` money convention)::

    pnl_<model>  = sum over exits (fraction x exit value) - entry cost      $, per fill model
    r_multiple   = pnl_bidask / risk,  risk = |max_loss| of the idea        (None if risk is 0)
    mfe, mae     = max / min of the bid/ask P&L if closed at each mark (and at the exit)
    minutes_*    = from the entry fill to the exit / the first target or stop trigger

``outcomes_frame`` turns outcomes into the ``OUTCOME_SCHEMA`` frame the replay writes to
``outcomes.parquet``. ``evidence`` turns one outcome into the learning rule's observations: a win
is ``pnl_bidask > 0``; each signal family behind the idea is credited with it.

The conviction components are scored on **discordant pairs**, so that a component without
information scores 0.5 whatever the win rate and however its values are spread. Outcomes are
paired in the order they are scored, disjointly (the 1st with the 2nd, the 3rd with the 4th, ...);
a pair of one win and one loss gives each component present in both ideas one observation, a hit
when its value was higher on the win than on the loss (equal values: no observation), as in a
Mann-Whitney / concordance count. The earlier rule ("right when >= 0.5 on a win, < 0.5 on a loss")
has null rate ``q h + (1 - q)(1 - h)`` for a win rate ``q`` and a share ``h`` of high values: with
bid/ask fills ``q`` is below 0.5, so a component that is mostly low looked right without telling
anything (the conviction mapping drifted 2.16 % in 40 simulated sessions without dealer feedback).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import polars as pl

from eots.ideas.model import TradeIdea
from eots.signals.model import SignalFamily
from eots.tracking.book import Position
from eots.tracking.learning import CONVICTION_COMPONENTS
from eots.tracking.model import EvidenceItem, IdeaOutcome, MarkRow, WeightGroup

_UTC = pl.Datetime("us", "UTC")

#: One row per closed recommendation (``outcomes.parquet``).
OUTCOME_SCHEMA = pl.Schema(
    {
        "idea_id": pl.String(),
        "underlying": pl.String(),
        "strategy": pl.String(),
        "direction": pl.String(),
        "stars": pl.Int8(),
        "conviction": pl.Float64(),
        "signals": pl.List(pl.String()),
        "regime": pl.String(),
        "ts_entry": _UTC,
        "ts_exit": _UTC,
        "exit_reason": pl.String(),
        "pnl_bidask": pl.Float64(),
        "pnl_mid": pl.Float64(),
        "pnl_spread_fraction": pl.Float64(),
        "risk": pl.Float64(),
        "r_multiple": pl.Float64(),
        "mfe": pl.Float64(),
        "mae": pl.Float64(),
        "minutes_held": pl.Float64(),
        "minutes_to_target": pl.Float64(),
        "minutes_to_stop": pl.Float64(),
    }
)


def _minutes(start: dt.datetime, end: dt.datetime | None) -> float | None:
    return None if end is None else (end - start).total_seconds() / 60.0


def idea_outcome(position: Position, mark: MarkRow | None = None) -> IdeaOutcome:
    """Return the outcome of an exited position (every part closed).

    ``mark`` is its last mark while open (running excursions); None: the exit alone.

    Raises
    ------
    ValueError
        The position was never filled or is still (partly) open.
    """
    p, idea = position, position.idea
    if p.entry is None or p.ts_entry is None or p.ts_exit is None or p.exit_reason is None:
        raise ValueError(f"idea {idea.idea_id}: expected an exited position, was {p.status}")
    if p.open_fraction > 1e-12:
        raise ValueError(f"idea {idea.idea_id}: {p.open_fraction} of the position is still open")
    pnl = p.realised.bid_ask - p.entry.bid_ask
    risk = abs(idea.max_loss)
    return IdeaOutcome(
        idea_id=idea.idea_id,
        underlying=idea.underlying,
        strategy=idea.strategy.value,
        direction=idea.direction.value,
        stars=idea.stars,
        conviction=idea.conviction,
        signals=idea.signals,
        regime=idea.regime,
        ts_entry=p.ts_entry,
        ts_exit=p.ts_exit,
        exit_reason=p.exit_reason,
        pnl_bidask=pnl,
        pnl_mid=p.realised.mid - p.entry.mid,
        pnl_spread_fraction=p.realised.spread_fraction - p.entry.spread_fraction,
        risk=risk,
        r_multiple=pnl / risk if risk > 0 and math.isfinite(risk) else None,
        mfe=max(pnl, mark.mfe) if mark is not None else pnl,
        mae=min(pnl, mark.mae) if mark is not None else pnl,
        minutes_held=(p.ts_exit - p.ts_entry).total_seconds() / 60.0,
        minutes_to_target=_minutes(p.ts_entry, p.ts_first_target),
        minutes_to_stop=_minutes(p.ts_entry, p.ts_first_stop),
        conviction_components=idea.conviction_components,
    )


def _concordance(outcome: IdeaOutcome, previous: IdeaOutcome | None) -> tuple[EvidenceItem, ...]:
    """Return the conviction components' observations of one discordant pair (module docstring)."""
    if previous is None or (outcome.pnl_bidask > 0) == (previous.pnl_bidask > 0):
        return ()
    win, loss = (outcome, previous) if outcome.pnl_bidask > 0 else (previous, outcome)
    on_loss = dict(loss.conviction_components)
    items = []
    for name, value in win.conviction_components:
        other = on_loss.get(name)
        if name not in CONVICTION_COMPONENTS or other is None or value == other:
            continue
        if not (math.isfinite(value) and math.isfinite(other)):
            continue
        items.append(
            EvidenceItem(
                group=WeightGroup.CONVICTION,
                name=name,
                hit=value > other,
                observed_at=outcome.ts_exit,
            )
        )
    return tuple(items)


def partner(scored: Sequence[IdeaOutcome]) -> IdeaOutcome | None:
    """Return the outcome the next one scored is paired with: disjoint pairs in scoring order.

    ``scored`` are the outcomes scored so far, oldest first; the next is the second of a pair
    (and its partner the last one) when an odd number were scored, else the first (None).
    """
    return scored[-1] if len(scored) % 2 else None


def evidence(
    idea: TradeIdea, outcome: IdeaOutcome, previous: IdeaOutcome | None = None
) -> tuple[EvidenceItem, ...]:
    """Return the learning observations one outcome gives (module docstring).

    Parameters
    ----------
    idea
        The closed idea (its signals name the families credited with the outcome).
    outcome
        Its outcome.
    previous
        The outcome it is paired with for the conviction components (the one scored just
        before it when it is the second of a pair), or None: no conviction evidence.
    """
    win = outcome.pnl_bidask > 0
    families = {f.value for f in SignalFamily}
    named = sorted({s.split(".", 1)[0] for s in idea.signals} & families)
    items = [
        EvidenceItem(group=WeightGroup.SIGNAL_FAMILY, name=f, hit=win, observed_at=outcome.ts_exit)
        for f in named
    ]
    return (*items, *_concordance(outcome, previous))


def outcomes_frame(outcomes: Sequence[IdeaOutcome]) -> pl.DataFrame:
    """Return the outcomes as an ``OUTCOME_SCHEMA`` frame (one row each, in order)."""
    rows = {name: [getattr(o, name) for o in outcomes] for name in OUTCOME_SCHEMA.names()}
    rows["signals"] = [list(o.signals) for o in outcomes]
    rows["exit_reason"] = [o.exit_reason.value for o in outcomes]
    return pl.DataFrame(rows, schema=OUTCOME_SCHEMA)


__all__ = ["OUTCOME_SCHEMA", "evidence", "idea_outcome", "outcomes_frame", "partner"]
