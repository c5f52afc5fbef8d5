"""SimulatorParams: every knob of the dealer-feedback market simulator, with its default and unit.

The defaults describe a calm, realistic SPX day: realised vol near 11 % in the calm regime (25 %
when stressed), implied vol about 15 % above realised with a put skew, a stressed session about
one in twenty-five, an event-day gap about one session in thirty, about half a million contracts
traded per session in some fifty thousand customer trades clustered in short-dated,
near-the-money series, and a moderate dealer-gamma feedback (``gamma_feedback = 0.5``).
The listing, the implied-vol surface shape and the quote model are a nested `SyntheticParams`
(`eots.synthetic`); ``listing_preset`` gives the listing sizes used by the CLI.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from eots.synthetic import SyntheticParams


class ListingSize(StrEnum):
    """Listing presets: how many series and how wide a strike range are listed."""

    FULL = "full"  # the SyntheticParams defaults: ~20k SPX contracts
    DEMO = "demo"  # dailies for 5 sessions, 2 weeklies, 2 monthlies, no quarterlies: ~2k
    SMALL = "small"  # dailies for 3 sessions and one monthly, narrow strikes: ~0.5k (tests)


_PRESETS: dict[ListingSize, dict[str, float | int]] = {
    ListingSize.FULL: {},
    ListingSize.DEMO: {
        "daily_sessions": 5,
        "weekly_weeks": 2,
        "monthly_months": 2,
        "quarterly_years": 0.0,
        "leaps_years": 0.0,
        "put_range_sd": 4.0,
        "call_range_sd": 2.5,
    },
    ListingSize.SMALL: {
        "daily_sessions": 3,
        "weekly_weeks": 1,
        "monthly_months": 1,
        "quarterly_years": 0.0,
        "leaps_years": 0.0,
        "put_range_sd": 2.5,
        "call_range_sd": 2.0,
    },
}


def listing_preset(size: ListingSize, *, underlying: str = "SPX") -> SyntheticParams:
    """Return market parameters with the listing of ``size`` for ``underlying``.

    Examples
    --------
    >>> listing_preset(ListingSize.DEMO, underlying="SPY").daily_sessions
    5
    """
    return SyntheticParams.model_validate({"underlying": underlying, **_PRESETS[size]})


class SimulatorParams(BaseModel):
    """Parameters of the simulated market (frozen; unknown fields are refused).

    Units: vols are annualised decimals (0.11 = 11 vol points, trading time of 252 sessions);
    probabilities are per session unless stated; sizes are contracts.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    market: SyntheticParams = Field(
        default_factory=SyntheticParams,
        description="Underlying, reference spot, listing, SSVI surface shape and quote model.",
    )
    start: dt.date = Field(
        default=dt.date(2024, 3, 11),
        description="First session (the next XNYS session when it is not one).",
    )
    sessions: int = Field(default=1, ge=1, le=2000, description="Number of sessions simulated.")
    every_minutes: int = Field(
        default=15, ge=1, le=390, description="Snapshot interval from the open, minutes."
    )
    gamma_feedback: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="Strength of the dealer-hedging feedback on the price path; 0 switches it off.",
    )
    feedback_vol_gain: float = Field(
        default=2.0,
        ge=0.0,
        description="Local vol multiplier exp(-gain * feedback * x), x = net/gross dealer gamma.",
    )
    feedback_lag: float = Field(
        default=0.3,
        ge=0.0,
        le=0.9,
        description="Lagged hedge impact: next return gets -lag * feedback * x * this return.",
    )
    pin_strength: float = Field(
        default=1.5,
        ge=0.0,
        description="Drift up the net-gamma profile, in units of the step variance (pinning).",
    )
    wall_depth: float = Field(
        default=0.01,
        ge=0.0,
        le=1.0,
        description="Resting liquidity at the session's walls at feedback 1: the total overshoot "
        "(log return) a wall reflects before it gives way (scaled by gamma_feedback and the "
        "wall's gamma share).",
    )
    wall_share_scale: float = Field(
        default=0.02,
        gt=0.0,
        le=1.0,
        description="A wall holding at least this share of the gross dealer gamma gets the full "
        "depth; a smaller one a proportionally smaller one.",
    )
    calm_vol: float = Field(default=0.11, gt=0, le=2, description="Calm-regime realised vol.")
    stressed_vol: float = Field(
        default=0.25, gt=0, le=2, description="Stressed-regime realised vol."
    )
    p_calm_to_stressed: float = Field(
        default=0.04, ge=0, le=1, description="Chance a calm session is followed by a stressed one."
    )
    p_stressed_to_calm: float = Field(
        default=0.2, ge=0, le=1, description="Chance a stressed session is followed by a calm one."
    )
    vol_of_vol: float = Field(
        default=1.2, ge=0, description="Vol of log realised vol, per sqrt(year)."
    )
    vol_half_life_days: float = Field(
        default=2.0, gt=0, description="Half-life of log realised vol around its regime level."
    )
    overnight_variance_share: float = Field(
        default=0.2, ge=0, description="Overnight return variance as a share of a session's."
    )
    event_day_prob: float = Field(
        default=0.03, ge=0, le=1, description="Chance a session opens with an event gap."
    )
    event_gap_sd: float = Field(
        default=0.012, ge=0, description="Sd of the event gap at the open, log return."
    )
    event_vol_multiplier: float = Field(
        default=1.5, ge=1, description="Realised vol multiplier through an event session."
    )
    implied_premium: float = Field(
        default=1.15, gt=0, description="ATM implied vol as a multiple of realised vol."
    )
    spot_vol_beta: float = Field(
        default=3.0,
        ge=0,
        description="-d ln(implied vol) / d ln(spot / anchor): implied vol rises as spot falls.",
    )
    anchor_half_life_days: float = Field(
        default=5.0, gt=0, description="Half-life of the spot anchor the spot-vol response uses."
    )
    stressed_term_shift: float = Field(
        default=0.03,
        ge=0,
        description="Short-dated ATM vol added in the stressed regime (backwardation).",
    )
    mean_trade_size: float = Field(
        default=10.0, ge=1, description="Mean customer trade size, contracts (1 + Poisson)."
    )
    flow_scale: float = Field(
        default=0.25,
        gt=0,
        description="Customer volume as a share of the synthetic session-volume model (1 is "
        "about 2M SPX contracts a day; 0.25 keeps trade files small).",
    )
    put_buy_share: float = Field(
        default=0.55, ge=0, le=1, description="Chance a customer put trade is a buy."
    )
    call_buy_share: float = Field(
        default=0.48, ge=0, le=1, description="Chance a customer call trade is a buy."
    )
    flow_reaction: float = Field(
        default=10.0,
        ge=0,
        description="Put buy share rises by this times the session's negative return so far.",
    )
    close_share: float = Field(
        default=0.4,
        ge=0,
        le=1,
        description="Chance a customer trade closes an existing customer position when one exists.",
    )
    initial_call_long_share: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="Share of the first session's call OI held long by customers (rest short).",
    )
    initial_put_long_share: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="Share of the first session's put OI held long by customers (rest short).",
    )
    at_touch_share: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="Chance a trade prints at the touch (ask for buys, bid for sells).",
    )
    block_minutes: int = Field(
        default=5,
        ge=1,
        le=60,
        description="Dealer positions and the gamma profile are refreshed every this many minutes.",
    )
    profile_band: float = Field(
        default=0.04, gt=0, le=0.5, description="Gamma profile half-width, fraction of spot."
    )
    profile_points: int = Field(
        default=41, ge=5, le=401, description="Spot levels in the gamma profile grid."
    )

    @model_validator(mode="after")
    def _consistent(self) -> SimulatorParams:
        if self.stressed_vol < self.calm_vol:
            raise ValueError(
                f"expected stressed_vol >= calm_vol, was {self.stressed_vol} < {self.calm_vol}"
            )
        return self

    @property
    def underlying(self) -> str:
        """The underlying symbol, upper case."""
        return self.market.symbol


__all__ = ["ListingSize", "SimulatorParams", "listing_preset"]
