"""The quoted spot against put-call parity.

Dividends told apart from stale prints, and the notes
that say how each forward was obtained.

**Check.** The parity forward ``F`` of the nearest expiry within ``spot_parity_max_days`` implies
the spot ``S_imp = F exp(-(r - q) t) + sum_j D_j exp(-r t_j)``, the sum over the known dividends
(``PricingParams.dividends``) going ex after the quote's session and on or before that expiry.
``gap = S_imp / S - 1``. The verdict:

* ``consistent``: ``|gap| <= spot_parity_tolerance``;
* ``dividend``: an ETF or equity underlying (American exercise, discrete dividends), no known
  dividends given, and ``-dividend_gap_max <= gap < 0``. Every forward of such an underlying
  drops by a dividend once it goes ex, so a quote taken the evening before an ex-date (SPY on
  2023-09-14: -0.31 %, a $1.58 dividend the next morning) looks exactly like a stale print
  across the whole term structure; a gap of that sign and size is therefore not called stale:
  the quoted spot is kept and the warning says how to confirm it (give the dividend);
* ``stale``: anything else (a positive gap can never be a dividend; an index has none).

**Use.** ``checked_pricing`` prices the chain, runs the check and, when the verdict is ``stale``
and ``spot_source`` is ``parity`` (the default), re-prices with the parity-implied spot; the
warnings say what was found, what was done and the option that does the other thing
(``--spot quote`` / ``--spot parity``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum

import numpy as np
import polars as pl

from eots.chain.schema import epoch_us
from eots.chain.snapshot import ChainSnapshot
from eots.core.types import Exercise, underlying_spec
from eots.greeks.frame import priced_chain
from eots.greeks.params import PricingParams, SpotSource
from eots.greeks.rates import short_rate

__all__ = [
    "PricedSnapshot",
    "SpotCheck",
    "SpotVerdict",
    "checked_pricing",
    "forward_notes",
    "spot_parity_check",
]


class SpotVerdict(StrEnum):
    """What the parity check concluded about the quoted spot."""

    CONSISTENT = "consistent"
    DIVIDEND = "dividend"
    STALE = "stale"


@dataclass(frozen=True, slots=True, kw_only=True)
class SpotCheck:
    """The quoted spot against the spot implied by put-call parity on the nearest expiry.

    ``implied_spot`` includes ``dividends_pv`` ($, the present value of the known dividends added
    back); ``gap = implied_spot / spot - 1``; see the module docstring for ``verdict``.
    """

    spot: float
    implied_spot: float
    forward: float
    t_days: float
    expiry: str
    gap: float
    tolerance: float
    dividends_pv: float = 0.0
    verdict: SpotVerdict = SpotVerdict.CONSISTENT

    @property
    def consistent(self) -> bool:
        """Whether the gap is within the tolerance."""
        return abs(self.gap) <= self.tolerance

    @property
    def stale(self) -> bool:
        """Whether the quoted spot is judged stale (not a dividend, outside the tolerance)."""
        return self.verdict is SpotVerdict.STALE

    def describe(self, *, replaced: bool = False) -> str:
        """One-line warning text; ``replaced`` says the analysis uses ``implied_spot``."""
        divs = f" (with {self.dividends_pv:,.2f} of known dividends)" if self.dividends_pv else ""
        head = (
            f"spot {self.spot:,.2f} vs put-call parity: the {self.expiry} forward "
            f"{self.forward:,.2f} ({self.t_days:.2f} days) implies spot "
            f"{self.implied_spot:,.2f}{divs} ({100 * self.gap:+.2f}%)"
        )
        if self.verdict is SpotVerdict.DIVIDEND:
            return (
                f"{head}: the size of a dividend going ex before {self.expiry}, so the quoted spot "
                "is kept; give the dividend (pricing.dividends) to confirm it, or set "
                "pricing.dividend_gap_max = 0 if none goes ex and the print is stale"
            )
        if replaced:
            return (
                f"{head}: the quoted spot is stale (after-hours or pre-market print); the analysis "
                f"uses the parity-implied spot {self.implied_spot:,.2f} (--spot quote keeps the "
                "quoted one)"
            )
        return (
            f"{head}: the quoted spot may be stale (after-hours or pre-market print) and levels "
            "are placed relative to it (--spot parity uses the parity-implied spot)"
        )


def spot_parity_check(
    priced: pl.DataFrame,
    spot: float,
    params: PricingParams,
    *,
    as_of: dt.datetime | None = None,
    discrete_dividends: bool = False,
) -> SpotCheck | None:
    """Compare ``spot`` with the parity-implied spot of the nearest expiry (None: no such expiry).

    Parameters
    ----------
    priced
        Output of ``priced_chain``.
    spot
        The snapshot's quoted spot ($).
    params
        Rates, known dividends, and the check's tolerance and horizon.
    as_of
        The quote time; needed to place known dividends (ignored when None).
    discrete_dividends
        Whether the underlying pays discrete dividends (ETF, equity): allows the ``dividend``
        verdict.
    """
    # NumPy on the columns (a select/filter/sort query costs more on 20k contracts): the parity
    # row with the smallest positive time within the horizon, the first such row on a tie.
    t_all = priced.get_column("t_years").to_numpy()
    methods = priced.get_column("forward_method")
    parity = (methods == "parity").fill_null(value=False).to_numpy()
    with np.errstate(invalid="ignore"):
        near = parity & (t_all > 0) & (t_all * 365.0 <= params.spot_parity_max_days)
    if not near.any() or not spot > 0:
        return None
    rows = np.flatnonzero(near)
    first = int(rows[np.argmin(t_all[rows])])
    t = float(t_all[first])
    forward = float(priced.get_column("forward")[first])
    expiry: dt.date = priced.get_column("expiry")[first]
    pv = 0.0
    if as_of is not None:
        day = as_of.date()
        for div in params.dividends:
            if day < div.ex_date <= expiry:
                t_ex = (div.ex_date - day).days / 365.0
                pv += div.amount * float(np.exp(-params.rate * t_ex))
    implied = forward * float(np.exp(-(params.rate - params.dividend_yield) * t)) + pv
    gap = implied / spot - 1.0
    if abs(gap) <= params.spot_parity_tolerance:
        verdict = SpotVerdict.CONSISTENT
    elif discrete_dividends and not params.dividends and -params.dividend_gap_max <= gap < 0:
        verdict = SpotVerdict.DIVIDEND
    else:
        verdict = SpotVerdict.STALE
    return SpotCheck(
        spot=spot,
        implied_spot=implied,
        forward=forward,
        t_days=t * 365.0,
        expiry=str(expiry),
        gap=gap,
        tolerance=params.spot_parity_tolerance,
        dividends_pv=pv,
        verdict=verdict,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class PricedSnapshot:
    """A snapshot (its spot possibly replaced), its priced chain, the check and the warnings."""

    snapshot: ChainSnapshot
    priced: pl.DataFrame
    check: SpotCheck | None
    warnings: tuple[str, ...]


def checked_pricing(snapshot: ChainSnapshot, params: PricingParams) -> PricedSnapshot:
    """Price ``snapshot``, check its spot against parity and act on the verdict (module doc)."""
    priced = priced_chain(snapshot, params)
    spec = underlying_spec(snapshot.underlying)
    check = spot_parity_check(
        priced,
        snapshot.spot,
        params,
        as_of=snapshot.ts_event,
        discrete_dividends=spec.exercise is Exercise.AMERICAN,
    )
    warnings: list[str] = []
    if check is not None and check.stale and params.spot_source is SpotSource.PARITY:
        snapshot = replace(snapshot, spot=check.implied_spot)
        priced = priced_chain(snapshot, params)
        warnings.append(check.describe(replaced=True))
    elif check is not None and not check.consistent:
        warnings.append(check.describe())
    warnings += forward_notes(priced, params, snapshot.ts_event)
    return PricedSnapshot(snapshot=snapshot, priced=priced, check=check, warnings=tuple(warnings))


def forward_notes(priced: pl.DataFrame, params: PricingParams, as_of: dt.datetime) -> list[str]:
    """Say how the forwards that are not parity forwards were obtained (empty when all are)."""
    # Each expiry's method is its first contract's (NumPy: np.unique's first occurrences).
    _, first = np.unique(epoch_us(priced.get_column("expiry_ts")), return_index=True)
    method = priced.get_column("forward_method").gather(first)
    counts = dict(method.cast(pl.String).value_counts().iter_rows())
    total = len(first)
    notes: list[str] = []
    n = counts.get("term_structure", 0)
    if n:
        notes.append(
            f"{n} of {total} expiries have no two-sided call/put pair near the money: their "
            "forwards come from the other expiries' parity forwards (interpolated in time)"
        )
    carry = f"minus the dividend yield {100 * params.dividend_yield:.2f}%"
    if counts.get("rate_table", 0):
        notes.append(
            "no expiry allows put-call parity: forwards use the dated short rate "
            f"{short_rate(as_of.date()).describe()} {carry} (pricing.fallback_rate = table)"
        )
    if counts.get("config_rate", 0):
        notes.append(
            f"no expiry allows put-call parity: forwards use the configured rate "
            f"{100 * params.rate:.2f}% {carry} (pricing.fallback_rate = config)"
        )
    return notes
