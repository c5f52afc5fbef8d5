"""SyntheticParams: every knob of the synthetic market generator, with its default and unit.

The generator (`eots.synthetic.market`) is the bundled default sample and the test fixture factory,
so its defaults describe a calm, realistic SPX day: 15 % one-year ATM vol, short-dated vols a little
lower, a steep put skew, rates near 4.5 %, an index dividend yield of 1.3 %.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from eots.core.types import Exercise, underlying_spec

#: Reference spot of each known underlying, $, used when ``SyntheticParams.spot`` is None.
DEFAULT_SPOTS: dict[str, float] = {
    "SPX": 5000.0,
    "XSP": 500.0,
    "SPY": 500.0,
    "NDX": 18000.0,
    "QQQ": 440.0,
    "RUT": 2000.0,
    "IWM": 200.0,
}
_FALLBACK_SPOT = 100.0

# Minimum of e^{-u}(1 - 2u) (at u = 3/2): how far an ATM-vol bump decaying as e^{-t/tau} can push
# d(sigma^2 t)/dt below zero, so the validator can keep ATM total variance increasing in t.
_TERM_BUMP_FLOOR = 0.4463


class SyntheticParams(BaseModel):
    """Parameters of a synthetic option market (frozen; unknown fields are refused).

    Volatility surface (SSVI, Gatheral & Jacquier 2014; see `eots.synthetic.surface`):
    ATM vol ``sigma_atm(t) = atm_vol + short_term_vol_shift * exp(-t / term_decay_years)``,
    ATM total variance ``theta(t) = sigma_atm(t)**2 * t``, and the smile
    ``w(k, t) = theta / 2 * (1 + rho phi k + sqrt((phi k + rho)**2 + 1 - rho**2))`` in
    log-moneyness ``k = ln(K / F)``, with
    ``phi(theta) = eta / (theta**gamma * (1 + theta)**(1 - gamma))``, where ``rho = skew``,
    ``eta = smile_curvature`` and ``gamma = skew_term_power``. The validator enforces the
    published no-static-arbitrage conditions (``eta * (1 + |rho|) <= 2``,
    ``0 < gamma <= 1/2``, ``theta`` increasing in ``t``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    underlying: str = Field(default="SPX", description="Underlying symbol (SPX, SPY, XSP, NDX...).")
    spot: float | None = Field(
        default=None, gt=0, description="Spot at as_of, $; None takes DEFAULT_SPOTS (else 100)."
    )
    seed: int = Field(default=0, ge=0, description="Seed of every random draw.")
    rate: float = Field(default=0.045, description="Riskless rate, continuous, decimal per year.")
    dividend_yield: float = Field(
        default=0.013, description="Continuous dividend yield, decimal per year."
    )
    atm_vol: float = Field(
        default=0.15, gt=0, le=2, description="Long-run ATM vol, decimal (0.15 = 15 vol points)."
    )
    short_term_vol_shift: float = Field(
        default=-0.02,
        description="ATM vol added at t -> 0, decaying with term_decay_years; < 0 is contango "
        "(calm), > 0 backwardation (stress).",
    )
    term_decay_years: float = Field(
        default=0.25, gt=0, description="Decay time of short_term_vol_shift, years."
    )
    skew: float = Field(
        default=-0.7, gt=-1, lt=1, description="SSVI rho: correlation-like skew; < 0 = put skew."
    )
    smile_curvature: float = Field(
        default=1.0, gt=0, description="SSVI eta: level of phi, the smile's slope and curvature."
    )
    skew_term_power: float = Field(
        default=0.5,
        gt=0,
        le=0.5,
        description="SSVI gamma: short-dated skew grows like theta**-gamma.",
    )
    daily_sessions: int = Field(
        default=15, ge=0, description="Sessions with a daily PM expiry, counting today."
    )
    weekly_weeks: int = Field(default=8, ge=0, description="Weeks with a Friday PM expiry.")
    monthly_months: int = Field(
        default=12, ge=0, description="Months with a third-Friday expiry (AM and PM roots)."
    )
    quarterly_years: float = Field(
        default=3.0, ge=0, description="Years of quarterly expiries (Mar/Jun/Sep/Dec)."
    )
    leaps_years: float = Field(default=5.0, ge=0, description="Years of December LEAPS.")
    put_range_sd: float = Field(
        default=7.0, gt=0, description="Lowest strike, in sd of a 20 % vol over the expiry."
    )
    call_range_sd: float = Field(
        default=3.5, gt=0, description="Highest strike, in sd of a 20 % vol over the expiry."
    )
    oi_scale: float = Field(
        default=600.0, ge=0, description="Mean OI of a near, ATM, non-round strike, contracts."
    )
    oi_noise: float = Field(
        default=1.0, ge=0, description="Sigma of the lognormal noise on open interest."
    )
    volume_scale: float = Field(
        default=8000.0, ge=0, description="Full-session volume of an ATM 0DTE strike, contracts."
    )
    spread_rel: float = Field(
        default=0.015, ge=0, description="Bid-ask spread as a fraction of the model price."
    )
    spread_min_ticks: float = Field(default=2.0, ge=1, description="Minimum spread, in ticks.")
    spread_wing: float = Field(
        default=0.15, ge=0, description="Relative spread widening per sd of moneyness beyond one."
    )

    @model_validator(mode="after")
    def _no_static_arbitrage(self) -> SyntheticParams:
        if self.smile_curvature * (1 + abs(self.skew)) > 2:
            raise ValueError(
                "expected smile_curvature * (1 + |skew|) <= 2 (SSVI butterfly-arbitrage bound), "
                f"was {self.smile_curvature} * (1 + {abs(self.skew)})"
            )
        if self.atm_vol + min(self.short_term_vol_shift, 0.0) <= 0:
            raise ValueError(
                f"expected a positive short-dated ATM vol, was atm_vol={self.atm_vol} "
                f"+ short_term_vol_shift={self.short_term_vol_shift}"
            )
        if self.atm_vol < _TERM_BUMP_FLOOR * max(self.short_term_vol_shift, 0.0):
            raise ValueError(
                "expected ATM total variance increasing in t, i.e. atm_vol >= "
                f"{_TERM_BUMP_FLOOR} * short_term_vol_shift, was atm_vol={self.atm_vol} "
                f"short_term_vol_shift={self.short_term_vol_shift}"
            )
        return self

    @property
    def symbol(self) -> str:
        """The underlying symbol, upper case."""
        return self.underlying.upper()

    @property
    def reference_spot(self) -> float:
        """``spot``, or the underlying's default spot when it is None, $."""
        if self.spot is not None:
            return self.spot
        return DEFAULT_SPOTS.get(self.symbol, _FALLBACK_SPOT)

    @property
    def is_index(self) -> bool:
        """Whether the underlying is a European-style index (AM and PM roots, nickel/dime ticks)."""
        return underlying_spec(self.symbol).exercise is Exercise.EUROPEAN
