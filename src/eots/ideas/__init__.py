"""Trade ideas on real contracts (framework.md sections 4.1 and 4.4)."""

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

__all__ = [
    "Direction",
    "Greeks",
    "Leg",
    "PositionPlan",
    "Price",
    "Strategy",
    "TradeIdea",
    "UnderlyingPlan",
]
