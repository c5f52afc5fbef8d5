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

import numpy as np
import polars as pl

from eots.chain.schema import RIGHTS, UTC_US, conformed, utc_lit
from eots.flows.schema import FLOW_KEY, INCREMENT_SCHEMA, SIDE_COLUMNS, WINDOW_COLUMNS
from eots.flows.window import epoch_us

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


def strike_flows(flows: pl.DataFrame, *, key_sorted: bool = False) -> pl.DataFrame:
    """Return ``flows`` (``FLOW_SCHEMA``) summed per strike (``STRIKE_FLOW_SCHEMA``).

    Rows are summed in (strike, root, expiry, right) order whatever the input order, so the same
    contracts give bit-identical sums (NumPy segmented sums over the strike groups, per column).
    ``key_sorted``: the caller knows ``flows`` is sorted by contract key (``FLOW_SCHEMA`` frames
    of ``eots.flows`` are), so a stable sort by strike alone gives that order.

    Raises
    ------
    ValueError
        If a strike is missing (null or NaN): its flows could not be placed.

    Examples
    --------
    >>> f = pl.DataFrame({"strike": [100.0, 100.0, 105.0], "volm_bs": [3.0, float("nan"), 1.0]})
    >>> out = strike_flows(f)
    >>> out.select("strike", "volm_bs", "n_contracts").rows()
    [(100.0, 3.0, 2), (105.0, 1.0, 1)]
    """
    if flows.height == 0:
        return pl.DataFrame(schema=STRIKE_FLOW_SCHEMA)
    strike = flows.get_column("strike").cast(pl.Float64).to_numpy()  # nulls are NaN
    if np.isnan(strike).any():
        raise ValueError(
            f"expected a strike on every flow row, was {int(np.isnan(strike).sum())} null or NaN "
            f"of {flows.height}"
        )
    if key_sorted:
        order = np.argsort(strike, kind="stable")
    else:
        keys = [c for c in ("strike", *FLOW_KEY) if c in flows.columns]
        order = flows.select(pl.arg_sort_by(keys, maintain_order=True)).to_series().to_numpy()
    strike = strike[order]
    starts = np.concatenate([[0], np.flatnonzero(np.diff(strike)) + 1])
    groups = len(starts)
    out: dict[str, np.ndarray] = {"strike": strike[starts]}
    unknown = np.zeros(len(strike), dtype=np.bool_)
    for c in STRIKE_FLOW_COLUMNS:
        if c not in flows.columns:
            out[c] = np.full(groups, np.nan)
            continue
        # one column at a time (a few small arrays rather than one large temporary)
        values = flows.get_column(c).cast(pl.Float64).to_numpy()[order]  # nulls are NaN
        missing = np.isnan(values)
        values[missing] = 0.0
        total = np.add.reduceat(values, starts)
        count = np.add.reduceat(~missing, starts, dtype=np.int64)
        out[c] = np.where(count > 0, total, np.nan)
        if c == "volm_bs":
            unknown = missing
    sizes = np.diff(np.append(starts, len(strike)))
    out["n_contracts"] = sizes.astype(np.uint32)
    out["n_contracts_unknown"] = np.add.reduceat(unknown, starts, dtype=np.uint32)
    return pl.DataFrame(out, schema=STRIKE_FLOW_SCHEMA)


def stamped_increment(
    ts: dt.datetime, frame: pl.DataFrame, *, key_sorted: bool = False, typed: bool = False
) -> pl.DataFrame:
    """Return one increment (``INCREMENT_SCHEMA``) stamped ``ts``: ``INCREMENT_HISTORY_SCHEMA``.

    ``key_sorted``: the caller knows ``frame`` is sorted by contract key (``inferred_flow``'s
    output is), so it is not sorted again. ``typed``: the caller knows ``frame`` holds exactly
    ``INCREMENT_SCHEMA``'s columns and types (``eots.flows.inference.inferred_increment``'s
    frames with arrays do), so the stamp is put before its columns without a query.
    """
    if typed:
        stamp = pl.Series("ts", [epoch_us(ts)], dtype=pl.Int64).cast(UTC_US)
        piece = pl.DataFrame([stamp.new_from_index(0, frame.height), *frame.get_columns()])
    else:
        piece = frame.select(utc_lit(ts).alias("ts"), *INCREMENT_SCHEMA)
        piece = conformed(piece, INCREMENT_HISTORY_SCHEMA)  # the usual increment: as it is
    return piece if key_sorted else piece.sort(list(FLOW_KEY), maintain_order=True)


def stack_increments(pieces: Sequence[pl.DataFrame]) -> pl.DataFrame:
    """Stack ``stamped_increment`` pieces (one stamp each) into ``INCREMENT_HISTORY_SCHEMA``.

    Pieces are ordered by their stamp; each is already sorted by key, so the stack is sorted by
    ``ts`` then key without sorting its rows.

    Raises
    ------
    ValueError
        If two pieces share a stamp (one increment per snapshot time).
    """
    kept = [p for p in pieces if p.height]
    if not kept:
        return pl.DataFrame(schema=INCREMENT_HISTORY_SCHEMA)
    stamps = [p.get_column("ts")[0] for p in kept]
    if len(set(stamps)) != len(stamps):
        raise ValueError(f"expected one increment per stamp, was stamps {sorted(stamps)}")
    order = sorted(range(len(kept)), key=lambda i: stamps[i])
    return pl.concat([kept[i] for i in order])


def increment_history(increments: Sequence[tuple[dt.datetime, pl.DataFrame]]) -> pl.DataFrame:
    """Stack ``(stamp, INCREMENT_SCHEMA frame)`` pairs into ``INCREMENT_HISTORY_SCHEMA``.

    Sorted by ``ts`` then contract key.
    """
    return stack_increments([stamped_increment(ts, frame) for ts, frame in increments])


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
    oi_int = priced.get_column("open_interest").cast(pl.Int64)
    charm, multiplier = priced.get_column("charm"), priced.get_column("multiplier")
    if (
        charm.dtype == pl.Float64
        and multiplier.dtype == pl.Float64
        and not (oi_int.null_count() or charm.null_count() or multiplier.null_count())
    ):
        # no nulls to carry: the same products as the expression's (OI as a float), as arrays
        product = charm.to_numpy() * oi_int.to_numpy().astype(np.float64) * multiplier.to_numpy()
        stamp = pl.Series("ts", [epoch_us(ts)], dtype=pl.Int64).cast(UTC_US)
        columns = [
            stamp.new_from_index(0, priced.height),
            *(priced.get_column(c) for c in FLOW_KEY),
            charm,
            oi_int.alias("open_interest"),
            pl.Series("charmxoi", product),
        ]
        return conformed(pl.DataFrame(columns), CHARM_SCHEMA)
    oi = pl.col("open_interest").cast(pl.Int64)
    rows = priced.select(
        utc_lit(ts).alias("ts"),
        *FLOW_KEY,
        "charm",
        oi.alias("open_interest"),
        (pl.col("charm") * oi * pl.col("multiplier")).alias("charmxoi"),
    )
    return conformed(rows, CHARM_SCHEMA)  # a priced chain's usual columns: as they are


__all__ = [
    "CHARM_SCHEMA",
    "INCREMENT_HISTORY_SCHEMA",
    "STRIKE_FLOW_COLUMNS",
    "STRIKE_FLOW_SCHEMA",
    "charm_rows",
    "increment_history",
    "stack_increments",
    "stamped_increment",
    "strike_flows",
]
