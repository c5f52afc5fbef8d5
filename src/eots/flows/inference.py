"""Flow inferred from two consecutive snapshots of one session (conventions.md section 5, source 2).

Each contract's volume increment ``dv = volume_curr - volume_prev`` (contracts traded between the
two quote times) is split into customer buys and sells by where the current ``last`` price sits in
the current bid-ask spread (the quote rule of ``eots.flows.classify``), then valued at ``last`` and
weighted by the current priced chain's greeks. Net flow ``*_bs = *_buy - *_sell`` is the customer's
(buyer-initiated minus seller-initiated); the dealer view is its negation. The output follows
``INCREMENT_SCHEMA``, one row per contract of ``curr``; ``session_flows`` accumulates a session's
increments.

Edge rules (each unknown row gets ``flow_source = none``, NaN flows and a ``flow_reason``):

* A pair from two sessions is refused (``ReplayError``): volume restarts every session, so the
  difference would be meaningless. So is a pair out of time order or of two underlyings.
* A volume that goes down (data error, a source restarting its count) is never turned into negative
  flow: ``volume_decreased``. A volume missing from either snapshot: ``no_volume``.
* A contract in ``curr`` but absent from ``prev`` (listed intraday, or first quoted in between)
  counts its whole session volume: the pair is of one session, so that volume was traded since the
  open and none of it was counted by an earlier increment of this pair's sequence. (If a source
  drops a traded contract from one snapshot and restores it later, its volume is counted again:
  sources must not drop live contracts.) Contracts in ``prev`` only have no row.
* ``dv == 0`` is a known zero flow, whatever the quote. ``dv > 0`` without a usable ``last`` or
  quote is unclassified: ``volm`` and ``volm_unclassified`` hold ``dv``, the split is NaN, and
  the reason is ``no_price`` or ``no_quote``.

Approximations: the whole increment is classified by the *last* trade price against the quote *at
the snapshot time*, not each trade against its own quote; a trade feed (``eots.flows.trades``)
avoids both. Greek flows use greeks as of ``curr`` and are NaN where the pricer gave none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import polars as pl
from numpy.typing import NDArray

from eots.chain.schema import conformed
from eots.chain.snapshot import ChainSnapshot
from eots.core.errors import ReplayError
from eots.core.frames import select_columns
from eots.core.time import session_of
from eots.flows.classify import (
    CodeColumns,
    Split,
    buy_fraction,
    buy_fraction_array,
    nan_for_null,
    side_columns,
    side_series,
    source_codes,
    split_arrays,
    unclassified_reason,
)
from eots.flows.schema import (
    FLOW_KEY,
    FLOW_REASONS,
    GREEK_FLOWS,
    INCREMENT_SCHEMA,
    KEY_SCHEMA,
    SIDE_COLUMNS,
    FlowReason,
    FlowSource,
)

#: Columns ``greeks`` must hold: the chain key plus the greeks per share.
GREEK_INPUT = (*FLOW_KEY, *GREEK_FLOWS)
_REASON_CODES = {r: list(FLOW_REASONS.categories).index(r.value) for r in FlowReason}

Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]
Ints = NDArray[np.int64]
_T = TypeVar("_T", bound=np.generic)


@dataclass(slots=True)
class KeyOrder:
    """The key-order permutation of a chain's rows, kept for the next chain of the same layout.

    Snapshots of a session usually list the same contracts in the same (not key) order, so the
    permutation that sorts one sorts the next; it is reused only after checking that the rows'
    keys equal the ones it was computed for (a cheap comparison, no sort), else recomputed.
    ``sorted_keys``: those keys in key order (gathered once per layout); the symbols in key order
    are kept while they repeat. ``columns``: the last enum columns made (``CodeColumns``).
    """

    keys: pl.DataFrame | None = None
    rows: pl.Series | None = None
    identity: bool = False
    sorted_keys: pl.DataFrame | None = None
    columns: CodeColumns = field(default_factory=CodeColumns)
    _rows_np: NDArray[np.int64] | None = None
    _symbols: tuple[pl.Series, pl.Series] | None = None

    def sort(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Return ``frame`` sorted by ``FLOW_KEY`` (as ``frame.sort(FLOW_KEY)`` for unique keys)."""
        rows = self.permutation(_key_frame(frame))
        return frame if rows is None else frame[rows]

    def permutation(self, keys: pl.DataFrame) -> NDArray[np.int64] | None:
        """Return the rows of ``keys`` (``FLOW_KEY`` columns) in key order; None: as they are."""
        if self.keys is None or self.rows is None or not keys.equals(self.keys):
            rows = keys.select(pl.arg_sort_by(list(FLOW_KEY), maintain_order=True)).to_series()
            self.keys, self.rows = keys, rows
            self._rows_np = rows.to_numpy().astype(np.int64)
            self.identity = bool(np.array_equal(self._rows_np, np.arange(keys.height)))
            self.sorted_keys = keys if self.identity else keys[rows]
            self._symbols = None
        return None if self.identity else self._rows_np

    def sorted_symbols(self, symbol: pl.Series) -> pl.Series:
        """Return ``symbol`` (of the keys last given to ``permutation``) in key order."""
        if self._rows_np is None or self.identity:
            return symbol
        kept = self._symbols
        if kept is None or not kept[0].equals(symbol, check_dtypes=True, check_names=True):
            kept = self._symbols = (symbol, symbol.gather(self._rows_np))
        return kept[1]

    def chain_rows(self, n: int) -> NDArray[np.int64] | None:
        """Return the row of ``frame`` each sorted row came from (None: no permutation of ``n``)."""
        if self.rows is None or self.rows.len() != n:
            return None
        return np.arange(n, dtype=np.int64) if self.identity else self.rows.to_numpy()


