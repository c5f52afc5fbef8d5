"""Trade-idea values: a strategy on real contracts, priced at executable quotes.

A ``TradeIdea`` names every leg (root, expiry, strike, right, signed quantity) with the quote it was
priced at, the position's executable price (buy at the ask, sell at the bid), its payoff extremes
and breakevens, net greeks, the plan on the underlying and on the position's value, size,
conviction and the evidence behind it (framework.md section 4.1). Ideas are immutable; what happens
to them afterwards is the lifecycle's event log (``eots.tracking``).

Money units: per-contract prices in $ per share (as quoted); position values (``price.net``,
``max_profit``, ``max_loss``, ``position`` targets) in $ for one unit of the structure, i.e. already
multiplied by the contract multiplier and the legs' quantities.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from eots.core.types import OptionRight


class Strategy(StrEnum):
    """The framework's strategies (framework.md 4.1, base_system.md section 7)."""

    LONG_CALL = "long_call"
    LONG_PUT = "long_put"
    CALL_DEBIT_SPREAD = "call_debit_spread"
    PUT_DEBIT_SPREAD = "put_debit_spread"
    CALL_CREDIT_SPREAD = "call_credit_spread"
    PUT_CREDIT_SPREAD = "put_credit_spread"
    LONG_STRADDLE = "long_straddle"
    LONG_STRANGLE = "long_strangle"
    IRON_CONDOR = "iron_condor"
    BUTTERFLY = "butterfly"
    CALENDAR = "calendar"
    DIAGONAL = "diagonal"


class Direction(StrEnum):
    """What the idea needs the underlying to do."""

    BULLISH = "bullish"
    BEARISH = "bearish"
    NEUTRAL = "neutral"  # range / pin / decay
    VOLATILE = "volatile"  # a large move either way


@dataclass(frozen=True, slots=True, kw_only=True)
class Leg:
    """One contract of a structure, with the quote it was priced at.

    ``quantity`` is signed: positive bought, negative sold. ``bid``/``ask``/``mid`` in $ per
    share; ``iv`` decimal; ``delta`` per $1 of underlying per share (Black-76/BSM, ours).
    """

    root: str
    expiry: dt.date
    expiry_ts: dt.datetime
    strike: float
    right: OptionRight
    quantity: int
    bid: float
    ask: float
    mid: float
    iv: float
    delta: float
    multiplier: float = 100.0
    gamma: float = 0.0  # per $1 per $1, per share
    theta: float = 0.0  # $ per calendar day, per share
    vega: float = 0.0  # $ per vol point, per share
    carry_q: float = 0.0  # the expiry's implied carry yield (prices the leg before expiry)


@dataclass(frozen=True, slots=True, kw_only=True)
class Price:
    """The position's entry price for one unit, $ (legs x quantity x multiplier).

    ``net`` > 0 is a debit paid, < 0 a credit received. ``fill`` names the assumption
    (``"bid_ask"``: buy at the ask, sell at the bid; ``"mid"``).
    """

    net: float
    fill: str
    mid_net: float

    @property
    def side(self) -> str:
        """``"debit"`` or ``"credit"``."""
        return "debit" if self.net >= 0 else "credit"


@dataclass(frozen=True, slots=True, kw_only=True)
class Greeks:
    """Net greeks of one unit: delta in shares, gamma in shares per $1, theta in $ per day,
    vega in $ per vol point."""

    delta: float
    gamma: float
    theta: float
    vega: float


@dataclass(frozen=True, slots=True, kw_only=True)
class UnderlyingPlan:
    """Entry, target and stop on the underlying, $.

    ``band`` (low, high), for two-sided ideas: the range a neutral idea needs the underlying to
    stay inside (``stop`` is its nearer edge), or the levels a volatile idea needs it to reach
    (``target`` is the nearer one). None for directional ideas.
    """

    entry: float
    target: float
    stop: float
    band: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PositionPlan:
    """Target and stop on the position's value for one unit, $ (exit when its bid/ask value
    reaches them)."""

    target: float
    stop: float


@dataclass(frozen=True, slots=True, kw_only=True)
class TradeIdea:
    """One trade idea of one snapshot.

    Attributes
    ----------
    idea_id
        Deterministic id (hash of underlying, ``ts_event``, strategy and legs).
    ts_event
        The snapshot's quote time the idea was made at (UTC).
    horizon_end
        When the idea's thesis expires (time exit), UTC; never after the first leg's settlement.
    pop, ev
        Probability of profit at the nearest expiry and expected value net of the spread paid ($),
        from the chain's risk-neutral density (None where it could not be estimated).
    size
        Units for the configured account risk.
    signals
        Names of the signals behind the idea (for per-family outcome scoring).
    regime
        The market regime the idea was made in (outcomes are reported per regime), if known.
    conviction_components
        The conviction mapping's inputs, ``(name, value in 0..1)`` (``performance``,
        ``signal_strength``, ``level_strength``); the learning rule scores each against the
        outcome. Empty when unknown.
    """

    idea_id: str
    ts_event: dt.datetime
    underlying: str
    strategy: Strategy
    direction: Direction
    legs: tuple[Leg, ...]
    price: Price
    max_profit: float
    max_loss: float
    breakevens: tuple[float, ...]
    greeks: Greeks
    underlying_plan: UnderlyingPlan
    position: PositionPlan
    size: int
    conviction: float
    stars: int
    pop: float | None
    ev: float | None
    vehicle: str
    rationale: tuple[str, ...]
    horizon_end: dt.datetime
    signals: tuple[str, ...] = ()
    spread_cost: float = 0.0  # $ paid over the mid for one unit (the EV is net of it)
    regime: str | None = None
    conviction_components: tuple[tuple[str, float], ...] = ()
