"""OHLC bars of an underlying: the one bar layout every stage and adapter uses.

``PRICE_SCHEMA`` (one row per bar):

========== ================= ==============================================================
column     dtype             meaning
========== ================= ==============================================================
ts         Datetime(us, UTC) the instant the bar **closed** (its close price was known then):
                             intraday, the end of the interval; daily, the session close
                             (13:00 ET on half days). ``ts <= as_of`` therefore never
                             reads a bar that was still forming at ``as_of``.
open       Float64           first price in the bar, $ (> 0)
high       Float64           highest price, $ (>= open, close)
low        Float64           lowest price, $ (<= open, close; > 0)
close      Float64           last price, $ (> 0)
volume     Int64 (nullable)  shares (or index units) traded; null when unknown
interval   String            ``1d`` or ``<n>m`` / ``<n>h`` (``1m``, ``5m``, ``1h`` ...)
========== ================= ==============================================================

Sources produce it (e.g. Tradier daily history), ``eots.storage`` keeps it, ``eots.market``
computes ATR and realised volatility from it.
"""

from __future__ import annotations

import polars as pl

PRICE_SCHEMA = pl.Schema(
    {
        "ts": pl.Datetime("us", "UTC"),
        "open": pl.Float64(),
        "high": pl.Float64(),
        "low": pl.Float64(),
        "close": pl.Float64(),
        "volume": pl.Int64(),
        "interval": pl.String(),
    }
)
OHLC = ("open", "high", "low", "close")

__all__ = ["OHLC", "PRICE_SCHEMA"]