@dataclass(frozen=True, slots=True)
class FlowArrays:
    """An increment's numbers as computed, one value per row of its frame (in its order).

    ``sides``: the ``SIDE_COLUMNS`` arrays (equal to the frame's columns); ``source`` and
    ``reason``: the ``FLOW_SOURCES`` and ``FLOW_REASONS`` codes of ``flow_source`` and
    ``flow_reason`` (-1: null). Lets ``eots.flows.window.align_increment`` skip reading the
    frame back.
    """

    sides: dict[str, Floats]
    source: Ints
    reason: Ints


@dataclass(frozen=True, slots=True, kw_only=True)
class _Inputs:
    """The joined rows as arrays (a null number as NaN; nulls of the volumes as masks)."""

    head: pl.DataFrame  # the output's key and symbol columns
    volume: NDArray[Any]  # integers, nulls as 0
    volume_null: Bools
    prev: NDArray[Any]  # integers, nulls as 0
    prev_null: Bools
    in_prev: Bools
    last: Floats
    bid: Floats
    ask: Floats
    multiplier: Floats
    greeks: dict[str, Floats]


def inferred_flow(
    prev: ChainSnapshot,
    curr: ChainSnapshot,
    greeks: pl.DataFrame,
    *,
    order: KeyOrder | None = None,
) -> pl.DataFrame:
    """Return each contract's buy/sell flow between two snapshots of one session.

    Parameters
    ----------
    prev, curr
        Consecutive validated snapshots of one underlying and one session, ``prev`` earlier.
    greeks
        The priced chain of ``curr`` (``eots.greeks.frame.priced_chain(curr, params)``), or any
        frame with the chain key and ``delta`` (per $1), ``gamma`` (per $1 per $1), ``vega`` ($ per
        vol point) and ``theta`` ($ per day), all per share.

    Returns
    -------
    pl.DataFrame
        ``INCREMENT_SCHEMA``, one row per contract of ``curr``, sorted by key. Units in
        ``eots.flows.schema``; customer net flow ``*_bs = *_buy - *_sell`` (dealer: its negation).
    order
        A ``KeyOrder`` kept between calls (the key-order permutation of ``curr``'s layout, reused
        when the next ``curr`` lists the same contracts in the same order); None: sorted here.

    Raises
    ------
    ReplayError
        When the snapshots are of different underlyings or sessions, or not in time order.
    """
    return inferred_increment(prev, curr, greeks, order=order)[0]


