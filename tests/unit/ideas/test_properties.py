"""Invariants of every idea, over random integrated views and times of day (hypothesis)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from eots.core.types import Settlement
from eots.ideas import IdeaParams, trade_ideas
from eots.ideas.payoff import first_expiry, value_at
from unit.ideas.test_generate import SPOT, STRIKES, inputs
from unit.ideas.world import et, flat_chain

SERIES = (
    ("SPXW", dt.date(2024, 4, 1), Settlement.PM),
    ("SPXW", dt.date(2024, 4, 2), Settlement.PM),
    ("SPXW", dt.date(2024, 4, 5), Settlement.PM),
    ("SPXW", dt.date(2024, 4, 8), Settlement.PM),
)
CHAINS = {
    minute: flat_chain(
        spot=SPOT,
        as_of=et(2024, 4, 1, 9, 30) + dt.timedelta(minutes=minute),
        series=SERIES,
        strikes=STRIKES,
    )
    for minute in (5, 60, 200, 330, 370)
}


@settings(max_examples=40, deadline=None)
@given(
    st.floats(-1.0, 1.0),
    st.floats(-1.0, 1.0),
    st.floats(0.0, 1.0),
    st.sampled_from([None, 4990.0, 5000.0, 5015.0]),
    st.sampled_from(sorted(CHAINS)),
)
def test_every_idea_is_placeable_and_consistent(d, v, p, pin, minute) -> None:  # type: ignore[no-untyped-def]
    at = et(2024, 4, 1, 9, 30) + dt.timedelta(minutes=minute)
    report = trade_ideas(
        inputs(at, direction=d, volatility=v, decay=p, pin=pin, chain=CHAINS[minute]),
        IdeaParams(),
    )
    assert len(report.ideas) <= IdeaParams().max_ideas
    for idea in report.ideas:
        for g in idea.legs:
            assert g.bid > 0
            assert g.ask >= g.bid
        net = sum(g.quantity * 100 * (g.ask if g.quantity > 0 else g.bid) for g in idea.legs)
        assert math.isclose(idea.price.net, net, abs_tol=1e-6)
        expiry = first_expiry(idea.legs)
        assert idea.horizon_end <= expiry
        assert idea.ts_event < idea.horizon_end
        if idea.breakevens:
            at_be = value_at(idea.legs, np.array(idea.breakevens), expiry, 0.04) - net
            assert np.abs(at_be).max() < 0.05
        assert idea.position.target > idea.price.net
        assert idea.position.stop < idea.price.net
        if idea.price.net > 0 and math.isfinite(idea.max_loss):
            assert idea.max_loss <= idea.price.net + 1.0  # + grid error of calendars
        assert idea.pop is None or 0.0 <= idea.pop <= 1.0
        assert 0.0 <= idea.conviction <= 1.0
        assert idea.conviction >= IdeaParams().min_conviction
        assert idea.size >= 1
        assert idea.size * min(idea.max_loss, 1e12) <= 250_000 * 0.02 + 1e-6
