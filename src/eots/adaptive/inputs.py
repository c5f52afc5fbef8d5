"""What the adaptive metrics read: the base metrics' arrays, the reused base columns, DTE.

``working_arrays`` takes the frame ``base_metrics`` was computed on and the base output, and
returns a ``Working``:

* ``arrays``: the base metrics' ``ContractArrays`` (the bridge): the normalisation scope
  (``inside``: live contracts with an exposure, 0DTE only or per expiry as
  ``BaseMetricParams.normalisation_scope`` says; ``scope``: its groups), so every ``n(x)`` here runs
  over the same rows as the base metrics'; the working copies of the exposures, volume and IV
  (Float64, NaN -> null, null outside the scope); the net customer flow of each greek, chosen
  exactly as the base metrics chose it (``eots.metrics.flow_inputs``: direct ``*_buy - *_sell``,
  signed, or proxy);
* ``reused``: the base factor columns the adaptive metrics reuse (``tdpi_beta``, ``gamma_coeff``
  ...), NaN -> null so that sums skip them;
* ``dte``: calendar days from the session to the expiration date (0 = expires today).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from eots.core.errors import SchemaError, StageInputError
from eots.core.frames import equal_on, select_columns
from eots.core.recent import Recent
from eots.metrics import BaseMetrics
from eots.metrics.arrays import (
    ContractArrays,
    Ints,
    Masked,
    from_nan_series,
    from_series,
    masked,
    nullable_series,
    physical,
)

#: Exposure and chain columns read (their working copies, ``Working.w``).
WORKING_INPUTS = (
    "gxoi",
    "dxoi",
    "txoi",
    "vxoi",
    "charmxoi",
    "vannaxoi",
    "vommaxoi",
    "volume",
    "iv",
)
#: Greeks whose net flow is read.
FLOW_GREEKS = ("delta", "gamma", "theta", "charm", "vanna", "vomma", "vega")
#: Base per-contract columns reused as they are.
REUSED_BASE = (
    "tdpi_beta",
    "charm_flow_to_charm_oi_ratio",
    "norm_net_theta_flow",
    "gamma_coeff",
    "vanna_flow_to_vanna_oi_ratio",
    "dxoi_norm_for_sdag",
)
#: Contract identity used by every history join (``eots.flows.FLOW_KEY``).
CONTRACT_KEY = ("root", "expiry", "strike", "right")


@dataclass(frozen=True, slots=True)
class KeyedValues:
    """A keyed column without its frame: ``keys`` and ``values``, row-aligned.

    ``keys``: a frame with the key columns (other columns are ignored). What a keyed history
    stage computes as arrays (``decay``, ``charm``): ``Working.keyed_values`` matches it to the
    contracts without building the frame, ``frame`` builds the frame. ``source``: the frame
    itself when the values were read from one (returned as it is).
    """

    keys: pl.DataFrame
    values: Masked
    source: pl.DataFrame | None = None

    @classmethod
    def of(cls, frame: pl.DataFrame, column: str) -> KeyedValues:
        """Return a keyed frame's ``column`` with the frame as its keys and its source."""
        return cls(frame, from_series(frame.get_column(column)), frame)

    def frame(self, on: Sequence[str], column: str, *, every_row: bool = True) -> pl.DataFrame:
        """Return the keyed frame: the ``on`` columns and ``column`` (a null where null).

        Not ``every_row``: without the null rows. A frame the values were read from comes back
        as it is.
        """
        if self.source is not None:
            return self.source
        keys = [self.keys.get_column(c) for c in on]
        if every_row:
            return pl.DataFrame([*keys, nullable_series(column, self.values.v, self.values.null)])
        frame = pl.DataFrame([*keys, pl.Series(column, self.values.v, dtype=pl.Float64)])
        return frame.filter(pl.Series(~self.values.null)) if self.values.null.any() else frame