def inferred_increment(
    prev: ChainSnapshot,
    curr: ChainSnapshot,
    greeks: pl.DataFrame,
    *,
    order: KeyOrder | None = None,
) -> tuple[pl.DataFrame, FlowArrays | None]:
    """Return ``inferred_flow`` and its numbers as arrays (None when computed as expressions).

    With ``order``, consecutive snapshots listing the same contracts in the same order (the usual
    case) are read as arrays and put in key order by the kept permutation: no joined frame is
    built nor sorted (the same numbers: each row is computed on its own).
    """
    if prev.underlying != curr.underlying:
        raise ReplayError(
            f"expected snapshots of one underlying, was prev={prev.underlying} "
            f"curr={curr.underlying}"
        )
    _check_pair(prev.ts_event, curr.ts_event)
    if order is not None:
        inputs = _paired_inputs(prev.frame, curr.frame, greeks, order)
        if inputs is not None:
            if _has_nan_array(inputs, curr.frame):
                return _expression_flow(order.sort(_joined(prev.frame, curr.frame, greeks))), None
            return _array_flow_of(inputs, order.columns)
    return _frame_flow(prev.frame, curr.frame, greeks, order)


def inferred_flow_frames(
    prev: pl.DataFrame,
    curr: pl.DataFrame,
    greeks: pl.DataFrame,
    *,
    prev_ts: dt.datetime,
    curr_ts: dt.datetime,
    order: KeyOrder | None = None,
) -> pl.DataFrame:
    """Return ``inferred_flow`` for chain frames (``CHAIN_SCHEMA``) quoted at the given instants.

    Examples
    --------
    A call whose volume rose by 10 while the last trade printed at the ask is all bought:

    >>> from eots.core.time import UTC
    >>> import datetime as dt
    >>> key = {"root": ["SPXW"], "expiry": [dt.date(2024, 3, 15)], "strike": [5000.0],
    ...        "right": pl.Series(["C"], dtype=pl.Enum(["C", "P"]))}
    >>> prev = pl.DataFrame({**key, "volume": [5]})
    >>> curr = pl.DataFrame({**key, "symbol": ["X"], "bid": [9.9], "ask": [10.1], "last": [10.1],
    ...                      "volume": [15], "multiplier": [100.0]})
    >>> g = pl.DataFrame({**key, "delta": [0.5], "gamma": [0.01], "vega": [2.0], "theta": [-3.0]})
    >>> t0 = dt.datetime(2024, 3, 13, 15, tzinfo=UTC)
    >>> out = inferred_flow_frames(prev, curr, g, prev_ts=t0, curr_ts=t0 + dt.timedelta(minutes=5))
    >>> out.select("volm_buy", "volm_sell", "value_buy", "deltas_buy", "flow_source").row(0)
    (10.0, 0.0, 10100.0, 500.0, 'inferred_snapshots')
    """
    _check_pair(prev_ts, curr_ts)
    return _frame_flow(prev, curr, greeks, order)[0]


def _frame_flow(
    prev: pl.DataFrame, curr: pl.DataFrame, greeks: pl.DataFrame, order: KeyOrder | None
) -> tuple[pl.DataFrame, FlowArrays | None]:
    joined = _joined(prev, curr, greeks)  # the output is sorted by key
    joined = joined.sort(list(FLOW_KEY)) if order is None else order.sort(joined)
    if _has_nan(joined, ("last", "bid", "ask")):  # NaN prices: polars' ordering of NaN
        return _expression_flow(joined), None
    return _array_flow_of(_joined_inputs(joined), None if order is None else order.columns)


def _has_nan(frame: pl.DataFrame, columns: tuple[str, ...]) -> bool:
    return any(bool(frame.get_column(c).cast(pl.Float64).is_nan().any()) for c in columns)


def _has_nan_array(inputs: _Inputs, curr: pl.DataFrame) -> bool:
    """``_has_nan`` of the prices: a NaN that is not a null (nulls read as NaN too)."""
    return any(
        int(np.count_nonzero(np.isnan(a))) != curr.get_column(c).null_count()
        for c, a in (("last", inputs.last), ("bid", inputs.bid), ("ask", inputs.ask))
    )


