"""Average true range (Wilder) of an underlying's OHLC bars: the market's typical move in $.

Output feeds the volatility-regime factor (ATR over its average, A-DAG), the ATR-scaled
proximity and widths of D-TDPI, and level distances measured in ATR.

Definitions (Wilder 1978), for bars ordered by time with close ``C``, high ``H``, low ``L``:

* true range ``TR_t = max(H_t - L_t, |H_t - C_{t-1}|, |L_t - C_{t-1}|)``; the first bar has no
  previous close, so ``TR_1 = H_1 - L_1``; neither has a daily bar whose previous bar is not the
  previous XNYS session (a gap in the history, e.g. bars derived from sparse stored snapshots):
  a close weeks old is not the gap a true range measures;
* ``ATR_n`` (at the n-th bar) is the mean of ``TR_1 .. TR_n``; afterwards
  ``ATR_t = (ATR_{t-1} * (n - 1) + TR_t) / n`` (Wilder's smoothing, an EMA with alpha ``1/n``).

Units: $ (the underlying's price units). Bars before the n-th have a null ATR.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from numpy.typing import NDArray

from eots.core.time import nyse_calendar

#: Output of ``atr``: one row per input bar.
ATR_SCHEMA = pl.Schema(
    {
        "ts": pl.Datetime("us", "UTC"),  # bar close instant
        "true_range": pl.Float64(),  # $
        "atr": pl.Float64(),  # $; null before the n-th bar
    }
)


def true_range(bars: pl.DataFrame) -> NDArray[np.float64]:
    """Return each bar's true range ($); ``bars`` hold ``high``, ``low``, ``close``, in time order.

    Examples
    --------
    >>> bars = pl.DataFrame({"high": [11.0, 12.0, 10.0], "low": [9.0, 10.5, 8.0],
    ...                      "close": [10.0, 11.0, 9.0]})
    >>> true_range(bars).tolist()  # 2; max(1.5, 2, .5); max(2, 1, 3)
    [2.0, 2.0, 3.0]
    """
    high = bars.get_column("high").to_numpy().astype(np.float64)
    low = bars.get_column("low").to_numpy().astype(np.float64)
    close = bars.get_column("close").to_numpy().astype(np.float64)
    tr = high - low
    if len(tr) > 1:
        prev = close[:-1]
        gap = np.maximum(np.abs(high[1:] - prev), np.abs(low[1:] - prev))
        tr[1:] = np.where(_follows_previous(bars), np.maximum(tr[1:], gap), tr[1:])
    return tr


def _follows_previous(bars: pl.DataFrame) -> NDArray[np.bool_]:
    """Whether each bar (from the second) directly follows the one before it.

    Daily bars (``interval == "1d"``) must be on consecutive XNYS sessions; bars without an
    interval, or intraday ones, are taken as consecutive.
    """
    n = bars.height - 1
    if "interval" not in bars.columns or "ts" not in bars.columns:
        return np.ones(n, dtype=bool)
    if not (bars.get_column("interval") == "1d").all():
        return np.ones(n, dtype=bool)
    days = (
        bars.get_column("ts")
        .dt.convert_time_zone("America/New_York")
        .dt.date()
        .to_numpy()
        .astype("datetime64[D]")
    )
    index = np.searchsorted(nyse_calendar().dates, days)
    follows: NDArray[np.bool_] = np.diff(index) == 1
    return follows


def atr(bars: pl.DataFrame, n: int = 14) -> pl.DataFrame:
    """Return Wilder's average true range over ``n`` bars for every bar (``ATR_SCHEMA``).

    Parameters
    ----------
    bars
        ``PRICE_SCHEMA`` bars (at least ``ts``, ``high``, ``low``, ``close``), ascending ``ts``.
    n
        Smoothing length in bars (14 by convention).

    Returns
    -------
    pl.DataFrame
        ``ts``, ``true_range`` ($) and ``atr`` ($, null for the first ``n - 1`` bars).

    Examples
    --------
    Constant true range 2 gives ATR 2 from the n-th bar on:

    >>> import datetime as dt
    >>> ts = [dt.datetime(2024, 1, d, 21, tzinfo=dt.UTC) for d in range(1, 5)]
    >>> bars = pl.DataFrame({"ts": ts, "high": [11.0] * 4, "low": [9.0] * 4, "close": [10.0] * 4})
    >>> atr(bars, n=3).get_column("atr").to_list()
    [None, None, 2.0, 2.0]
    """
    if n < 1:
        raise ValueError(f"expected an ATR length n >= 1, was {n}")
    tr = true_range(bars)
    out = np.full(len(tr), np.nan)
    if len(tr) >= n:
        value = float(tr[:n].mean())
        out[n - 1] = value
        for i in range(n, len(tr)):
            value = (value * (n - 1) + tr[i]) / n
            out[i] = value
    return pl.DataFrame(
        {
            "ts": bars.get_column("ts").cast(pl.Datetime("us", "UTC")),
            "true_range": tr,
            "atr": pl.Series(out, nan_to_null=True),
        },
        schema=ATR_SCHEMA,
    )


__all__ = ["ATR_SCHEMA", "atr", "true_range"]
