"""A dated short-rate table: the riskless rate of a month, for forwards no quote can imply.

Used only when an expiry has no put-call parity forward *and* no other expiry of the same file has
one (``greeks.frame``): the forward is then ``S * exp((r - q) t)`` with ``r = short_rate(as_of)``
and ``q`` the configured dividend yield, and the pricing notes say so. (With
``PricingParams.fallback_rate = "config"`` the configured ``rate`` is used instead.)

Values: monthly averages of the effective federal funds rate, in percent, rounded to two decimals
(Board of Governors of the Federal Reserve System, H.15; FRED series ``FEDFUNDS``), January 2018
to November 2025. They are approximate (within about 0.1 percentage point of the published
averages) and stand in for the short money-market rate (T-bill / SOFR), which tracks them within
a few tenths; a month outside the table takes the nearest month in it, and ``short_rate`` says so.
Rates are converted to continuous compounding, ``ln(1 + r)``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

__all__ = ["FIRST_MONTH", "LAST_MONTH", "ShortRate", "short_rate"]

FIRST_MONTH = dt.date(2018, 1, 1)
# Percent, one value per month from FIRST_MONTH, twelve per line (a year).
_PERCENT = (
    (1.41, 1.42, 1.51, 1.69, 1.70, 1.82, 1.91, 1.91, 1.95, 2.19, 2.20, 2.27),  # 2018
    (2.40, 2.40, 2.41, 2.42, 2.39, 2.38, 2.40, 2.13, 2.04, 1.83, 1.55, 1.55),  # 2019
    (1.55, 1.58, 0.65, 0.05, 0.05, 0.08, 0.09, 0.10, 0.09, 0.09, 0.09, 0.09),  # 2020
    (0.09, 0.08, 0.07, 0.07, 0.06, 0.08, 0.10, 0.09, 0.08, 0.08, 0.08, 0.08),  # 2021
    (0.08, 0.08, 0.20, 0.33, 0.77, 1.21, 1.68, 2.33, 2.56, 3.08, 3.78, 4.10),  # 2022
    (4.33, 4.57, 4.65, 4.83, 5.06, 5.08, 5.12, 5.33, 5.33, 5.33, 5.33, 5.33),  # 2023
    (5.33, 5.33, 5.33, 5.33, 5.33, 5.33, 5.33, 5.33, 5.13, 4.83, 4.64, 4.48),  # 2024
    (4.33, 4.33, 4.33, 4.33, 4.33, 4.33, 4.33, 4.33, 4.22, 4.09, 3.88),  # 2025 (to November)
)
_MONTHLY = tuple(v for year in _PERCENT for v in year)
LAST_MONTH = dt.date(FIRST_MONTH.year + (len(_MONTHLY) - 1) // 12, (len(_MONTHLY) - 1) % 12 + 1, 1)


@dataclass(frozen=True, slots=True)
class ShortRate:
    """A short rate from the table.

    Continuous decimal rate, the month it is from, and whether
    the requested date lay outside the table.
    """

    rate: float
    month: dt.date
    clamped: bool

    def describe(self) -> str:
        """Return e.g. ``'0.20% (effective fed funds, 2022-03)'``."""
        tail = ", nearest month in the table" if self.clamped else ""
        return f"{100 * self.rate:.2f}% (effective fed funds, {self.month:%Y-%m}{tail})"


def short_rate(day: dt.date) -> ShortRate:
    """Return the table's short rate for the month of ``day``.

    Examples
    --------
    >>> r = short_rate(dt.date(2022, 4, 1))
    >>> round(r.rate, 5), r.month.isoformat(), r.clamped
    (0.00329, '2022-04-01', False)
    >>> short_rate(dt.date(2031, 1, 5)).clamped
    True
    """
    index = (day.year - FIRST_MONTH.year) * 12 + day.month - 1
    clamped = not 0 <= index < len(_MONTHLY)
    index = min(max(index, 0), len(_MONTHLY) - 1)
    month = dt.date(FIRST_MONTH.year + index // 12, index % 12 + 1, 1)
    return ShortRate(math.log1p(_MONTHLY[index] / 100.0), month, clamped)