def _key_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame.select(FLOW_KEY)`` (the columns as they are, without a query)."""
    return select_columns(frame, FLOW_KEY)


def _floats(s: pl.Series) -> Floats:
    return s.cast(pl.Float64).to_numpy()  # nulls are NaN


def _filled(s: pl.Series, fill: int | bool) -> tuple[NDArray[Any], Bools]:
    """``s`` with nulls as ``fill`` and its null mask (no query when it holds no null)."""
    if s.null_count() == 0:
        return s.to_numpy(), np.zeros(s.len(), dtype=np.bool_)
    return s.fill_null(fill).to_numpy(), s.is_null().to_numpy()


def _joined_inputs(joined: pl.DataFrame) -> _Inputs:
    volume, volume_null = _filled(joined.get_column("volume"), 0)
    prev, prev_null = _filled(joined.get_column("_volume_prev"), 0)
    in_prev = _filled(joined.get_column("_in_prev"), fill=False)[0]
    return _Inputs(
        head=select_columns(joined, (*FLOW_KEY, "symbol")),
        volume=volume,
        volume_null=volume_null,
        prev=prev,
        prev_null=prev_null,
        in_prev=in_prev,
        last=_floats(joined.get_column("last")),
        bid=_floats(joined.get_column("bid")),
        ask=_floats(joined.get_column("ask")),
        multiplier=_floats(joined.get_column("multiplier")),
        greeks={g: _floats(joined.get_column(g)) for g in GREEK_FLOWS},
    )


def _paired_inputs(
    prev: pl.DataFrame, curr: pl.DataFrame, greeks: pl.DataFrame, order: KeyOrder
) -> _Inputs | None:
    """``_joined_inputs`` of the sorted ``_joined`` when the three frames list the same keys.

    Then the joined rows are ``curr``'s rows with ``prev``'s volume and the greeks beside them,
    all in prev, every row (``_joined``): they are read as arrays and put in key order by
    ``order``'s permutation. None: the keys differ (a join is needed).
    """
    keys = _key_frame(curr)
    if not (_key_frame(prev).equals(keys) and _key_frame(greeks).equals(keys)):
        return None
    rows = order.permutation(keys)
    sorted_keys = order.sorted_keys if order.sorted_keys is not None else keys
    head = pl.DataFrame(
        [*sorted_keys.get_columns(), order.sorted_symbols(curr.get_column("symbol"))]
    )

    def put(a: NDArray[_T]) -> NDArray[_T]:
        return a if rows is None else a[rows]

    volume, volume_null = _filled(curr.get_column("volume"), 0)
    before, before_null = _filled(prev.get_column("volume"), 0)
    return _Inputs(
        head=head,
        volume=put(volume),
        volume_null=put(volume_null),
        prev=put(before),
        prev_null=put(before_null),
        in_prev=np.ones(curr.height, dtype=np.bool_),
        last=put(_floats(curr.get_column("last"))),
        bid=put(_floats(curr.get_column("bid"))),
        ask=put(_floats(curr.get_column("ask"))),
        multiplier=put(_floats(curr.get_column("multiplier"))),
        greeks={g: put(_floats(greeks.get_column(g))) for g in GREEK_FLOWS},
    )


def _array_flow(joined: pl.DataFrame) -> pl.DataFrame:
    """Return the increment of the joined rows computed as NumPy arrays (no NaN prices).

    The same rules and operations as ``_expression_flow`` (the volume reasons first, then the
    quote rule), so the numbers are equal.
    """
    return _array_flow_of(_joined_inputs(joined), None)[0]


def _array_flow_of(rows: _Inputs, memo: CodeColumns | None) -> tuple[pl.DataFrame, FlowArrays]:
    """``_array_flow`` of the rows as arrays, with its numbers (enum columns from ``memo``)."""
    in_prev, vol, vol_prev = rows.in_prev, rows.volume, rows.prev
    no_volume = rows.volume_null | (in_prev & rows.prev_null)
    decreased = ~no_volume & in_prev & (vol < vol_prev)
    size = np.where(in_prev, vol - vol_prev, vol).astype(np.float64)
    size_known = ~(no_volume | decreased)
    last = rows.last
    fraction, fraction_known = buy_fraction_array(last, rows.bid, rows.ask)
    out, known = split_arrays(
        Split(
            size=np.where(size_known, size, np.nan),
            size_known=size_known,
            fraction=fraction,
            fraction_known=fraction_known,
            price=last,
            multiplier=rows.multiplier,
            greeks=rows.greeks,
        )
    )
    no_price = ~(last > 0)  # null (NaN) or not positive
    reason = np.select(
        [known, no_volume, decreased, no_price],
        [
            -1,
            _REASON_CODES[FlowReason.NO_VOLUME],
            _REASON_CODES[FlowReason.VOLUME_DECREASED],
            _REASON_CODES[FlowReason.NO_PRICE],
        ],
        _REASON_CODES[FlowReason.NO_QUOTE],
    )
    source = source_codes(known, FlowSource.INFERRED_SNAPSHOTS)
    memo = memo if memo is not None else CodeColumns()
    out_frame = pl.DataFrame(
        [
            *rows.head.get_columns(),
            *side_series(out),
            memo.sources(source),
            memo.reasons(reason),
        ]
    )
    # the side, source and reason columns are of the schema's types: only the head may need a cast
    if rows.head.schema != KEY_SCHEMA:
        out_frame = conformed(out_frame, INCREMENT_SCHEMA)
    return out_frame, FlowArrays(sides=out, source=source, reason=reason.astype(np.int64))


def _expression_flow(joined: pl.DataFrame) -> pl.DataFrame:
    """Return the increment of the joined rows as polars expressions (any prices)."""
    vol, vol_prev, in_prev = pl.col("volume"), pl.col("_volume_prev"), pl.col("_in_prev")
    in_prev = in_prev.fill_null(value=False)
    volume_reason = (
        pl.when(vol.is_null() | (in_prev & vol_prev.is_null()))
        .then(pl.lit(FlowReason.NO_VOLUME.value))
        .when(in_prev & (vol < vol_prev))
        .then(pl.lit(FlowReason.VOLUME_DECREASED.value))
    )
    size = pl.when(in_prev).then(vol - vol_prev).otherwise(vol)
    prepared = joined.with_columns(
        _size=pl.when(volume_reason.is_null()).then(size.cast(pl.Float64)),
        _fraction=buy_fraction(pl.col("last"), pl.col("bid"), pl.col("ask")),
        _reason=volume_reason.otherwise(unclassified_reason(pl.col("last"))),
        _price=pl.col("last"),
        **{g: pl.col(g).fill_null(float("nan")) for g in GREEK_FLOWS},
    )
    out = side_columns(prepared, source=FlowSource.INFERRED_SNAPSHOTS)
    return out.with_columns(nan_for_null(list(SIDE_COLUMNS))).select(list(INCREMENT_SCHEMA))


def _joined(prev: pl.DataFrame, curr: pl.DataFrame, greeks: pl.DataFrame) -> pl.DataFrame:
    """Return ``curr``'s rows with the previous volume and the greeks beside them.

    Consecutive snapshots usually list the same contracts in the same order, and the priced
    chain keeps the chain's order: then the columns are put side by side (the same rows a join
    gives, without hashing the keys).
    """
    keys = curr.select(FLOW_KEY)
    rows = curr.select(*FLOW_KEY, "symbol", "bid", "ask", "last", "volume", "multiplier")
    if prev.select(FLOW_KEY).equals(keys) and greeks.select(FLOW_KEY).equals(keys):
        return rows.with_columns(
            prev.get_column("volume").alias("_volume_prev"),
            _in_prev=pl.lit(value=True),
            **{g: greeks.get_column(g) for g in GREEK_FLOWS},
        )
    before = prev.select(*FLOW_KEY, _volume_prev="volume", _in_prev=pl.lit(value=True))
    return rows.join(before, on=list(FLOW_KEY), how="left", nulls_equal=True).join(
        greeks.select(GREEK_INPUT), on=list(FLOW_KEY), how="left", nulls_equal=True
    )


def _check_pair(prev_ts: dt.datetime, curr_ts: dt.datetime) -> None:
    if not prev_ts < curr_ts:
        raise ReplayError(
            f"expected prev before curr, was prev={prev_ts.isoformat()} curr={curr_ts.isoformat()}"
        )
    prev_session, curr_session = session_of(prev_ts), session_of(curr_ts)
    if prev_session != curr_session:
        raise ReplayError(
            "expected two snapshots of one session (volume restarts each session), was "
            f"prev={prev_ts.isoformat()} (session {prev_session}) "
            f"curr={curr_ts.isoformat()} (session {curr_session})"
        )
