"""Session flow totals kept incrementally: a step adds one increment's arrays, not a window's.

``session_flows`` re-aggregates every increment it is given; the engine instead keeps, per session,

* a ``ContractIndex``: contract codes stable across the session's snapshots (first appearance
  order), extended when a contract appears, with the key-sorted order of the codes kept until it
  grows;
* each increment once as an ``AlignedIncrement``: its numbers as dense NumPy arrays aligned to the
  index (unknown values zeroed, with a "known" mask beside them), its source, reason and symbol;
* a ``FlowWindow`` that sums aligned increments in time order and remembers its last result, so a
  window that only grew (the whole session, or a window still filling) adds just the new
  increments.

Exactness: ``session_flows`` sums each contract's known terms in time order starting from 0.0
(``np.bincount``); here each contract's terms are added in the same order starting from 0.0 (an
unknown term adds +0.0, which leaves every partial sum unchanged), and "known" is or-ed over the
terms. So the result equals ``session_flows`` of the same increments bit for bit (rows, order and
NaN rules included; ``tests/unit/flows/test_flows_window.py``). A window that slides (its oldest
increment leaves) is summed again from its increments, ``W`` vector additions of ``n`` contracts:
subtracting the leaving increment would be O(1) but its rounding would make the totals depend on
increments outside the window, and the fold would no longer equal a context built from a store.

An increment must hold one row per contract (``INCREMENT_SCHEMA``); a duplicated contract is
refused (``ValueError``) rather than silently summed in another order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from numpy.typing import NDArray

from eots.core.errors import ReplayError
from eots.core.frames import select_columns
from eots.core.time import session_of
from eots.flows.classify import CodeColumns, float_series
from eots.flows.inference import FlowArrays
from eots.flows.schema import (
    FLOW_KEY,
    FLOW_REASONS,
    FLOW_SCHEMA,
    FLOW_SOURCES,
    KEY_SCHEMA,
    SIDE_COLUMNS,
    WINDOWS_MIN,
    FlowSource,
)

_SIDES = tuple(SIDE_COLUMNS)
_WINDOWED = (("volmbs", _SIDES.index("volm_bs")), ("valuebs", _SIDES.index("value_bs")))
_NONE_SOURCE = list(FLOW_SOURCES.categories).index(FlowSource.NONE.value)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_US = dt.timedelta(microseconds=1)

Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]
Ints = NDArray[np.int64]


def epoch_us(ts: dt.datetime) -> int:
    """Return ``ts`` (timezone-aware) in integer microseconds since the Unix epoch."""
    return (ts - _EPOCH) // _US


@dataclass(slots=True)
class ContractIndex:
    """Contract codes of one session: code ``i`` is row ``i`` of ``keys`` (``FLOW_KEY`` columns).

    Codes are given in order of first appearance and never change, so arrays aligned to the index
    stay aligned as it grows (a longer array only adds contracts at its end).
    """

    session: dt.date
    keys: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema={c: KEY_SCHEMA[c] for c in FLOW_KEY})
    )
    _last_keys: pl.DataFrame | None = None
    _last_codes: Ints | None = None
    _sorted: Ints | None = None
    _identity: bool = False

    @property
    def size(self) -> int:
        """Contracts indexed so far."""
        return self.keys.height

    def align(self, frame: pl.DataFrame, *, typed: bool = False) -> Ints:
        """Return the code of each row of ``frame`` (``FLOW_KEY`` columns), indexing new ones.

        ``typed``: the caller knows the key columns are of ``KEY_SCHEMA``'s types (no cast pass).

        Raises
        ------
        ValueError
            If ``frame`` holds one contract twice.
        """
        keys = (
            select_columns(frame, FLOW_KEY)
            if typed
            else frame.select([pl.col(c).cast(KEY_SCHEMA[c]) for c in FLOW_KEY])
        )
        last, last_codes = self._last_keys, self._last_codes
        if last is not None and last_codes is not None and keys.equals(last):
            return last_codes
        if keys.is_duplicated().any():
            dup = keys.filter(keys.is_duplicated()).row(0, named=True)
            raise ValueError(f"expected one row per contract in an increment, was twice {dup}")
        if self.size == 0:
            codes = np.arange(keys.height, dtype=np.int64)
            self.keys = keys
        else:
            found = keys.join(
                self.keys.with_row_index("_code"),
                on=list(FLOW_KEY),
                how="left",
                nulls_equal=True,
                maintain_order="left",
            ).get_column("_code")
            new = found.is_null().to_numpy()
            codes = found.fill_null(0).to_numpy().astype(np.int64)
            if new.any():
                codes[new] = self.size + np.arange(int(new.sum()), dtype=np.int64)
                self.keys = pl.concat([self.keys, keys.filter(pl.Series(new))])
                self._sorted = None
        self._last_keys, self._last_codes = keys, codes
        return codes

    def sorted_codes(self) -> Ints:
        """Return every code, ordered by contract key (the order of ``FLOW_SCHEMA`` frames)."""
        if self._sorted is None or len(self._sorted) != self.size:
            order = self.keys.with_row_index("_code").sort(list(FLOW_KEY)).get_column("_code")
            self._sorted = order.to_numpy().astype(np.int64)
            self._identity = bool(np.array_equal(self._sorted, np.arange(self.size)))
        return self._sorted

    def in_key_order(self) -> bool:
        """Return whether code order is key order (the first increment was sorted, none since)."""
        self.sorted_codes()
        return self._identity


@dataclass(frozen=True, slots=True, kw_only=True)
class AlignedIncrement:
    """One increment (``INCREMENT_SCHEMA`` rows, stamped ``ts``) as arrays aligned to an index.

    Per-contract arrays have length ``width`` (the index size when the increment was aligned);
    contracts absent from the increment are not ``present``. The numbers are kept sparse: most
    contracts do not trade between two snapshots, and a row whose side columns are all known
    zeros changes no sum (``x + 0.0 == x``) and only marks its contract known. So ``active``
    lists the codes of the other rows (a non-zero or an unknown number), ``values`` their side
    columns (one row per column, unknown numbers zeroed) and ``known`` which were finite.
    """

    ts: dt.datetime
    ts_us: int
    session: dt.date  # the NYSE session of ``ts`` (the index's)
    width: int
    present: Bools
    unknown: Bools  # present rows whose flow_source is none
    unknown_codes: Ints  # their codes (few: most rows have a known source)
    source: Ints  # FLOW_SOURCES physical code; -1 where absent
    reason: Ints  # FLOW_REASONS physical code; -1 where absent or null
    row: Ints  # the row of each code in ``symbol``; -1 where absent
    symbol: pl.Series
    active: Ints
    values: Floats
    known: Bools
    whole_rows: Bools  # ``whole()``, made once (the windows read it every step)
    sourced: Bools  # present rows with a known source (``present & ~unknown``)
    full: bool  # every code of ``width`` is present

    def whole(self) -> Bools:
        """Contracts present with every side column a known zero (not ``active``)."""
        return self.whole_rows


def _whole(present: Bools, active: Ints) -> Bools:
    out = present.copy()
    out[active] = False
    return out


def align_increment(
    index: ContractIndex,
    ts: dt.datetime,
    frame: pl.DataFrame,
    *,
    arrays: FlowArrays | None = None,
) -> AlignedIncrement:
    """Return ``frame`` (``INCREMENT_SCHEMA``) stamped ``ts`` aligned to ``index`` (extending it).

    ``arrays``: the frame's numbers as ``inferred_increment`` computed them (the frame then
    follows ``INCREMENT_SCHEMA`` exactly); they are used instead of reading the frame back.

    Raises
    ------
    ReplayError
        If ``ts`` is naive or of another session than the index.
    ValueError
        If ``frame`` holds one contract twice.
    """
    if ts.tzinfo is None:
        raise ReplayError(f"expected timezone-aware increment stamps, was {ts!r}")
    if session_of(ts) != index.session:
        raise ReplayError(
            f"expected increments of session {index.session}, was one at {ts.isoformat()} "
            f"(session {session_of(ts)})"
        )
    codes = index.align(frame, typed=arrays is not None)
    width = index.size
    n = frame.height
    if arrays is None:
        # nulls are NaN
        sides = [frame.get_column(c).cast(pl.Float64).to_numpy() for c in _SIDES]
        source = frame.get_column("flow_source").cast(FLOW_SOURCES).to_physical().to_numpy()
        reason_codes = frame.get_column("flow_reason").cast(FLOW_REASONS).to_physical()
        reason = reason_codes.fill_null(-1).to_numpy().astype(np.int64)
    else:
        sides, source, reason = [arrays.sides[c] for c in _SIDES], arrays.source, arrays.reason
    # a row is active when a number is not a known zero: NaN and infinities are != 0 too
    nonzero = np.zeros(n, dtype=np.bool_)
    for values in sides:
        nonzero |= values != 0.0
    rows = np.flatnonzero(nonzero)
    picked = np.empty((len(_SIDES), rows.size), dtype=np.float64)
    for i, values in enumerate(sides):
        picked[i] = values[rows]
    finite = np.isfinite(picked)
    present = np.zeros(width, dtype=np.bool_)
    present[codes] = True
    unknown = _scatter(codes, (source == _NONE_SOURCE).astype(np.int64), width, 0) > 0
    return AlignedIncrement(
        ts=ts.astimezone(dt.UTC),
        ts_us=epoch_us(ts),
        session=index.session,
        width=width,
        present=present,
        unknown=unknown,
        unknown_codes=np.flatnonzero(unknown),
        source=_scatter(codes, source.astype(np.int64), width),
        reason=_scatter(codes, reason, width),
        row=_scatter(codes, np.arange(n, dtype=np.int64), width),
        symbol=frame.get_column("symbol").cast(pl.String),
        active=codes[rows],
        values=np.where(finite, picked, 0.0),
        known=finite,
        whole_rows=_whole(present, codes[rows]),
        sourced=present & ~unknown,
        full=bool(present.all()),
    )


def _scatter(codes: Ints, values: Ints, width: int, fill: int = -1) -> Ints:
    out = np.full(width, fill, dtype=np.int64)
    out[codes] = values
    return out


@dataclass(slots=True)
class _Sums:
    """Running sums over increments added in time order (arrays grow with the index).

    The sums are kept only at ``active``: the codes with an active row in some summed increment
    (elsewhere every term is a known zero, so the sum is 0.0). A side column of a contract is
    known when one of its terms was: ``known_rows`` marks the contracts with a whole (all-known)
    row, ``known`` the columns at ``active``.
    """

    active: Ints  # sorted codes; ``total`` and ``known`` have one column per code
    total: Floats
    known: Bools
    known_rows: Bools
    n_unknown: Ints
    present: Bools
    source: Ints  # latest known source per code (-1: none known)
    reason: Ints  # latest unknown reason per code (-1: none)
    owner: Ints  # position (in the window) of the latest increment holding the code

    @classmethod
    def empty(cls, width: int, active: Ints) -> _Sums:
        return cls(
            active=active,
            total=np.zeros((len(_SIDES), active.size), dtype=np.float64),
            known=np.zeros((len(_SIDES), active.size), dtype=np.bool_),
            known_rows=np.zeros(width, dtype=np.bool_),
            n_unknown=np.zeros(width, dtype=np.int64),
            present=np.zeros(width, dtype=np.bool_),
            source=np.full(width, -1, dtype=np.int64),
            reason=np.full(width, -1, dtype=np.int64),
            owner=np.full(width, -1, dtype=np.int64),
        )

    def widened(self, width: int, active: Ints) -> _Sums:
        """Return a copy covering ``width`` codes and ``active`` (a superset; new ones empty)."""
        out = _Sums.empty(width, active)
        at = np.searchsorted(active, self.active)
        out.total[:, at] = self.total
        out.known[:, at] = self.known
        w = self.present.shape[0]
        for name in ("known_rows", "n_unknown", "present", "source", "reason", "owner"):
            getattr(out, name)[:w] = getattr(self, name)
        return out

    def add(self, inc: AlignedIncrement, position: int) -> None:
        w, act = inc.width, inc.active
        at = np.searchsorted(self.active, act)
        # one term per contract and column, in time order: exact (codes are unique per increment)
        self.total[:, at] += inc.values
        self.known[:, at] |= inc.known
        # known_rows |= present & ~active, as one dense or and a sparse restore at the active codes
        kept = self.known_rows[act]
        self.known_rows[:w] |= inc.present
        self.known_rows[act] = kept
        unknown = inc.unknown_codes
        self.n_unknown[unknown] += 1
        self.present[:w] |= inc.present
        if inc.full:  # every code present: plain copies
            if unknown.size:
                np.copyto(self.source[:w], inc.source, where=inc.sourced)
            else:
                self.source[:w] = inc.source
            self.owner[:w] = position
        else:
            np.copyto(self.source[:w], inc.source, where=inc.sourced)
            np.copyto(self.owner[:w], position, where=inc.present)
        self.reason[unknown] = inc.reason[unknown]

    def values(self, rows: Sequence[int] | slice) -> Floats:
        """Return the sums of the columns ``rows`` at ``active`` (NaN where no term was known)."""
        known = self.known[rows] | self.known_rows[self.active]
        return np.where(known, self.total[rows], np.nan)


def _union(increments: Sequence[AlignedIncrement]) -> Ints:
    """Return the sorted codes active in any of ``increments``."""
    parts = [np.empty(0, dtype=np.int64), *(i.active for i in increments)]
    return np.unique(np.concatenate(parts))


@dataclass(slots=True)
class FlowWindow:
    """Session totals and rolling windows over aligned increments, reusing the last sums.

    ``totals`` equals ``session_flows`` of the same increments (module docstring). When the
    increments asked for extend the ones summed last time (same objects, in order, plus newer
    ones), only the new ones are added; otherwise everything is summed again.
    """

    index: ContractIndex
    _summed: tuple[AlignedIncrement, ...] = ()
    _sums: _Sums | None = None
    _codes: CodeColumns = field(default_factory=lambda: CodeColumns())

    def totals(self, increments: Sequence[AlignedIncrement], as_of: dt.datetime) -> pl.DataFrame:
        """Return ``FLOW_SCHEMA`` totals of ``increments`` (any order) as of ``as_of``.

        Raises
        ------
        ReplayError
            As ``session_flows``: an increment after ``as_of``, of another session, or two with
            one stamp.
        """
        ordered = tuple(sorted(increments, key=lambda i: i.ts_us))
        _check(ordered, as_of)
        if not ordered:
            return pl.DataFrame(schema=FLOW_SCHEMA)
        sums = self._sum(ordered)
        return _frame(self.index, ordered, sums, as_of, self._codes)

    def frame_rows(self, inc: AlignedIncrement) -> Ints:
        """Return, for each row of ``inc``'s frame, its row in the last ``totals`` frame.

        -1 where the contract has no row there (or no totals were made yet). Lets a caller that
        holds the increment's rows (the latest chain) place the totals beside them without a join.
        """
        out = np.full(int(inc.present.sum()), -1, dtype=np.int64)
        sums = self._sums
        if sums is None:
            return out
        order = self.index.sorted_codes()
        picked = order[sums.present[order]]
        where = np.full(self.index.size, -1, dtype=np.int64)
        where[picked] = np.arange(picked.size, dtype=np.int64)
        codes = np.flatnonzero(inc.row >= 0)
        out[inc.row[codes]] = where[codes]
        return out

    def _sum(self, ordered: tuple[AlignedIncrement, ...]) -> _Sums:
        width = self.index.size
        k = len(self._summed)
        extends = (
            self._sums is not None
            and 0 < k <= len(ordered)
            and all(a is b for a, b in zip(self._summed, ordered, strict=False))
        )
        active = _union(ordered)
        if extends and self._sums is not None:
            sums = self._sums.widened(width, active)
        else:
            sums, k = _Sums.empty(width, active), 0
        for position in range(k, len(ordered)):
            sums.add(ordered[position], position)
        self._summed, self._sums = ordered, sums
        return sums


def _check(ordered: Sequence[AlignedIncrement], as_of: dt.datetime) -> None:
    if as_of.tzinfo is None:
        raise ReplayError(f"expected a timezone-aware as_of, was {as_of!r}")
    session = session_of(as_of)
    for inc in ordered:
        if inc.ts > as_of:
            raise ReplayError(
                f"expected increments at or before as_of={as_of.isoformat()}, "
                f"was one at {inc.ts.isoformat()} (look-ahead)"
            )
        if inc.session != session:
            raise ReplayError(
                f"expected increments of session {session} (as_of={as_of.isoformat()}), "
                f"was one at {inc.ts.isoformat()} (session {inc.session})"
            )
    stamps = [inc.ts_us for inc in ordered]
    if len(set(stamps)) != len(stamps):
        raise ReplayError(
            f"expected one increment per snapshot time, was stamps {[i.ts for i in ordered]}"
        )


def _windows(
    ordered: Sequence[AlignedIncrement],
    places: _Places,
    as_of: dt.datetime,
    totals: dict[str, Floats],
) -> dict[str, Floats]:
    """Rolling-window sums of ``volm_bs`` and ``value_bs`` at the output rows, per window start.

    ``totals``: the session columns (a window holding every increment is them).
    """
    rows = [i for _, i in _WINDOWED]
    width = places.width
    firsts: dict[int, int] = {}
    for w in WINDOWS_MIN:
        # the start exactly as ``flow_totals`` computes it
        start = int((as_of.astimezone(dt.UTC) - dt.timedelta(minutes=w)).timestamp() * 1_000_000)
        firsts[w] = next((p for p, inc in enumerate(ordered) if inc.ts_us > start), len(ordered))
    # the contracts with a whole (all-known) row in each window: or-ed from the newest increment
    # back to the oldest window start, once for every window (booleans: the order is free)
    starts = {f for f in firsts.values() if f > 0}
    whole_since: dict[int, Bools] = {}
    if starts:
        suffix = np.zeros(width, dtype=np.bool_)
        for p in range(len(ordered) - 1, min(starts) - 1, -1):
            inc = ordered[p]
            suffix[: inc.width] |= inc.whole()
            if p in starts:
                whole_since[p] = suffix.copy()
    by_start: dict[int, tuple[Floats, ...]] = {}
    out: dict[str, Floats] = {}
    for w in WINDOWS_MIN:
        first = firsts[w]
        if first not in by_start:
            if first == 0:
                by_start[first] = tuple(totals[_SIDES[i]] for i in rows)
            else:
                known_rows = whole_since.get(first, np.zeros(width, dtype=np.bool_))
                by_start[first] = _window_sums(ordered[first:], known_rows, places)
        for j, (name, _) in enumerate(_WINDOWED):
            out[f"{name}_{w}m"] = by_start[first][j]
    return out


def _window_sums(
    window: Sequence[AlignedIncrement], known_rows: Bools, places: _Places
) -> tuple[Floats, ...]:
    """Return the windowed columns summed over ``window`` at the output rows.

    Each window's sums from 0.0 in time order (the two windowed columns only), at the codes active
    in the window; elsewhere a contract with a whole row in the window (``known_rows``) sums known
    zeros (0.0) and one without is unknown (NaN).
    """
    rows = [i for _, i in _WINDOWED]
    active = _union(window)
    total = np.zeros((len(rows), active.size), dtype=np.float64)
    known = np.zeros((len(rows), active.size), dtype=np.bool_)
    for inc in window:
        at = np.searchsorted(active, inc.active)
        total[:, at] += inc.values[rows]
        known[:, at] |= inc.known[rows]
    base = np.where(known_rows[places.codes], 0.0, np.nan)
    values = np.where(known | known_rows[active], total, np.nan)
    at_rows = places.rows_of(active)
    columns = []
    for j in range(len(rows)):
        column = base.copy()
        column[at_rows] = values[j]
        columns.append(column)
    return tuple(columns)


@dataclass(frozen=True, slots=True)
class _Places:
    """Where each contract of a totals frame comes from: its rows are ``codes`` (in key order)."""

    width: int  # the index size
    codes: Ints | slice  # the code of each row (a slice: codes in order, from 0)
    size: int  # rows

    def rows_of(self, codes: Ints) -> Ints:
        """Return the row of each of ``codes`` (codes with a row)."""
        if isinstance(self.codes, slice):
            return codes
        where = np.full(self.width, -1, dtype=np.int64)
        where[self.codes] = np.arange(self.size, dtype=np.int64)
        return where[codes]


def _frame(
    index: ContractIndex,
    ordered: Sequence[AlignedIncrement],
    sums: _Sums,
    as_of: dt.datetime,
    memo: CodeColumns,
) -> pl.DataFrame:
    order = index.sorted_codes()
    picked = order[sums.present[order]]
    if picked.size == 0:
        return pl.DataFrame(schema=FLOW_SCHEMA)
    # every contract present and codes already in key order (the usual case): views, no gathers
    whole = picked.size == order.size and index.in_key_order()
    codes: Ints | slice = slice(0, picked.size) if whole else picked
    places = _Places(index.size, codes, picked.size)
    # a present contract never active summed known zeros: 0.0; the active ones as summed
    at_rows = places.rows_of(sums.active)
    values = sums.values(slice(None))
    totals: dict[str, Floats] = {}
    for i, c in enumerate(_SIDES):
        column = np.zeros(picked.size, dtype=np.float64)
        column[at_rows] = values[i]
        totals[c] = column
    columns = {c: float_series(c, v) for c, v in totals.items()}
    windows = _windows(ordered, places, as_of, totals)
    for name in FLOW_SCHEMA:  # in the schema's order, so the usual frame needs no cast pass
        if name in windows:
            columns[name] = float_series(name, windows[name])
    source = sums.source[codes]
    reason = sums.reason[codes]
    keys = index.keys.head(picked.size) if whole else index.keys.gather(picked)
    out = pl.DataFrame(
        [
            *keys.get_columns(),
            _symbols(ordered, sums.owner[codes], picked).alias("symbol"),
            *columns.values(),
            memo.sources(np.where(source >= 0, source, _NONE_SOURCE)),
            memo.reasons(reason),
            pl.Series("n_unknown", sums.n_unknown[codes], dtype=pl.Int64),
        ]
    )
    # every column is made of FLOW_SCHEMA's type, in its order (the index keys are KEY_SCHEMA's
    # and symbols strings: ``align_increment``): no conforming pass
    return out


def _symbols(ordered: Sequence[AlignedIncrement], owner: Ints, codes: Ints) -> pl.Series:
    """Each contract's symbol in the latest increment that holds it."""
    if owner.min() == owner.max():
        inc = ordered[int(owner[0])]
        rows = inc.row[codes]
        if rows.size == inc.symbol.len() and np.array_equal(rows, np.arange(rows.size)):
            return inc.symbol  # every row, in order (the usual case): no gather
        return inc.symbol.gather(rows)
    owners = np.unique(owner)
    parts, places = [], []
    for p in owners.tolist():
        inc, at = ordered[p], np.flatnonzero(owner == p)
        parts.append(inc.symbol.gather(inc.row[codes[at]]))
        places.append(at)
    stacked: pl.Series = pl.concat(parts)
    return stacked.gather(np.argsort(np.concatenate(places), kind="stable"))


__all__ = ["AlignedIncrement", "ContractIndex", "FlowWindow", "align_increment", "epoch_us"]
