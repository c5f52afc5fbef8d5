"""Parameters of the market context: look-back lengths, maturities and how much to read.

Defaults follow base_system.md section 11.3: ATR(14) against its 20-session average, a 20-session
IV average for the volatility-regime factor, a 30-day constant-maturity ATM IV (VIX-like) as "the"
IV, IV rank and percentile over a year of sessions, and the last hour of 5-minute snapshots for
intraday flow, charm and surface dynamics.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from eots.greeks.params import PricingParams


class ContextParams(BaseModel):
    """How ``eots.history.market_context`` builds a ``MarketContext`` (frozen, strict)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    pricing: PricingParams = Field(default_factory=PricingParams)
    atr_period: int = Field(14, ge=1, le=250, description="Wilder ATR length, daily bars")
    atr_average_sessions: int = Field(
        20, ge=1, le=500, description="ATR values averaged for the ATR ratio's denominator"
    )
    rv_windows: tuple[int, ...] = Field(
        (10, 20), description="realised-vol windows, daily returns (each >= 2)"
    )
    iv_days: float = Field(
        30.0, gt=0, le=730, description="constant maturity of the headline ATM IV, calendar days"
    )
    iv_average_sessions: int = Field(
        20, ge=1, le=500, description="prior sessions' end-of-day IVs averaged (IV ratio)"
    )
    iv_rank_sessions: int = Field(
        252, ge=1, le=2520, description="prior sessions in the IV rank / percentile window"
    )
    iv_rank_min_sessions: int = Field(
        20, ge=1, le=2520, description="fewest sessions for a rank or percentile to be sufficient"
    )
    intraday_snapshots: int | None = Field(
        13,
        ge=1,
        description=(
            "snapshots of the current session read for flows, charm and intraday IV (the latest "
            "N, including the current one; 13 = one hour of 5-minute snapshots); None = all"
        ),
    )
    daily_sessions: int = Field(
        5, ge=0, le=60, description="prior sessions whose end-of-day snapshots are kept (daily)"
    )
    weekly_weeks: int = Field(
        4, ge=0, le=52, description="prior weeks whose last snapshots are kept (weekly)"
    )
    atm_strikes: int = Field(
        10, ge=2, le=200, description="strikes nearest the forward priced per expiry for ATM IV"
    )
    bars_interval: str = Field("1d", description="price-store interval of the daily bars")

    @field_validator("rv_windows")
    @classmethod
    def _windows(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value or any(w < 2 for w in value):
            raise ValueError(f"expected realised-vol windows of at least 2 returns, was {value}")
        return tuple(sorted(set(value)))

    @property
    def daily_bars_needed(self) -> int:
        """Daily bars that make every bar-based field sufficient."""
        atr_bars = self.atr_period + self.atr_average_sessions - 1
        return max(atr_bars, max(self.rv_windows) + 1)

    @property
    def iv_sessions_needed(self) -> int:
        """Prior sessions whose end-of-day IV is read."""
        return max(self.iv_average_sessions, self.iv_rank_sessions)


__all__ = ["ContextParams"]
