"""Parameters of the pricing stage (forward, implied volatility, greeks)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class IvPolicy(StrEnum):
    """Where each contract's implied volatility comes from."""

    PREFER_SOURCE = "prefer_source"  # source IV when usable and consistent with the quote
    SOLVE = "solve"  # always solve from the mid price
    SOURCE_ONLY = "source_only"  # never solve; contracts without a usable source IV get NaN


class SpotSource(StrEnum):
    """Which underlying price the analysis uses."""

    QUOTE = "quote"  # the source's quoted spot (a CBOE header's Last, a feed's last trade)
    PARITY = "parity"  # when the quote fails the put-call parity check, the parity-implied spot


class FallbackRate(StrEnum):
    """Where the carry of an expiry without a parity forward comes from when no expiry has one."""

    TABLE = "table"  # the dated short-rate table (eots.greeks.rates) minus dividend_yield
    CONFIG = "config"  # rate minus dividend_yield of these parameters


class KnownDividend(BaseModel):
    """A cash dividend known to go ex on ``ex_date`` (for ETF and equity underlyings)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ex_date: dt.date
    amount: float = Field(gt=0, description="$ per share")


class PricingParams(BaseModel):
    """How the pricing stage turns quotes into forwards, IVs and greeks.

    ``rate`` discounts everywhere. Expiries whose quotes do not allow put-call parity take their
    forward from the other expiries' parity forwards (``greeks.frame``); when no expiry has one,
    from S * exp((r - dividend_yield) * t) with r from ``fallback_rate``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    rate: float = Field(0.045, ge=-0.05, le=0.5, description="riskless rate, continuous, decimal")
    dividend_yield: float = Field(
        0.013, ge=-0.05, le=0.5, description="fallback carry yield, continuous, decimal"
    )
    iv_policy: IvPolicy = IvPolicy.PREFER_SOURCE
    max_source_iv: float = Field(5.0, gt=0, description="source IVs above this are refused")
    source_iv_tolerance: float = Field(
        1.0,
        ge=0,
        description=(
            "a source IV is consistent with its quote when the model price at that IV lies "
            "within tolerance * half-spread + one tick of the mid"
        ),
    )
    tick: float = Field(0.05, gt=0, description="price tick added to the tolerance ($)")
    forward_strikes: int = Field(
        5, ge=1, le=50, description="near-the-money strikes whose parity forwards are medianed"
    )
    spot_parity_tolerance: float = Field(
        0.0025,
        gt=0,
        description=(
            "warn when the quoted spot differs from the spot implied by put-call parity on the "
            "nearest expiry (within spot_parity_max_days) by more than this fraction"
        ),
    )
    spot_parity_max_days: float = Field(
        10.0, gt=0, description="only expiries this close (calendar days) check the spot"
    )
    spot_source: SpotSource = Field(
        SpotSource.PARITY,
        description=(
            "parity (default): replace a spot that fails the parity check (a stale print) by the "
            "parity-implied spot, said in the warnings; quote: keep the quoted spot and only warn"
        ),
    )
    dividends: tuple[KnownDividend, ...] = Field(
        (),
        description=(
            "cash dividends known to go ex soon; the parity check adds back those going ex "
            "between the quote and an expiry before comparing with the quoted spot"
        ),
    )
    dividend_gap_max: float = Field(
        0.006,
        ge=0,
        description=(
            "for ETF/equity underlyings (discrete dividends), a parity-implied spot below the "
            "quote by at most this fraction is the size of a quarterly dividend going ex before "
            "the first expiry: the quote is kept and the warning says so, rather than calling "
            "it stale"
        ),
    )
    fallback_rate: FallbackRate = Field(
        FallbackRate.TABLE,
        description=(
            "expiries without a parity forward take the carry of the file's other expiries; when "
            "none has one: table = the dated short-rate table (eots.greeks.rates) minus "
            "dividend_yield, config = rate minus dividend_yield"
        ),
    )
