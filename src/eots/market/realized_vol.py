"""Realised (historical) volatility of an underlying from its bar closes, annualised.

Feeds the dynamic Gaussian width of D-TDPI (recent volatility) and sits beside implied volatility
in the market context (IV minus RV is the variance risk premium traders watch).

Close-to-close estimator over a window of ``w`` returns: with log returns
``r_t = ln(C_t / C_{t-1})``, ``RV_t = sqrt(periods_per_year) * stdev(r_{t-w+1} .. r_t)``, the
sample standard deviation (``ddof = 1``, returns demeaned over the window). Daily bars use
``periods_per_year = 252``. Units: decimal per year (0.15 = 15 vol points), comparable with IV.
"""

from __future__ import annotations

import polars as pl

TRADING_DAYS = 252

#: Output of ``realized_vol``: one row per input bar.
REALIZED_VOL_SCHEMA = pl.Schema(
    {
        "ts": pl.Datetime("us", "UTC"),  # bar close instant
        "log_return": pl.Float64(),  # ln(C_t / C_{t-1}); null on the first bar
        "realized_vol": pl.Float64(),  # annualised, decimal; null until ``window`` returns exist
    }
)


def realized_vol(
    bars: pl.DataFrame, window: int, *, periods_per_year: float = TRADING_DAYS
) -> pl.DataFrame:
    """Return the rolling annualised close-to-close volatility (``REALIZED_VOL_SCHEMA``).

    Parameters
    ----------
    bars
        Bars with ``ts`` and ``close`` ($), ascending ``ts``.
    window
        Number of returns per estimate (>= 2); the first value appears at bar ``window + 1``.
    periods_per_year
        Bars per year: 252 for daily bars (sqrt(252) annualisation).

    Examples
    --------
    Alternating +1 % / -1 % log returns have a sample stdev of ~0.01155 over 3 returns:

    >>> import datetime as dt, math
    >>> ts = [dt.datetime(2024, 1, d, 21, tzinfo=dt.UTC) for d in range(1, 5)]
    >>> closes = [100 * math.exp(x) for x in (0.0, 0.01, 0.0, 0.01)]
    >>> rv = realized_vol(pl.DataFrame({"ts": ts, "close": closes}), 3)
    >>> round(rv.get_column("realized_vol")[3] / math.sqrt(252), 5)
    0.01155
    """
    if window < 2:
        raise ValueError(f"expected a window of at least 2 returns, was {window}")
    log_return = (pl.col("close") / pl.col("close").shift(1)).log()
    return bars.select(
        pl.col("ts").cast(pl.Datetime("us", "UTC")),
        log_return.alias("log_return"),
        (
            log_return.rolling_std(window_size=window, min_samples=window, ddof=1)
            * periods_per_year**0.5
        ).alias("realized_vol"),
    )


__all__ = ["REALIZED_VOL_SCHEMA", "TRADING_DAYS", "realized_vol"]
