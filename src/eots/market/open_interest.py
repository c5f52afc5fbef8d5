"""Open interest by days to expiry: where the market's open positions mature.

Feeds D-TDPI's expiration clustering (base_system.md 4.3, ``options_oi_by_dte``). DTE is the
number of calendar days from the session date to the expiration date (0 = expires this session),
matching the ACT/365 convention of time to expiry. Open interest is in contracts (OPRA, as of the
previous close).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from eots.chain.schema import RIGHTS

#: Output of ``oi_by_dte``: one row per DTE with at least one live contract, ascending.
OI_BY_DTE_SCHEMA = pl.Schema(
    {
        "dte": pl.Int32(),  # calendar days from the session to the expiration date
        "open_interest": pl.Int64(),  # contracts, calls plus puts
        "call_oi": pl.Int64(),  # contracts
        "put_oi": pl.Int64(),  # contracts
        "n_contracts": pl.UInt32(),  # listed contracts at that DTE
    }
)


def oi_by_dte(frame: pl.DataFrame, session: dt.date) -> pl.DataFrame:
    """Return open interest summed per calendar DTE (``OI_BY_DTE_SCHEMA``).

    Parameters
    ----------
    frame
        ``CHAIN_SCHEMA`` frame (``expiry``, ``right``, ``open_interest``).
    session
        The session the chain belongs to; expirations before it are ignored.

    Examples
    --------
    >>> f = pl.DataFrame({"expiry": [dt.date(2024, 3, 15)] * 2 + [dt.date(2024, 3, 22)],
    ...                   "right": ["C", "P", "C"], "open_interest": [10, 5, 7]})
    >>> oi_by_dte(f, dt.date(2024, 3, 15)).rows()
    [(0, 15, 10, 5, 2), (7, 7, 7, 0, 1)]
    """
    # the chain's enum compares to "C" as it is (no string copy of the column); others as strings
    right = (
        pl.col("right") if frame.schema.get("right") == RIGHTS else pl.col("right").cast(pl.String)
    )
    call = right == "C"
    oi = pl.col("open_interest").cast(pl.Int64)
    return (
        frame.lazy()
        .filter(pl.col("expiry") >= session)
        .with_columns(dte=(pl.col("expiry") - pl.lit(session)).dt.total_days().cast(pl.Int32))
        .group_by("dte")
        .agg(
            open_interest=oi.sum(),
            call_oi=oi.filter(call).sum(),
            put_oi=oi.filter(~call).sum(),
            n_contracts=pl.len(),
        )
        .sort("dte")
        .select([pl.col(c).cast(t) for c, t in OI_BY_DTE_SCHEMA.items()])
        .collect()
    )


__all__ = ["OI_BY_DTE_SCHEMA", "oi_by_dte"]
