"""Building a ``ChainSnapshot`` from a large file batch by batch, within a small memory budget.

``build_snapshot`` validates one whole raw frame; on a 200 MB file that frame and the snapshot
built from it exist together (about 2.2x the file each). ``SnapshotAssembler`` gives the same
snapshot from the raw frame's batches: each batch is validated (``validate_batch``: the same
per-row refusals as ``build_snapshot``, in the same order) and converted to the snapshot's
column types at once, so only typed columns accumulate; ``finish`` then does what needs every
row (one underlying, duplicates, expired contracts, the quote-time check, the flags, the sort),
one column at a time.

It is the fast path for files that load: it never reports a fault itself. Any refusal in a batch
and any duplicate contract raise ``Undecided`` (or the refusal), and the caller runs the
whole-file path, which gives the exact message (file, line and field) and the exact duplicate
policy. So a refused file costs the whole-file path's memory; a file that loads does not.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from eots.chain.schema import CHAIN_SCHEMA
from eots.chain.snapshot import ChainSnapshot, QualityItem, QualityReport
from eots.chain.validate import (
    _KEY,
    _conform,
    _early_quote_time,
    _flags,
    _occ_symbol,
    _refuse_bad_values,
    _refuse_implausible,
    _underlying,
    _with_settlement,
)
from eots.core.errors import SchemaError
from eots.core.time import QuoteTime

_TYPED = [c for c in CHAIN_SCHEMA if c != "underlying"]
_NUMERIC_TYPED = [
    c for c in _TYPED if CHAIN_SCHEMA[c] in (pl.Float64(), pl.Int64()) and c != "source_line"
]
_VARIES = object()  # a column that is not one constant in every batch


class Undecided(Exception):  # noqa: N818  (not an error: "ask the whole-file path")
    """The batched path leaves this file to the whole-file path (a refusal or a duplicate)."""


def validate_batch(raw: pl.DataFrame, *, spot: float, source: str) -> pl.DataFrame:
    """Validate one batch of a reader's raw frame and return it in the snapshot's column types.

    The per-row checks of ``build_snapshot`` in its order (a refusal raises ``SchemaError``);
    the result has every ``CHAIN_SCHEMA`` column but ``underlying``, in the batch's row order.
    """
    frame = _conform(raw, source)
    _refuse_bad_values(frame, source)
    if not (spot == spot and 0.0 < spot < float("inf")):
        raise SchemaError(
            f"expected a positive finite spot, was {spot!r}", source=source, field="spot"
        )
    _refuse_implausible(frame, spot, source)
    frame = _with_settlement(frame.with_columns(pl.col("symbol").fill_null(_occ_symbol())))
    frame = frame.with_columns(
        quote_valid=(
            pl.col("bid").is_not_null()
            & pl.col("ask").is_not_null()
            & (pl.col("bid") > 0)
            & (pl.col("ask") >= pl.col("bid"))
        )
    )
    return frame.select([pl.col(c).cast(CHAIN_SCHEMA[c]) for c in _TYPED])


class SnapshotAssembler:
    """Collect validated batches (``add``) and build the snapshot (``finish``).

    ``part`` orders batches as the whole-file raw frame orders its rows: a reader whose frame
    holds all calls, then all puts (CBOE quotedata.csv) adds each batch's calls as part 0 and
    its puts as part 1; the ``expired`` example is then the same row ``build_snapshot`` names.
    """

    def __init__(self, *, spot: float, source: str) -> None:
        self.spot = spot
        self.source = source
        self.rows_read = 0
        self._parts: dict[int, list[pl.DataFrame]] = {}
        self._constant: dict[str, object] = {}

    def add(self, raw: pl.DataFrame, *, part: int = 0) -> None:
        """Validate ``raw`` (one batch of rows) and keep its typed columns."""
        self.rows_read += raw.height
        typed = validate_batch(raw, spot=self.spot, source=self.source)
        if typed.height:
            self._parts.setdefault(part, []).append(self._constants(typed))

    def _constants(self, typed: pl.DataFrame) -> pl.DataFrame:
        """Hold numeric columns that are one value (or all null) in the batch as a scalar.

        A source without theta or vega, or with the default multiplier, then costs no memory per
        row; ``self._constant`` keeps the value of each column that is constant in every batch.
        """
        names = [c for c in _NUMERIC_TYPED if self._constant.get(c, 0) is not _VARIES]
        if not names:
            return typed
        stats = typed.select(
            *[pl.col(c).null_count().alias(f"n{i}") for i, c in enumerate(names)],
            *[pl.col(c).min().alias(f"lo{i}") for i, c in enumerate(names)],
            *[pl.col(c).max().alias(f"hi{i}") for i, c in enumerate(names)],
        ).row(0, named=True)
        scalars = []
        for i, name in enumerate(names):
            lo, hi, nulls = stats[f"lo{i}"], stats[f"hi{i}"], stats[f"n{i}"]
            value: object = _VARIES
            if nulls == typed.height:
                value = None
            elif nulls == 0 and lo == hi and lo != 0:  # (0 could be -0.0 on some rows)
                value = lo
            if name not in self._constant:
                self._constant[name] = value
            elif self._constant[name] != value or value is _VARIES:
                self._constant[name] = _VARIES
            if value is not _VARIES:
                scalars.append(pl.lit(value, dtype=CHAIN_SCHEMA[name]).alias(name))
        return typed.with_columns(scalars) if scalars else typed

    def roots(self) -> list[str]:
        """Return the distinct roots of every batch so far, sorted."""
        seen: set[str] = set()
        for batches in self._parts.values():
            for batch in batches:
                seen.update(batch.get_column("root").unique().to_list())
        return sorted(seen)

    def finish(
        self,
        *,
        quote_time: QuoteTime,
        ts_recv: dt.datetime,
        source_format: str,
        underlying: str | None = None,
    ) -> ChainSnapshot:
        """Return the snapshot ``build_snapshot`` gives for the concatenated batches.

        Raises
        ------
        Undecided
            No row, duplicate contracts, or no live contract: the whole-file path decides.
        SchemaError
            Roots of several underlyings, a contradicted underlying, or a wrong quote time.
        """
        roots = pl.DataFrame({"root": self.roots()}, schema={"root": pl.String})
        batches = [b for part in sorted(self._parts) for b in self._parts.pop(part)]
        if not batches:
            raise Undecided("no rows")
        symbol = _underlying(roots, self.source, underlying)
        key = _sort_key(batches, roots.get_column("root"))
        order = key.arg_sort()
        if _has_ties(key, order):
            raise Undecided("duplicate contracts (or strikes closer than 0.001)")
        del key
        expiry_ts = pl.concat([b.get_column("expiry_ts") for b in batches], rechunk=False)
        expired = expiry_ts <= quote_time.ts
        n_expired = int(expired.sum())
        dropped: list[QualityItem] = []
        if n_expired:
            at = int(expired.arg_true()[0])
            first = pl.concat([b.select(*_KEY, "expiry_ts") for b in batches]).row(at, named=True)
            dropped.append(
                QualityItem(
                    reason=f"expired at or before as_of {quote_time.ts.isoformat()}",
                    count=n_expired,
                    example=f"{first['root']} {first['expiry']} settled {first['expiry_ts']}",
                )
            )
            order = order.filter(~expired.gather(order))
        del expiry_ts, expired
        if order.len() == 0:
            raise Undecided("no live contract")
        constant = {c: v for c, v in self._constant.items() if v is not _VARIES}
        frame = _gathered(batches, order, symbol, constant)
        early = _early_quote_time(frame, quote_time, self.source)
        flagged = _flags(frame) + ([early] if early is not None else [])
        quality = QualityReport(
            rows_read=self.rows_read,
            rows_kept=frame.height,
            dropped=tuple(dropped),
            flagged=tuple(flagged),
        )
        return ChainSnapshot(
            underlying=symbol,
            spot=float(self.spot),
            ts_event=quote_time.ts,
            ts_recv=ts_recv,
            time_basis=quote_time.basis,
            frame=frame,
            quality=quality,
            source=self.source,
            source_format=source_format,
        )


def _sort_key(batches: list[pl.DataFrame], roots: pl.Series) -> pl.Series:
    """One UInt64 per row that sorts as (expiry, strike, right, root) and is unique per contract.

    Bits, high to low: days since the earliest expiry (16), the strike in thousandths (34: up to
    ``MAX_STRIKE``), the right (1), the root's rank among ``roots`` (the rest). Strikes that
    differ by less than 0.001 share a key: ``finish`` then leaves the file to ``build_snapshot``.
    """
    root_bits = max(1, (roots.len() - 1).bit_length())
    first = min(_date(b.get_column("expiry").min()) for b in batches)
    last = max(_date(b.get_column("expiry").max()) for b in batches)
    if root_bits > 64 - 16 - 34 - 1 or (last - first).days >= 1 << 16:
        raise Undecided("too many roots or expiries too far apart for the sort key")
    rank = pl.col("root").replace_strict(
        roots.to_list(), list(range(roots.len())), return_dtype=pl.UInt64
    )
    days = (pl.col("expiry") - pl.lit(first)).dt.total_days().cast(pl.UInt64)
    milli = (pl.col("strike") * 1000).round(0).cast(pl.UInt64)
    right = (pl.col("right") == "P").cast(pl.UInt64)
    key = ((days * (1 << 34) + milli) * 2 + right) * (1 << root_bits) + rank
    return pl.concat([b.select(key.alias("key")).to_series() for b in batches], rechunk=False)


def _has_ties(key: pl.Series, order: pl.Series, step: int = 1 << 18) -> bool:
    """Whether two rows share a key (``order`` sorts ``key``), looked at in pieces of ``step``."""
    previous: int | None = None
    for at in range(0, order.len(), step):
        ranked = key.gather(order.slice(at, step))
        if previous is not None and ranked[0] == previous:
            return True
        if (ranked.slice(1) == ranked.slice(0, ranked.len() - 1)).any():
            return True
        previous = ranked[-1]
    return False


def _date(value: object) -> dt.date:
    assert isinstance(value, dt.date)
    return value


def _gathered(
    batches: list[pl.DataFrame], order: pl.Series, symbol: str, constant: dict[str, object]
) -> pl.DataFrame:
    """Concatenate the batches' rows at ``order``, one column at a time (``batches`` is emptied).

    Each column is gathered in pieces of about a batch's rows, then dropped from the batches:
    the next column's pieces reuse the memory just freed, so the peak is the snapshot plus about
    one column (one large allocation per column would leave the freed pieces unused). The
    ``underlying`` and the ``constant`` columns (name -> value) are scalar columns, as in
    ``build_snapshot``'s result.
    """
    step = max(1, max(b.height for b in batches))
    pieces = [order.slice(at, step) for at in range(0, order.len(), step)]
    columns: dict[str, pl.Series] = {}
    for name in _TYPED:
        if name in constant:
            continue
        whole = pl.concat([b.get_column(name) for b in batches], rechunk=False)
        columns[name] = pl.concat([whole.gather(p) for p in pieces], rechunk=False)
        del whole
        for i, batch in enumerate(batches):
            batches[i] = batch.drop(name)
    batches.clear()
    scalars = [pl.lit(v, dtype=CHAIN_SCHEMA[c]).alias(c) for c, v in constant.items()]
    scalars.append(pl.lit(symbol, dtype=pl.String).alias("underlying"))
    if not columns:  # (cannot happen: the key columns are never constant)
        raise Undecided("no column to gather")
    return pl.DataFrame(list(columns.values())).with_columns(scalars).select(list(CHAIN_SCHEMA))
