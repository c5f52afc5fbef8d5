"""Per-stamp pieces of a history frame sorted by stamp: the slices a keyed stage reads.

The market context's per-contract histories (``flow_increments``, ``charm_history``) stack one
piece per snapshot, oldest first, each usually listing one chain's contracts in one order. A stage
that reads the latest few stamps takes their rows as slices (binary search on the sorted stamps, no
copy) and, when the pieces are aligned (the same contracts once each, in one order), works on
their columns as NumPy arrays instead of grouping the stacked rows by contract.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

import numpy as np
import polars as pl

from eots.adaptive.inputs import CONTRACT_KEY, key_columns, same_keys
from eots.core.recent import Recent


def latest_pieces(
    history: pl.DataFrame, as_of: dt.datetime, lookback: int, *, inclusive: bool
) -> list[pl.DataFrame] | None:
    """Return the rows of the latest ``lookback`` stamps (``ts``) before ``as_of``, oldest first.

    ``inclusive``: stamps at ``as_of`` count as before it. None when ``ts`` is not sorted (the
    caller then groups the rows by contract).
    """
    ts = history.get_column("ts")
    if not ts.is_sorted():
        return None
    stamps = _Sorted(ts)
    cut = np.datetime64(as_of.astimezone(dt.UTC).replace(tzinfo=None), "us")
    end = stamps.search(cut, "right" if inclusive else "left")
    pieces: list[pl.DataFrame] = []
    while end > 0 and len(pieces) < lookback:
        start = stamps.search(stamps.at(end - 1), "left")
        pieces.append(history.slice(start, end - start))
        end = start
    return pieces[::-1]


#: Beyond this many chunks a sorted column is read as one array (a copy) instead.
_MAX_CHUNKS = 64


class _Sorted:
    """A sorted datetime column searched as NumPy arrays: its chunks, not copied.

    With nulls or very many chunks, the column is copied into one array. ``search`` is
    ``np.searchsorted`` of the whole column: the first chunk whose last value passes the side's
    test holds the answer (every value before it is below / at the value).
    """

    __slots__ = ("_arrays", "_ends", "_lasts", "_size")

    def __init__(self, ts: pl.Series) -> None:
        chunked = ts.n_chunks() <= _MAX_CHUNKS and not ts.null_count()
        chunks = ts.get_chunks() if chunked else [ts]
        arrays = [a for a in (c.to_numpy() for c in chunks) if a.size]  # datetime64, UTC
        self._arrays = arrays
        self._ends = np.cumsum([a.size for a in arrays], dtype=np.int64)
        # in the column's own unit (a ns stamp is not truncated to us)
        unit = arrays[0].dtype if arrays else np.dtype("datetime64[us]")
        self._lasts = np.array([a[-1] for a in arrays], dtype=unit)
        self._size = int(self._ends[-1]) if arrays else 0

    def search(self, value: np.datetime64, side: Literal["left", "right"]) -> int:
        """Return ``np.searchsorted(column, value, side)``."""
        c = int(np.searchsorted(self._lasts, value, side=side))
        if c == len(self._arrays):
            return self._size
        start = int(self._ends[c]) - self._arrays[c].size
        return start + int(np.searchsorted(self._arrays[c], value, side=side))

    def at(self, i: int) -> np.datetime64:
        """Return the value at row ``i``."""
        c = int(np.searchsorted(self._ends, i, side="right"))
        start = int(self._ends[c]) - self._arrays[c].size
        value: np.datetime64 = self._arrays[c][i - start]
        return value


def aligned(pieces: list[pl.DataFrame]) -> bool:
    """Return whether every piece lists the same contracts (``CONTRACT_KEY``) once, in one order.

    That is the usual case (one chain's contracts through a session).
    """
    first = pieces[0]
    same = all(same_keys(p, first, CONTRACT_KEY) for p in pieces[1:])
    return same and unique_keys(first, CONTRACT_KEY)


_Keys = tuple[pl.DataFrame, tuple[str, ...]]


def _same_keys(a: _Keys, b: _Keys) -> bool:
    return a[1] == b[1] and same_keys(a[0], b[0], a[1])


#: The last key columns proven unique (the decay's key-sorted increments and the charm history's
#: chain order are two layouts read every step).
_proven: Recent[_Keys, bool] = Recent(4, _same_keys)


def unique_keys(frame: pl.DataFrame, on: Sequence[str] | None = None) -> bool:
    """Return whether no row of ``frame`` repeats its ``on`` columns (None: all columns).

    Rows with distinct hashes are distinct, so distinct hashes (one sort of 64-bit integers)
    prove it; only when two hashes collide are the rows themselves compared. Keys equal to the
    last ones proven unique (compared, not hashed and sorted again) are unique.
    """
    names = tuple(frame.columns if on is None else on)
    if _proven.lookup((frame, names)) is not None:
        return True
    keys = key_columns(frame, names)
    hashes = np.sort(keys.hash_rows().to_numpy())
    unique = not (hashes[1:] == hashes[:-1]).any() or not keys.is_duplicated().any()
    if unique:
        _proven.remember((keys, names), True)
    return unique


__all__ = ["aligned", "latest_pieces", "unique_keys"]
