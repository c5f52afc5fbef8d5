"""Per-strike exposures over an expiry scope: sums of the per-contract dollar exposures.

Only contracts with ``exposure_ok`` enter. ``call_gex``/``put_gex`` are the signed dollar GEX of
each side (per the dealer sign convention), ``net_gex = call_gex + put_gex``, and
``abs_gex = |call_gex| + |put_gex|`` (not netted). Units as in ``exposures.contract``.
"""

from __future__ import annotations

import numpy as np
import polars as pl

STRIKE_SCHEMA = pl.Schema(
    {
        "strike": pl.Float64(),
        "call_gex": pl.Float64(),
        "put_gex": pl.Float64(),
        "net_gex": pl.Float64(),
        "abs_gex": pl.Float64(),
        "gex_volm": pl.Float64(),
        "dex": pl.Float64(),
        "vanna": pl.Float64(),
        "charm": pl.Float64(),
        "call_oi": pl.Int64(),
        "put_oi": pl.Int64(),
        "call_volume": pl.Int64(),
        "put_volume": pl.Int64(),
        "n_contracts": pl.UInt32(),
    }
)


#: The exposure-frame columns the per-strike sums read.
_INPUTS = (
    "strike",
    "right",
    "gex_usd_per_pct",
    "gex_volm_usd_per_pct",
    "dex_usd",
    "vanna_usd_per_vol_pt",
    "charm_usd_per_day",
    "open_interest",
    "volume",
)


def strike_exposures(contracts: pl.DataFrame, scope_mask: pl.Expr) -> pl.DataFrame:
    """Return one row per strike (ascending) with ``STRIKE_SCHEMA`` columns.

    Parameters
    ----------
    contracts
        Output of ``contract_exposures``.
    scope_mask
        Boolean expression selecting the expiry scope (``ExpiryScope.mask``).
    """
    call = pl.col("right") == "C"
    gex = pl.col("gex_usd_per_pct")
    # Eager (a lazy group_by's float sums vary between runs: ``eots.core.ordered``), on the
    # columns the sums read: the filter copies those, not the whole exposure frame.
    sums = (
        contracts.select(pl.col(_INPUTS).filter(scope_mask & pl.col("exposure_ok")))
        .group_by("strike")
        .agg(
            call_gex=gex.filter(call).sum(),
            put_gex=gex.filter(~call).sum(),
            gex_volm=pl.col("gex_volm_usd_per_pct").fill_null(0.0).sum(),
            dex=pl.col("dex_usd").sum(),
            vanna=pl.col("vanna_usd_per_vol_pt").sum(),
            charm=pl.col("charm_usd_per_day").sum(),
            call_oi=pl.col("open_interest").filter(call).sum(),
            put_oi=pl.col("open_interest").filter(~call).sum(),
            call_volume=pl.col("volume").filter(call).sum(),
            put_volume=pl.col("volume").filter(~call).sum(),
            n_contracts=pl.len(),
        )
    )
    # Ordered, netted and framed in NumPy (a few hundred rows: three polars queries cost more).
    strike = sums.get_column("strike")
    if strike.null_count():  # polars puts a null strike first (the chain validation refuses it)
        sums = sums.sort("strike")
        order = np.arange(sums.height)
    else:
        order = np.argsort(strike.to_numpy(), kind="stable")
    columns = {c: sums.get_column(c).to_numpy()[order] for c in sums.columns}
    call_gex, put_gex = columns["call_gex"], columns["put_gex"]
    columns["net_gex"] = call_gex + put_gex
    columns["abs_gex"] = np.abs(call_gex) + np.abs(put_gex)
    return pl.DataFrame({c: columns[c] for c in STRIKE_SCHEMA}, schema=STRIKE_SCHEMA)
