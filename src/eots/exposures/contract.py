"""Per-contract exposures: greek x open interest (and x volume) in shares, and dollar exposures.

Share-unit columns keep the base system's names (conventions.md section 3), unsigned (the holder's
greek): ``dxoi = delta*OI*m``, ``gxoi = gamma*OI*m``, ``vxoi = vega*OI*m``, ``txoi = theta*OI*m``,
``vannaxoi``, ``charmxoi``, ``vommaxoi``; the same with the session's volume: ``dxvolm``, ...

Dollar exposures carry the dealer sign s (+1/-1 per ``SignConvention``) and their unit in the name:

* ``gex_usd_per_pct``       = s * gamma * OI * m * S^2 * 0.01  ($ of delta per 1 % spot move)
* ``gex_volm_usd_per_pct``  = the same with volume instead of open interest
* ``dex_usd``               = s * delta * OI * m * S           ($ notional delta)
* ``vanna_usd_per_vol_pt``  = s * vanna * OI * m * S           ($ of delta per vol point)
* ``charm_usd_per_day``     = s * charm * OI * m * S           ($ of delta per calendar day)

``exposure_ok`` is false for contracts without an implied volatility (their greeks are NaN); those
are excluded from every aggregate and counted by the pipeline.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from eots.chain.schema import call_mask
from eots.core.errors import StageInputError
from eots.exposures.params import ExposureParams, SignConvention
from eots.greeks.frame import PRICED_SCHEMA

_GREEK_COLUMNS = {
    "d": "delta",
    "g": "gamma",
    "v": "vega",
    "t": "theta",
    "vanna": "vanna",
    "charm": "charm",
    "vomma": "vomma",
}

CONTRACT_EXPOSURE_COLUMNS = pl.Schema(
    {
        "exposure_ok": pl.Boolean(),
        "dealer_sign": pl.Float64(),
        **{f"{p}xoi": pl.Float64() for p in _GREEK_COLUMNS},
        **{f"{p}xvolm": pl.Float64() for p in _GREEK_COLUMNS},
        "gex_usd_per_pct": pl.Float64(),
        "gex_volm_usd_per_pct": pl.Float64(),
        "dex_usd": pl.Float64(),
        "vanna_usd_per_vol_pt": pl.Float64(),
        "charm_usd_per_day": pl.Float64(),
    }
)


#: The exposure frame ``contract_exposures`` produces: the priced frame, then the exposures.
EXPOSURE_SCHEMA = pl.Schema({**PRICED_SCHEMA, **CONTRACT_EXPOSURE_COLUMNS})
#: Columns of the priced frame this stage reads.
PRICED_INPUTS = (
    "right",
    "open_interest",
    "volume",
    "multiplier",
    "iv",
    *_GREEK_COLUMNS.values(),
)


def dealer_sign(convention: SignConvention) -> pl.Expr:
    """Return the dealer sign of each contract under ``convention`` (+1 long, -1 short)."""
    if convention is SignConvention.SHORT_BOTH:
        return pl.lit(-1.0)
    return pl.when(pl.col("right") == "C").then(1.0).otherwise(-1.0)


def contract_exposures(priced: pl.DataFrame, spot: float, params: ExposureParams) -> pl.DataFrame:
    """Append ``CONTRACT_EXPOSURE_COLUMNS`` to a priced chain.

    Parameters
    ----------
    priced
        Output of ``greeks.frame.priced_chain``.
    spot
        Underlying price ($) the dollar exposures are scaled by.
    params
        Sign convention.

    Raises
    ------
    StageInputError
        If the priced frame lacks a column this stage reads (``PRICED_INPUTS``).
    """
    # The names, not ``priced.schema``: building a 38-column Schema costs about 0.2 ms.
    names = set(priced.columns)
    StageInputError.require(names, PRICED_INPUTS, stage="exposures", frame="priced")
    fast = _numpy_exposures(priced, names, spot, params)
    return fast if fast is not None else _polars_exposures(priced, spot, params)


def _polars_exposures(priced: pl.DataFrame, spot: float, params: ExposureParams) -> pl.DataFrame:
    """``contract_exposures`` as polars expressions: the definition the NumPy path reproduces.

    Used when an input has nulls (polars propagates them), a float input is not Float64, or the
    frame already has an exposure column; ``tests/unit/exposures`` checks that both paths give
    the same frame where both apply.
    """
    oi = pl.col("open_interest").cast(pl.Float64) * pl.col("multiplier")
    vol = pl.col("volume").cast(pl.Float64) * pl.col("multiplier")
    shares = [pl.col(g) * oi for g in _GREEK_COLUMNS.values()]
    frame = priced.with_columns(
        exposure_ok=pl.col("iv").is_not_nan() & pl.col("gamma").is_not_nan(),
        dealer_sign=dealer_sign(params.sign_convention),
        **{f"{p}xoi": e for p, e in zip(_GREEK_COLUMNS, shares, strict=True)},
        **{f"{p}xvolm": pl.col(g) * vol for p, g in _GREEK_COLUMNS.items()},
    )
    s = pl.col("dealer_sign")
    return frame.with_columns(
        gex_usd_per_pct=s * pl.col("gxoi") * (spot * spot * 0.01),
        gex_volm_usd_per_pct=s * pl.col("gxvolm") * (spot * spot * 0.01),
        dex_usd=s * pl.col("dxoi") * spot,
        vanna_usd_per_vol_pt=s * pl.col("vannaxoi") * spot,
        charm_usd_per_day=s * pl.col("charmxoi") * spot,
    )


def _numpy_exposures(
    priced: pl.DataFrame, names: set[str], spot: float, params: ExposureParams
) -> pl.DataFrame | None:
    """``contract_exposures`` on NumPy arrays: the same products in the same order.

    None (the polars expressions are used) when an input has nulls (their propagation is
    polars'), a float input is not Float64, or the frame already has an exposure column
    (``with_columns`` replaces it in place).
    """
    inputs = [priced.get_column(c) for c in PRICED_INPUTS]
    if any(s.null_count() for s in inputs) or not names.isdisjoint(CONTRACT_EXPOSURE_COLUMNS):
        return None
    if any(s.dtype != pl.Float64 for s in inputs[3:]):  # multiplier, iv and the greeks
        return None
    multiplier = priced.get_column("multiplier").to_numpy()
    oi = priced.get_column("open_interest").cast(pl.Float64).to_numpy() * multiplier
    vol = priced.get_column("volume").cast(pl.Float64).to_numpy() * multiplier
    greeks = {p: priced.get_column(g).to_numpy() for p, g in _GREEK_COLUMNS.items()}
    iv = priced.get_column("iv").to_numpy()
    if params.sign_convention is SignConvention.SHORT_BOTH:
        sign = np.full(priced.height, -1.0)
    else:
        sign = np.where(call_mask(priced.get_column("right")), 1.0, -1.0)
    columns = {
        "exposure_ok": ~np.isnan(iv) & ~np.isnan(greeks["g"]),
        "dealer_sign": sign,
        **{f"{p}xoi": greeks[p] * oi for p in _GREEK_COLUMNS},
        **{f"{p}xvolm": greeks[p] * vol for p in _GREEK_COLUMNS},
    }
    columns["gex_usd_per_pct"] = sign * columns["gxoi"] * (spot * spot * 0.01)
    columns["gex_volm_usd_per_pct"] = sign * columns["gxvolm"] * (spot * spot * 0.01)
    columns["dex_usd"] = sign * columns["dxoi"] * spot
    columns["vanna_usd_per_vol_pt"] = sign * columns["vannaxoi"] * spot
    columns["charm_usd_per_day"] = sign * columns["charmxoi"] * spot
    return priced.hstack([pl.Series(name, columns[name]) for name in CONTRACT_EXPOSURE_COLUMNS])
