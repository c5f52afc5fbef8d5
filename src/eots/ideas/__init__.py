"""Trade ideas on real contracts (framework.md sections 4.1 and 4.4).

One entry point: ``trade_ideas(IdeaInputs, IdeaParams) -> IdeaReport``; ``ideas_to_json`` gives
the JSON form. Rules, formulas and assumptions: docs/ideas.md.
"""

from typing import TYPE_CHECKING

from eots.core.lazy import lazy_package

if TYPE_CHECKING:
    from eots.ideas.generate import IdeaReport, trade_ideas
    from eots.ideas.inputs import CONTRACT_COLUMNS, IdeaInputs, SectorData
    from eots.ideas.model import (
        Direction,
        Greeks,
        Leg,
        PositionPlan,
        Price,
        Strategy,
        TradeIdea,
        UnderlyingPlan,
    )
    from eots.ideas.params import IdeaParams
    from eots.ideas.serialize import idea_to_json, ideas_to_json

__all__ = [
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

lazy_package(
    __name__,
    {
        "eots.ideas.generate": ("IdeaReport", "trade_ideas"),
        "eots.ideas.inputs": ("CONTRACT_COLUMNS", "IdeaInputs", "SectorData"),
        "eots.ideas.model": (
            "Direction",
            "Greeks",
            "Leg",
            "PositionPlan",
            "Price",
            "Strategy",
            "TradeIdea",
            "UnderlyingPlan",
        ),
        "eots.ideas.params": ("IdeaParams",),
        "eots.ideas.serialize": ("idea_to_json", "ideas_to_json"),
    },
)
