"""Unsigned flow proxies when no side data exists (conventions.md section 5, source 3, the last).

The base system's ``*xvolm`` columns (base_system.md section 1.2) weight the session's traded volume
by a greek, in share units like the exposures: ``dxvolm = delta * volume * m``, ``gxvolm = gamma *
volume * m``, ``vxvolm = vega * volume * m`` ($ per vol point), ``txvolm = theta * volume * m``
($ per day), and ``vannaxvolm``, ``charmxvolm``, ``vommaxvolm`` likewise. They carry the greek's
sign but not the trade side, so they are not net flow. Rows are labelled ``flow_source = proxy``
with ``flow_reason = no_side_data``; every buy/sell, net and window column is NaN (missing flow is
NaN and labelled, never 0). ``volm`` is the session volume (NaN where the source gives none).
"""

from __future__ import annotations

import polars as pl

from eots.flows.schema import (
    FLOW_KEY,
    FLOW_REASONS,
    FLOW_SCHEMA,
    FLOW_SOURCES,
    SIDE_COLUMNS,
    WINDOW_COLUMNS,
    FlowReason,
    FlowSource,
)

_PROXIES = {
    "dxvolm": "delta",
    "gxvolm": "gamma",
    "vxvolm": "vega",
    "txvolm": "theta",
    "vannaxvolm": "vanna",
    "charmxvolm": "charm",
    "vommaxvolm": "vomma",
}

#: ``FLOW_SCHEMA`` plus the unsigned greek-times-volume proxies (share units, see module docs).
PROXY_SCHEMA = pl.Schema({**FLOW_SCHEMA, **{name: pl.Float64() for name in _PROXIES}})


def proxy_flow(priced: pl.DataFrame) -> pl.DataFrame:
    """Return the unsigned ``*xvolm`` proxies per contract, labelled ``proxy``, splits NaN.

    Parameters
    ----------
    priced
        A priced chain (``eots.greeks.frame.priced_chain``): chain key, ``symbol``, ``volume``
        (session contracts), ``multiplier`` and the greeks per share. Greeks the frame lacks give
        NaN proxies.

    Returns
    -------
    pl.DataFrame
        ``PROXY_SCHEMA``, one row per contract, sorted by key.
    """
    volume = pl.col("volume").cast(pl.Float64).fill_null(float("nan"))
    nan_columns = [c for c in (*SIDE_COLUMNS, *WINDOW_COLUMNS) if c != "volm"]
    proxies = [
        (
            pl.col(g).cast(pl.Float64).fill_null(float("nan"))
            if g in priced.columns
            else pl.lit(float("nan"))
        )
        * volume
        * pl.col("multiplier")
        for g in _PROXIES.values()
    ]
    out = priced.select(
        *FLOW_KEY,
        "symbol",
        *(pl.lit(float("nan"), pl.Float64).alias(c) for c in nan_columns),
        *(expr.alias(name) for expr, name in zip(proxies, _PROXIES, strict=True)),
        volm=volume,
        flow_source=pl.lit(FlowSource.PROXY.value).cast(FLOW_SOURCES),
        flow_reason=pl.lit(FlowReason.NO_SIDE_DATA.value).cast(FLOW_REASONS),
        n_unknown=pl.lit(0, pl.Int64),
    )
    return out.select([pl.col(c).cast(t) for c, t in PROXY_SCHEMA.items()]).sort(list(FLOW_KEY))
