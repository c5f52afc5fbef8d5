"""Flow and charm over recent snapshots, in the shapes the adaptive metrics consume.

* ``strike_flows``: per-contract flow totals (``eots.flows.FLOW_SCHEMA``) summed per strike over
  every root, expiry and right, for the additive columns (contracts, $ and greek-shares as in
  ``eots.flows.schema``). A strike sum skips unknown (NaN) contract values and is NaN when none is
  known, so "no data" never reads as "no flow"; ``n_contracts_unknown`` counts contracts whose
  whole total was unknown.
* ``increment_history``: the snapshot-to-snapshot increments (``INCREMENT_SCHEMA``) stacked with
  their stamp ``ts`` (the later snapshot's ``ts_event``), keyed by contract: the input of A-DAG's
  temporal decay of flow, which weights each past increment by ``delta^age``.
* ``charm_rows``: per-contract charm of one priced snapshot, with ``charmxoi`` (charm * OI *
  multiplier, delta-shares per day), stacked over snapshots for D-TDPI's charm acceleration.

Sign: flows are the customer's (buys minus sells); the dealer view is the negation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from eots.chain.schema import RIGHTS, UTC_US
from eots.flows.schema import FLOW_KEY, INCREMENT_SCHEMA, SIDE_COLUMNS, WINDOW_COLUMNS

#: Additive flow columns summed per strike.
STRIKE_FLOW_COLUMNS = (*SIDE_COLUMNS, *WINDOW_COLUMNS)

#: Output of ``strike_flows``: one row per strike, ascending.
STRIKE_FLOW_SCHEMA = pl.Schema(
    {
        "strike": pl.Float64(),
        **{c: pl.Float64() for c in STRIKE_FLOW_COLUMNS},
        "n_contracts": pl.UInt32(),
        "n_contracts_unknown": pl.UInt32(),
    }
)

#: Output of ``increment_history``: ``INCREMENT_SCHEMA`` plus the stamp, by ``ts`` then key.
INCREMENT_HISTORY_SCHEMA = pl.Schema({"ts": UTC_US, **INCREMENT_SCHEMA})

#: Output of ``charm_rows`` (and of its stack over snapshots).
CHARM_SCHEMA = pl.Schema(
    {
        "ts": UTC_US,  # the snapshot's ts_event
        "root": pl.String(),
        "expiry": pl.Date(),
        "strike": pl.Float64(),
        "right": RIGHTS,
        "charm": pl.Float64(),  # delta per calendar day, per share; NaN without IV
        "open_interest": pl.Int64(),  # contracts
        "charmxoi": pl.Float64(),  # charm * OI * multiplier: delta-shares per day
    }
)


def strike_flows(flows: pl.DataFrame) -> pl.DataFrame:
    """Return ``flows`` (``FLOW_SCHEMA``) summed per strike (``STRIKE_FLOW_SCHEMA``).

    Examples
    --------
    >>> f = pl.DataFrame({"strike": [100.0, 100.0, 105.0], "volm_bs": [3.0, float("nan"), 1.0]})
    >>> out = strike_flows(f)
    >>> out.select("strike", "volm_bs", "n_contracts").rows()
    [(100.0, 3.0, 2), (105.0, 1.0, 1)]
    """
    present = [c for c in STRIKE_FLOW_COLUMNS if c in flows.columns]
    sums = []
    for c in present:
        kept = pl.col(c).fill_nan(None)
        sums.append(pl.when(kept.count() > 0).then(kept.sum()).otherwise(float("nan")).alias(c))
    unknown = pl.all_horizontal([pl.col(c).is_nan() for c in ("volm_bs",) if c in present])
    # Sorted input and ordered groups: float sums in a fixed order, so replays are bit-identical.
    ordered = [c for c in ("strike", *FLOW_KEY) if c in flows.columns]
    out = (
        flows.lazy()
        .sort(list(dict.fromkeys(ordered)))
        .group_by("strike", maintain_order=True)
        .agg(
            *sums,
            n_contracts=pl.len(),
            n_contracts_unknown=unknown.sum() if present else pl.lit(0),
        )
        .sort("strike")
    )
    missing = {c: pl.lit(float("nan")) for c in STRIKE_FLOW_COLUMNS if c not in present}
    return (
        out.with_columns(**missing)
        .select([pl.col(c).cast(t) for c, t in STRIKE_FLOW_SCHEMA.items()])
        .collect()
    )


def increment_history(increments: Sequence[tuple[dt.datetime, pl.DataFrame]]) -> pl.DataFrame:
    """Stack ``(stamp, INCREMENT_SCHEMA frame)`` pairs into ``INCREMENT_HISTORY_SCHEMA``."""
    if not increments:
        return pl.DataFrame(schema=INCREMENT_HISTORY_SCHEMA)
    return pl.concat(
        [
            frame.select(list(INCREMENT_SCHEMA)).select(
                pl.lit(ts.astimezone(dt.UTC)).cast(UTC_US).alias("ts"), pl.all()
            )
            for ts, frame in increments
        ]
    ).sort(["ts", *FLOW_KEY])


def charm_rows(priced: pl.DataFrame, ts: dt.datetime) -> pl.DataFrame:
    """Return the per-contract charm of one priced chain stamped ``ts`` (``CHARM_SCHEMA``).

    Examples
    --------
    >>> f = pl.DataFrame({"root": ["SPXW"], "expiry": [dt.date(2024, 3, 15)], "strike": [5000.0],
    ...                   "right": ["C"], "charm": [-0.01], "open_interest": [200],
    ...                   "multiplier": [100.0]})
    >>> charm_rows(f, dt.datetime(2024, 3, 13, 18, tzinfo=dt.UTC)).item(0, "charmxoi")
    -200.0
    """
    oi = pl.col("open_interest").cast(pl.Int64)
    return priced.select(
        pl.lit(ts.astimezone(dt.UTC)).cast(UTC_US).alias("ts"),
        *FLOW_KEY,
        "charm",
        oi.alias("open_interest"),
        (pl.col("charm") * oi * pl.col("multiplier")).alias("charmxoi"),
    ).select([pl.col(c).cast(t) for c, t in CHARM_SCHEMA.items()])


__all__ = [
    "CHARM_SCHEMA",
    "INCREMENT_HISTORY_SCHEMA",
    "STRIKE_FLOW_COLUMNS",
    "STRIKE_FLOW_SCHEMA",
    "charm_rows",
    "increment_history",
    "strike_flows",
]
