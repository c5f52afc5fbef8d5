"""Trade ideas on real CBOE snapshots: intraday ones give placeable ideas, after-hours ones none."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from eots.ideas import IdeaInputs, IdeaParams, IdeaReport, trade_ideas
from eots.ideas.payoff import first_expiry, value_at
from eots.pipeline import analyze
from eots.signals.model import SignalIntegration
from eots.sources import load_chain

pytestmark = pytest.mark.real_data


def _report(real_data: Path, case: str, direction: float, decay: float = 0.0) -> IdeaReport:
    manifest = {e["id"]: e for e in json.loads((real_data / "manifest.json").read_text())}
    snap = load_chain(real_data / manifest[case]["file"])
    a = analyze(snap)
    inputs = IdeaInputs(
        ts_event=snap.ts_event,
        underlying=snap.underlying,
        spot=snap.spot,
        session=a.session,
        contracts=a.contracts,
        levels=a.levels,
        atr=a.metrics.atr,
        integration=SignalIntegration(
            ts_event=snap.ts_event,
            regime="test",
            direction_score=direction,
            volatility_score=0.0,
            time_decay_score=decay,
        ),
        rate=a.params.pricing.rate,
    )
    return trade_ideas(inputs, IdeaParams())


@pytest.mark.parametrize(
    ("case", "direction", "decay"),
    [
        ("spx_20220712_1155", -0.4, 0.0),
        ("spx_20230609_1340", 0.5, 0.0),
        ("spx_20220712_1155", 0.0, 0.6),
    ],
)
def test_intraday_snapshot_gives_placeable_ideas(
    real_data: Path, case: str, direction: float, decay: float
) -> None:
    report = _report(real_data, case, direction, decay)
    assert report.ideas, report.skipped
    for idea in report.ideas:
        for g in idea.legs:
            assert g.bid > 0
            assert g.ask >= g.bid
        net = sum(g.quantity * 100 * (g.ask if g.quantity > 0 else g.bid) for g in idea.legs)
        assert idea.price.net == pytest.approx(net)
        at = value_at(idea.legs, np.array(idea.breakevens), first_expiry(idea.legs), 0.045)
        assert np.abs(at - idea.price.net).max() < 0.05
        assert idea.pop is not None
        assert idea.size >= 1
        assert idea.horizon_end <= first_expiry(idea.legs)


def test_after_hours_snapshot_gives_no_ideas_and_says_why(real_data: Path) -> None:
    report = _report(real_data, "spx_20230405_post", 0.5)
    assert report.ideas == ()
    assert any("at or after the close" in s for s in report.skipped)
