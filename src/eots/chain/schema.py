"""CHAIN_SCHEMA: the one per-contract layout every source is normalised into.

One row per listed contract (root, expiry, strike, right). Units:

============== ======================= =====================================================
column         dtype                   meaning
============== ======================= =====================================================
underlying     String                  underlying symbol (SPX, SPY, ...)
root           String                  option root (SPX = AM monthly, SPXW = PM weekly, ...)
symbol         String                  OCC-style symbol, e.g. ``SPXW230405C04100000``
expiry         Date                    expiration date (US/Eastern calendar date)
settlement     Enum(AM, PM)            AM: 09:30 ET open of expiry day; PM: the session close
expiry_ts      Datetime(us, UTC)       the settlement instant; time to expiry counts to it
strike         Float64                 strike in underlying price units ($), > 0
right          Enum(C, P)              call or put
bid, ask, last Float64 (nullable)      option prices in $ per share; null = not given
volume         Int64 (nullable)        contracts traded in the session so far
open_interest  Int64                   open contracts (OPRA, as of the previous close)
iv_src         Float64 (nullable)      source's implied vol, decimal (0.15 = 15 %)
delta_src      Float64 (nullable)      source's delta per $1 (kept for comparison only)
gamma_src      Float64 (nullable)      source's gamma per $1 per $1 (comparison only)
theta_src      Float64 (nullable)      source's theta per day (comparison only)
vega_src       Float64 (nullable)      source's vega per vol point (comparison only)
multiplier     Float64                 shares per contract (100)
quote_valid    Boolean                 two-sided, uncrossed quote (0 < bid <= ask)
source_line    Int64 (nullable)        1-based line/record number in the source, for errors
============== ======================= =====================================================
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from numpy.typing import NDArray

from eots.core.time import to_epoch_us

RIGHTS = pl.Enum(["C", "P"])
SETTLEMENTS = pl.Enum(["AM", "PM"])
UTC_US = pl.Datetime("us", "UTC")
_EPOCH_DAY = dt.date(1970, 1, 1)


def utc_lit(ts: dt.datetime) -> pl.Expr:
    """Return the instant ``ts`` (timezone-aware) as a ``UTC_US`` literal.

    The same value as ``pl.lit(ts).cast(UTC_US)``, made from its integer microseconds since the
    epoch: polars converts a Python datetime with a time zone slowly (about 0.3 ms a literal),
    which a fold step pays for every stamp and bound it writes.

    Examples
    --------
    >>> ts = dt.datetime(2024, 3, 13, 15, 30, tzinfo=dt.UTC)
    >>> pl.select(utc_lit(ts)).item() == ts
    True
    """
    return pl.lit(to_epoch_us(ts), dtype=pl.Int64).cast(UTC_US)


def call_mask(right: pl.Series) -> NDArray[np.bool_]:
    """Return ``right == "C"`` as a NumPy mask (a null is not a call).

    Read from the ``RIGHTS`` codes when the column is that Enum without nulls (no polars query:
    the comparison costs about 0.06 ms on 20k contracts, the codes a few microseconds).

    Examples
    --------
    >>> call_mask(pl.Series(["C", "P", "C"], dtype=RIGHTS)).tolist()
    [True, False, True]
    >>> call_mask(pl.Series(["C", None])).tolist()
    [True, False]
    """
    if right.dtype == RIGHTS and not right.null_count():
        mask: NDArray[np.bool_] = right.to_physical().to_numpy() == 0
        return mask
    return (right == "C").fill_null(value=False).to_numpy()


def epoch_us(instants: pl.Series) -> NDArray[np.int64]:
    """Return a Datetime column as integer microseconds since the epoch (``dt.epoch("us")``).

    A ``us`` column without nulls is read as it is stored (no polars query).

    Examples
    --------
    >>> epoch_us(pl.Series([dt.datetime(1970, 1, 1, 0, 0, 1)])).tolist()
    [1000000]
    """
    dtype = instants.dtype
    if isinstance(dtype, pl.Datetime) and dtype.time_unit == "us" and not instants.null_count():
        values: NDArray[np.int64] = instants.to_numpy().view(np.int64)
        return values
    return instants.dt.epoch("us").to_numpy()


def conformed(frame: pl.DataFrame, schema: pl.Schema) -> pl.DataFrame:
    """Return ``frame``'s ``schema`` columns, in its order and cast to its types.

    A frame already in that schema is returned as it is: the cast pass is a query over every
    column, which the stages that build their frames in schema order do not need.

    Examples
    --------
    >>> f = pl.DataFrame({"b": [1], "a": [2.0]})
    >>> conformed(f, pl.Schema({"a": pl.Float64(), "b": pl.Float64()})).row(0)
    (2.0, 1.0)
    """
    if frame.schema == schema:
        return frame
    return frame.select([pl.col(c).cast(t) for c, t in schema.items()])


def date_lit(day: dt.date) -> pl.Expr:
    """Return ``day`` as a ``pl.Date`` literal (as ``pl.lit(day)``, from its epoch day number).

    Examples
    --------
    >>> pl.select(date_lit(dt.date(2024, 3, 13))).item()
    datetime.date(2024, 3, 13)
    """
    return pl.lit((day - _EPOCH_DAY).days, dtype=pl.Int32).cast(pl.Date)


CHAIN_SCHEMA = pl.Schema(
    {
        "underlying": pl.String(),
        "root": pl.String(),
        "symbol": pl.String(),
        "expiry": pl.Date(),
        "settlement": SETTLEMENTS,
        "expiry_ts": UTC_US,
        "strike": pl.Float64(),
        "right": RIGHTS,
        "bid": pl.Float64(),
        "ask": pl.Float64(),
        "last": pl.Float64(),
        "volume": pl.Int64(),
        "open_interest": pl.Int64(),
        "iv_src": pl.Float64(),
        "delta_src": pl.Float64(),
        "gamma_src": pl.Float64(),
        "theta_src": pl.Float64(),
        "vega_src": pl.Float64(),
        "multiplier": pl.Float64(),
        "quote_valid": pl.Boolean(),
        "source_line": pl.Int64(),
    }
)

#: Columns a reader must provide (before validation adds the derived ones).
RAW_REQUIRED: dict[str, pl.DataType] = {
    "root": pl.String(),
    "expiry": pl.Date(),
    "strike": pl.Float64(),
    "right": pl.String(),
    "open_interest": pl.Float64(),
}

#: Columns a reader may provide; absent ones become null.
RAW_OPTIONAL: dict[str, pl.DataType] = {
    "symbol": pl.String(),
    "bid": pl.Float64(),
    "ask": pl.Float64(),
    "last": pl.Float64(),
    "volume": pl.Float64(),
    "iv_src": pl.Float64(),
    "delta_src": pl.Float64(),
    "gamma_src": pl.Float64(),
    "theta_src": pl.Float64(),
    "vega_src": pl.Float64(),
    "multiplier": pl.Float64(),
    "source_line": pl.Int64(),
}


def check_schema(frame: pl.DataFrame, schema: pl.Schema, *, what: str) -> None:
    """Raise ``SchemaError`` unless ``frame`` has exactly ``schema``'s columns and dtypes."""
    from eots.core.errors import SchemaError

    if frame.schema != schema:
        got = dict(frame.schema)
        want = dict(schema)
        missing = [c for c in want if c not in got]
        extra = [c for c in got if c not in want]
        wrong = [f"{c}: {got[c]} != {want[c]}" for c in want if c in got and got[c] != want[c]]
        raise SchemaError(
            f"{what} does not match its schema: missing={missing} extra={extra} wrong={wrong}"
        )
