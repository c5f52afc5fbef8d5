"""Dealer positioning change: how net GEX and DEX by strike moved between snapshots and sessions.

``positioning_change(now, session_ref, update_ref)`` joins the current per-strike ``net_gex`` and
``dex`` (``STRIKE_SCHEMA`` units: $ per 1 % move, $ notional) with two references: the last prior
session's end-of-day snapshot (``d_*_session``) and the previous update of the same session
(``d_*_update``, from ``KeyLevels.exposures``). A strike missing on one side counts as 0 there; a
missing reference gives NaN changes. The wall strengths read ``d_net_gex_session``.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from eots.core.ordered import increasing_floats

#: Output of ``positioning_change``: one row per strike, ascending.
POSITIONING_SCHEMA = pl.Schema(
    {
        "strike": pl.Float64(),
        "net_gex": pl.Float64(),  # $ per 1 % move, now
        "dex": pl.Float64(),  # $ notional, now
        "d_net_gex_session": pl.Float64(),  # now - prior session end of day (NaN: no reference)
        "d_dex_session": pl.Float64(),
        "d_net_gex_update": pl.Float64(),  # now - previous update (NaN: no reference)
        "d_dex_update": pl.Float64(),
    }
)


def _diff(now: pl.LazyFrame, ref: pl.DataFrame | None, suffix: str) -> pl.LazyFrame:
    names = {"net_gex": f"d_net_gex_{suffix}", "dex": f"d_dex_{suffix}"}
    if ref is None or ref.height == 0:
        return now.select("strike", *(pl.lit(float("nan")).alias(v) for v in names.values()))
    joined = now.join(
        ref.lazy().select("strike", "net_gex", "dex"),
        on="strike",
        how="full",
        coalesce=True,
        suffix="_r",
    )
    return joined.select(
        "strike",
        *(
            (pl.col(k).fill_null(0.0) - pl.col(f"{k}_r").fill_null(0.0)).alias(v)
            for k, v in names.items()
        ),
    )


def positioning_change(
    now: pl.DataFrame, session_ref: pl.DataFrame | None, update_ref: pl.DataFrame | None
) -> pl.DataFrame:
    """Return ``POSITIONING_SCHEMA`` rows for every strike present now or in a reference.

    Examples
    --------
    >>> now = pl.DataFrame({"strike": [100.0, 105.0], "net_gex": [5.0, 2.0], "dex": [1.0, 1.0]})
    >>> ref = pl.DataFrame({"strike": [100.0], "net_gex": [3.0], "dex": [1.0]})
    >>> positioning_change(now, ref, None).get_column("d_net_gex_session").to_list()
    [2.0, 2.0]
    """
    no_ref = (session_ref is None or session_ref.height == 0) and (
        update_ref is None or update_ref.height == 0
    )
    if no_ref and increasing_floats(now.get_column("strike")) is not None:
        # No reference (a first snapshot): the strikes as they are, every change NaN (the
        # columns put together without a query).
        nan = np.full(now.height, np.nan)
        f = pl.DataFrame(
            [
                *(now.get_column(c) for c in ("strike", "net_gex", "dex")),
                *(pl.Series(c, nan) for c in list(POSITIONING_SCHEMA)[3:]),
            ]
        )
        return f if f.schema == POSITIONING_SCHEMA else f.cast(POSITIONING_SCHEMA)
    fast = _arrays_change(now, session_ref, update_ref)
    if fast is not None:
        return fast
    base = now.lazy().select("strike", "net_gex", "dex")  # one query plan, collected once
    session = _diff(base, session_ref, "session")
    update = _diff(base, update_ref, "update")
    keys = pl.concat([session.select("strike"), update.select("strike")]).unique()
    out = (
        keys.join(base, on="strike", how="left")
        .join(session, on="strike", how="left")
        .join(update, on="strike", how="left")
        .with_columns(
            pl.col("net_gex", "dex").fill_null(0.0),
            *(
                pl.col(f"d_{k}_{name}").fill_null(float("nan") if ref is None else 0.0)
                for name, ref in (("session", session_ref), ("update", update_ref))
                for k in ("net_gex", "dex")
            ),
        )
        .sort("strike")
    )
    return out.select(list(POSITIONING_SCHEMA)).cast(POSITIONING_SCHEMA).collect()


def _arrays_change(
    now: pl.DataFrame, session_ref: pl.DataFrame | None, update_ref: pl.DataFrame | None
) -> pl.DataFrame | None:
    """``positioning_change`` on NumPy arrays; None unless every frame is simple.

    Simple: strikes strictly increasing and no null value in any frame, references either None
    or non-empty. Then the full joins are a union of sorted strikes, and each side's values are
    placed on it (0.0 where the strike is missing, as the joins' ``fill_null(0.0)``).
    """
    frames = [now, *(r for r in (session_ref, update_ref) if r is not None)]
    if any(f.height == 0 for f in frames):
        return None
    strikes = []
    for f in frames:
        # the columns as they are (a select and a null count per frame would each run a query)
        part = [f.get_column(c) for c in ("strike", "net_gex", "dex")]
        k = None if any(c.null_count() for c in part) else increasing_floats(part[0])
        if k is None:
            return None
        strikes.append(k)
    keys = strikes[0]
    for k in strikes[1:]:
        keys = np.union1d(keys, k)

    def placed(f: pl.DataFrame, k: np.ndarray, column: str) -> np.ndarray:
        out = np.zeros(keys.size, dtype=np.float64)
        out[np.searchsorted(keys, k)] = f.get_column(column).cast(pl.Float64).to_numpy()
        return out

    gex, dex = placed(now, strikes[0], "net_gex"), placed(now, strikes[0], "dex")
    columns = {"strike": keys, "net_gex": gex, "dex": dex}
    nan = np.full(keys.size, np.nan)
    refs = iter(zip(frames[1:], strikes[1:], strict=True))
    for name, ref in (("session", session_ref), ("update", update_ref)):
        if ref is None:
            columns[f"d_net_gex_{name}"], columns[f"d_dex_{name}"] = nan, nan
            continue
        f, k = next(refs)
        columns[f"d_net_gex_{name}"] = gex - placed(f, k, "net_gex")
        columns[f"d_dex_{name}"] = dex - placed(f, k, "dex")
    return pl.DataFrame(columns, schema=POSITIONING_SCHEMA)


__all__ = ["POSITIONING_SCHEMA", "positioning_change"]
