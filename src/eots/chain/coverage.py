"""How much of the option chain a file holds: strike and expiry coverage around spot.

A vendor export can be a window (the TD Ameritrade file: 16 strikes per expiry, about +-4 % around
spot). Walls, the gamma profile and zero gamma beyond that window are then unknown, not zero: a
"call wall" at the edge of the window or "no crossing within +-15 %" says nothing about the market.
``chain_coverage`` measures the window from the contracts with open interest:

* strike range: lowest and highest strike with open interest, also in % of spot;
* per expiry: the same range, and the median over expiries of the side nearer spot (the band every
  expiry covers, which is what a truncated export gives away);
* expiries: how many, first and last.

The chain is *truncated* when the band every expiry covers (``covered_pct``) is narrower than the
band the analysis searches (``band_pct``, the zero-gamma band).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

__all__ = ["ChainCoverage", "chain_coverage"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainCoverage:
    """Strike and expiry coverage of the contracts with open interest (see the module doc).

    ``low_pct`` and ``high_pct`` are the lowest and highest strikes in % of spot (negative below);
    ``covered_pct`` is the median over expiries of ``min(spot - lowest, highest - spot) / spot``
    in %, the band around spot that a typical expiry covers on both sides.
    """

    n_expiries: int
    first_expiry: dt.date | None
    last_expiry: dt.date | None
    n_strikes: int
    strike_low: float
    strike_high: float
    low_pct: float
    high_pct: float
    covered_pct: float
    band_pct: float

    @property
    def truncated(self) -> bool:
        """Whether a typical expiry covers less than the searched band on either side."""
        return self.covered_pct < self.band_pct

    def describe(self) -> str:
        """One line: the strike range, the expiries, and whether the chain is truncated."""
        if self.n_expiries == 0:
            return "no contract with open interest"
        text = (
            f"strikes {self.strike_low:g}..{self.strike_high:g} ({self.low_pct:+.1f}%.."
            f"{self.high_pct:+.1f}% of spot, {self.n_strikes} strikes) on {self.n_expiries} "
            f"expiries {self.first_expiry}..{self.last_expiry}"
        )
        if self.truncated:
            text += (
                f"; TRUNCATED: a typical expiry covers only +-{self.covered_pct:.1f}% around spot "
                f"(the analysis searches +-{self.band_pct:.0f}%), so walls, the profile and zero "
                "gamma beyond that are unknown"
            )
        return text


def chain_coverage(contracts: pl.DataFrame, spot: float, band_pct: float) -> ChainCoverage:
    """Return the coverage of ``contracts`` (``expiry``, ``strike``, ``open_interest``).

    Parameters
    ----------
    contracts
        The contracts the analysis uses (e.g. those in the expiry scope).
    spot
        Underlying price, $.
    band_pct
        The searched band, % of spot (the zero-gamma band: 15 for +-15 %).

    Examples
    --------
    >>> c = pl.DataFrame({"expiry": [dt.date(2024, 3, 15)] * 3, "strike": [96.0, 100.0, 104.0],
    ...                   "open_interest": [5, 0, 7]})
    >>> cov = chain_coverage(c, 100.0, 15.0)
    >>> cov.covered_pct, cov.truncated
    (4.0, True)
    """
    held = contracts.filter(pl.col("open_interest") > 0)
    if held.height == 0:
        return ChainCoverage(
            n_expiries=0,
            first_expiry=None,
            last_expiry=None,
            n_strikes=0,
            strike_low=float("nan"),
            strike_high=float("nan"),
            low_pct=float("nan"),
            high_pct=float("nan"),
            covered_pct=0.0,
            band_pct=band_pct,
        )
    per_expiry = held.group_by("expiry").agg(lo=pl.col("strike").min(), hi=pl.col("strike").max())
    covered = per_expiry.select(
        pl.min_horizontal(spot - pl.col("lo"), pl.col("hi") - spot).clip(lower_bound=0.0)
        / spot
        * 100.0
    ).to_series()
    lo = float(held.get_column("strike").min())  # type: ignore[arg-type]
    hi = float(held.get_column("strike").max())  # type: ignore[arg-type]
    expiries = per_expiry.get_column("expiry")
    return ChainCoverage(
        n_expiries=per_expiry.height,
        first_expiry=expiries.min(),  # type: ignore[arg-type]
        last_expiry=expiries.max(),  # type: ignore[arg-type]
        n_strikes=held.get_column("strike").n_unique(),
        strike_low=lo,
        strike_high=hi,
        low_pct=(lo / spot - 1.0) * 100.0,
        high_pct=(hi / spot - 1.0) * 100.0,
        covered_pct=float(covered.median()),  # type: ignore[arg-type]
        band_pct=band_pct,
    )
