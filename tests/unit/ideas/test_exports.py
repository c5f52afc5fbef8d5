"""The public surface of eots.ideas."""

from __future__ import annotations

import eots.ideas


def test_ideas_package_exports_expected_names() -> None:
    assert sorted(eots.ideas.__all__) == [
        "CONTRACT_COLUMNS",
        "Direction",
        "Greeks",
        "IdeaInputs",
        "IdeaParams",
        "IdeaReport",
        "Leg",
        "PositionPlan",
        "Price",
        "SectorData",
        "Strategy",
        "TradeIdea",
        "UnderlyingPlan",
        "idea_to_json",
        "ideas_to_json",
        "trade_ideas",
    ]
    assert all(hasattr(eots.ideas, name) for name in eots.ideas.__all__)