@dataclass(frozen=True, slots=True, kw_only=True)
class Working:
    """The arrays every adaptive stage reads, row-aligned with the base metrics' frame.

    Attributes
    ----------
    frame
        The frame the base metrics were computed on (for the keyed history joins).
    arrays
        The base metrics' ``ContractArrays``.
    reused
        The ``REUSED_BASE`` columns, NaN -> null.
    dte
        Calendar days from the session to each contract's expiration date.
    base
        The base metrics' columns as their kernels produced them (``BaseMetrics.columns``):
        a factor that is one of them by definition (same formula on the same arrays, e.g. the
        normalised gamma flow or CTR) is read from there (``same``) instead of recomputed.
    """

    frame: pl.DataFrame
    arrays: ContractArrays
    reused: dict[str, Masked]
    dte: Ints
    base: dict[str, Masked] = field(default_factory=dict)

    def same(self, name: str, compute: Callable[[], Masked]) -> Masked:
        """Return the base metrics' column ``name`` (the same formula), else ``compute()``."""
        column = self.base.get(name)
        return column if column is not None else compute()

    @property
    def rows(self) -> int:
        """Number of contracts."""
        return self.arrays.rows

    def w(self, name: str) -> Masked:
        """Return the working copy of input ``name`` (null outside the scope)."""
        return self.arrays.working[name]

    def f(self, greek: str) -> Masked:
        """Return ``greek``'s net flow (null outside the scope)."""
        return self.arrays.flows[greek]

    def keyed(self, keyed: pl.DataFrame, on: list[str], column: str) -> Masked:
        """Return ``column`` of a keyed frame matched to every contract (null: no match).

        A keyed frame listing the frame's contracts in its order (once each: the frame's keys are
        the chain's) is read as it is; any other is joined.
        """
        return self.keyed_values(KeyedValues.of(keyed, column), on, column)

    def keyed_values(self, keyed: KeyedValues, on: list[str], column: str) -> Masked:
        """Return keyed values matched to every contract (null: no match), as ``keyed`` does.

        Keys listing the frame's contracts in its order are read as they are; others are matched
        (``matched_rows``), or joined when a contract matches two rows.
        """
        keys = keyed.keys
        if keys.height == self.frame.height and all(
            keys.get_column(c).equals(self.frame.get_column(c)) for c in _cheap_first(on)
        ):
            return keyed.values
        rows = matched_rows(self.frame, keys, on)
        if rows is not None:  # each contract matched to at most one row: the join's rows
            value = keyed.values
            found = rows >= 0
            at = np.where(found, rows, 0)
            return Masked(np.where(found, value.v[at], np.nan), ~found | value.null[at])
        table = keyed.frame(on, column)
        matched = self.frame.select(on).join(
            table.select(*on, column), on=on, how="left", maintain_order="left"
        )
        return from_series(matched.get_column(column))


#: Key columns of strings (compared last: the dearest to compare).
_STRING_KEYS = frozenset({"root", "symbol"})


def _cheap_first(on: Sequence[str]) -> list[str]:
    """Return ``on`` with the string key columns last (a comparison finds a difference early)."""
    return sorted(on, key=lambda c: c in _STRING_KEYS)


def key_columns(frame: pl.DataFrame, on: Sequence[str]) -> pl.DataFrame:
    """Return ``frame.select(on)`` for column names, built from the columns (no query)."""
    return select_columns(frame, on)


def same_keys(a: pl.DataFrame, b: pl.DataFrame, on: Sequence[str]) -> bool:
    """Return whether the ``on`` columns of two frames are equal: height, dtypes, every value.

    Read column by column (``core.frames.equal_on``), the string keys last.
    """
    return equal_on(a, b, _cheap_first(on))


def same_frame(a: pl.DataFrame, b: pl.DataFrame) -> bool:
    """Return whether two frames are equal: schema, height, then every value."""
    return a.height == b.height and a.schema == b.schema and a.equals(b)


_Pair = tuple[pl.DataFrame, pl.DataFrame, tuple[str, ...]]


def _same_pair(a: _Pair, b: _Pair) -> bool:
    return a[2] == b[2] and same_keys(a[0], b[0], a[2]) and same_keys(a[1], b[1], a[2])


#: The last (frame keys, table keys, key columns) row matches: a fold matches the same contracts
#: to the same history rows step after step.
_matches: Recent[_Pair, np.ndarray | None] = Recent(4, _same_pair)


def matched_rows(
    frame: pl.DataFrame, table: pl.DataFrame, on: Sequence[str] | None = None
) -> np.ndarray | None:
    """Return the row of ``table`` each row of ``frame`` matches on ``on`` (-1: none).

    ``on``: the key columns (None: all of ``frame``'s). The rows a left join of ``frame`` on
    ``table`` finds (null keys match nothing); None when a row matches more than one (the join
    then has more rows than ``frame``). Remembered for the last few pairs of key columns: equal
    keys (compared, not joined again) give the same rows.
    """
    keys = tuple(frame.columns if on is None else on)
    known = _matches.lookup((frame, table, keys))
    if known is not None:
        return known[0]
    ours, theirs = key_columns(frame, keys), key_columns(table, keys)
    joined = ours.join(
        theirs.with_row_index("_row"), on=list(keys), how="left", maintain_order="left"
    )
    found: np.ndarray | None = None
    if joined.height == frame.height:
        found = joined.get_column("_row").fill_null(-1).cast(pl.Int64).to_numpy()
    _matches.remember((ours, theirs, keys), found)
    return found


def _key_parts(frame: pl.DataFrame, on: list[str]) -> list[np.ndarray] | None:
    """Return the key columns' physical values as int64 (None: not integers, or nulls).

    Dates (days), integers and ``Enum`` codes qualify, as the expiry keys (expiry, settlement).
    """
    parts = []
    for name in on:
        series = frame.get_column(name)
        dtype = series.dtype
        if series.null_count() or not (
            dtype == pl.Date or dtype.is_integer() or isinstance(dtype, pl.Enum)
        ):
            return None
        values = physical(series)
        if values.dtype.itemsize > 4:
            return None
        parts.append(values.astype(np.int64))
    return parts


def packed_keys(frame: pl.DataFrame, on: list[str]) -> np.ndarray | None:
    """Return each row's keys packed in one int64, equal iff the keys are (None: not possible).

    Possible for one or two key columns of ``_key_parts``, the second one unsigned (a code).
    """
    parts = _key_parts(frame, on) if len(on) in (1, 2) else None
    if parts is None or (len(parts) > 1 and bool((parts[1] < 0).any())):
        return None
    packed = parts[0] << 32
    if len(parts) > 1:
        packed |= parts[1]
    return packed


def _dense_rows(ours: list[np.ndarray], theirs: list[np.ndarray], rows: int) -> np.ndarray | None:
    """Return the table row of each frame row (-1: none) through a lookup table over the keys.

    The lookup spans the frame's key ranges (None when that is more than a few times its rows,
    or a key repeats in the table).
    """
    index = np.zeros(rows, dtype=np.int64)
    table_index = np.zeros(len(theirs[0]), dtype=np.int64)
    inside = np.ones(len(theirs[0]), dtype=np.bool_)
    span = 1
    for mine, other in zip(ours, theirs, strict=True):
        lo, hi = int(mine.min()), int(mine.max())
        width = hi - lo + 1
        span *= width
        if span > 4 * rows + 4096:
            return None
        index = index * width + (mine - lo)
        inside &= (other >= lo) & (other <= hi)
        table_index = table_index * width + (other - lo)
    at = table_index[inside]
    if len(at) and np.bincount(at).max() > 1:
        return None
    lookup = np.full(span, -1, dtype=np.intp)
    lookup[at] = np.flatnonzero(inside)
    return lookup[index]


#: The last (frame keys, table keys) lookup-table matches of ``keyed_columns``: a fold matches
#: the same contracts to the same expiries step after step.
_dense: Recent[_Pair, np.ndarray | None] = Recent(4, _same_pair)


def _lookup_rows(frame: pl.DataFrame, table: pl.DataFrame, on: list[str]) -> np.ndarray | None:
    """Return ``_dense_rows`` of the integer keys (None: not integers, or no lookup table).

    Remembered for the last few pairs of key columns (equal keys give the same rows).
    """
    keys = tuple(on)
    known = _dense.lookup((frame, table, keys))
    if known is not None:
        return known[0]
    ours = _key_parts(frame, on)
    theirs = _key_parts(table, on) if ours is not None else None
    rows = _dense_rows(ours, theirs, frame.height) if ours and theirs else None
    _dense.remember((key_columns(frame, keys), key_columns(table, keys), keys), rows)
    return rows


def keyed_columns(
    frame: pl.DataFrame, table: pl.DataFrame, on: list[str], columns: list[str]
) -> list[Masked]:
    """Return ``columns`` of ``table`` matched to every row of ``frame`` on ``on`` (null: none).

    The columns of ``frame.select(on).join(table, on=on, how="left")``. Integer keys of equal
    dtypes (``_key_parts``) in a table with one row per key are matched through a lookup table;
    any other goes through the join.
    """
    same = all(frame.get_column(c).dtype == table.get_column(c).dtype for c in on)
    rows = _lookup_rows(frame, table, on) if same and frame.height and table.height else None
    if rows is not None:
        found = rows >= 0
        every = bool(found.all())
        rows = rows if every else np.where(found, rows, 0)
        out = []
        for c in columns:
            value = from_series(table.get_column(c))
            null = value.null[rows] if every else ~found | value.null[rows]
            out.append(masked(value.v[rows], null))
        return out
    matched = frame.select(on).join(
        table.select(*on, *columns), on=on, how="left", maintain_order="left"
    )
    return [from_series(matched.get_column(c)) for c in columns]


def working_arrays(base: BaseMetrics, contracts: pl.DataFrame, session: dt.date) -> Working:
    """Return the working arrays (module docstring), row-aligned with ``base.contracts``.

    Raises
    ------
    SchemaError
        If ``contracts`` is not the frame the base metrics were computed on (row count).
    StageInputError
        If ``contracts`` lacks a key column or ``base.contracts`` a reused metric column.
    """
    if contracts.height != base.contracts.height:
        raise SchemaError(
            "expected the frame base_metrics was computed on, "
            f"was {contracts.height} rows against {base.contracts.height}"
        )
    StageInputError.require(
        contracts.columns, ("strike", "right", "expiry"), stage="adaptive", frame="exposure"
    )
    StageInputError.require(base.contracts.columns, REUSED_BASE, stage="adaptive", frame="metric")
    reused = {c: from_nan_series(base.contracts.get_column(c)) for c in REUSED_BASE}
    expiry = physical(contracts.get_column("expiry"))
    epoch_day = (session - dt.date(1970, 1, 1)).days
    dte = (expiry.astype(np.int64) - epoch_day).astype(np.intp)
    return Working(frame=contracts, arrays=base.arrays, reused=reused, dte=dte, base=base.columns)


__all__ = [
    "CONTRACT_KEY",
    "FLOW_GREEKS",
    "REUSED_BASE",
    "WORKING_INPUTS",
    "KeyedValues",
    "Working",
    "key_columns",
    "keyed_columns",
    "matched_rows",
    "packed_keys",
    "same_frame",
    "same_keys",
    "working_arrays",
]
