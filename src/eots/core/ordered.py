"""Order-stable float aggregation: the same bits on every process, thread count and engine.

Floating-point addition is not associative, so a sum's last bits depend on the order its terms
are added in. Two polars behaviours make that order vary between processes running the same
query on the same data (measured here with polars 2.1, 200k rows, 500 groups, one and two
threads): a lazy ``group_by(...).agg(sum/mean)`` collected by the default ``auto`` engine or by
the streaming engine gives different bits from one process to the next even with
``maintain_order=True`` and ``POLARS_MAX_THREADS=1`` (pola-rs/polars#25202; the maintainers:
"in general floating point arithmetic is non-deterministic in Polars", pola-rs/polars#6157),
while the same query on the in-memory engine, and eager ``DataFrame.group_by``, gave identical
bits in every process and at one and two threads. polars has no documented deterministic mode;
the engine affinity (``pl.Config.set_engine_affinity``, env ``POLARS_ENGINE_AFFINITY``) is the
closest setting. Two tools:

* ``in_memory()`` (a context) and ``ENGINE_ENV`` (for worker processes) make ``collect()`` use
  the in-memory engine: what the replays run under, so that a session analysed on a Dask worker
  and on the client give the same bits;
* ``group_sums`` sums per group in NumPy, left to right in row order within each group
  (``np.bincount``; not ``np.add.reduceat``, whose order within a segment is not sequential:
  it gave a different last bit from a left-to-right sum on three terms), whatever polars does:
  the guaranteed form, for aggregations that must not depend on an engine setting.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import numpy as np
import polars as pl

#: Environment for worker processes: polars collects on the in-memory engine.
ENGINE_ENV = {"POLARS_ENGINE_AFFINITY": "in-memory"}

_AFFINITY = "POLARS_ENGINE_AFFINITY"


_LOCK = threading.Lock()
_DEPTH = [0]  # contexts open in this process (threads of one Dask worker share it)
_SAVED: list[str | None] = [None]


@contextmanager
def in_memory() -> Iterator[None]:
    """Run the block with polars' ``collect()`` on the in-memory engine; restore the setting.

    Re-entrant and thread-safe: the setting is process-wide (an environment variable), so it
    is restored only when the last open context in the process closes.

    Examples
    --------
    >>> with in_memory():
    ...     os.environ["POLARS_ENGINE_AFFINITY"]
    'in-memory'
    """
    with _LOCK:
        if _DEPTH[0] == 0:
            _SAVED[0] = os.environ.get(_AFFINITY)
        _DEPTH[0] += 1
        pl.Config.set_engine_affinity("in-memory")
    try:
        yield
    finally:
        with _LOCK:
            _DEPTH[0] -= 1
            if _DEPTH[0] == 0:
                _restore(_SAVED[0])


def _restore(saved: str | None) -> None:
    """Set polars' engine affinity back (through ``pl.Config``, which reloads it in Rust)."""
    try:
        pl.Config.set_engine_affinity(saved)  # type: ignore[arg-type]
    except ValueError:  # an unknown name was in the environment: put it back as it was
        pl.Config.set_engine_affinity(None)
        if saved is not None:
            os.environ[_AFFINITY] = saved


def group_sums(
    frame: pl.DataFrame,
    keys: Sequence[str],
    values: Mapping[str, pl.Expr],
    *,
    null_if_empty: bool = False,
) -> pl.DataFrame:
    """Return one row per distinct ``keys``, sorted by them, with each value summed in row order.

    Each expression in ``values`` is evaluated row by row on ``frame`` (e.g.
    ``pl.when(call).then(pl.col("gex"))``) and summed within each group in the frame's row
    order, left to right (``np.bincount`` adds each row's term to its group's total in row
    order; the groups are numbered on a stable sort by the keys), so the result
    depends on the rows and their order only, never on threads, engine or hash seeds. Nulls are
    skipped like polars' ``sum`` (a group of nulls sums to 0.0, or to null with
    ``null_if_empty``); NaN propagates. ``n`` holds each group's row count.

    Raises
    ------
    ValueError
        If ``keys`` is empty or names a missing column, or a value is named like a key or ``n``.

    Examples
    --------
    >>> f = pl.DataFrame({"k": [2, 1, 2], "x": [0.1, 5.0, 0.2]})
    >>> group_sums(f, ["k"], {"x": pl.col("x")}).rows()
    [(1, 1, 5.0), (2, 2, 0.30000000000000004)]
    """
    if not keys:
        raise ValueError("expected at least one key column, was none")
    missing = [k for k in keys if k not in frame.columns]
    if missing:
        raise ValueError(f"expected key columns {missing} in the frame, was {frame.columns}")
    clash = set(values) & {*keys, "n"}
    if clash:
        raise ValueError(f"expected value names other than the keys and 'n', was {sorted(clash)}")
    evaluated = frame.select(
        *keys, *(expr.cast(pl.Float64).alias(name) for name, expr in values.items())
    ).with_row_index("_row")
    ordered = evaluated.sort([*keys, "_row"])
    if ordered.height == 0:
        schema = {k: frame.schema[k] for k in keys}
        return pl.DataFrame(
            schema={**schema, "n": pl.UInt32(), **dict.fromkeys(values, pl.Float64())}
        )
    changed = ordered.select(
        pl.any_horizontal(pl.col(k).ne_missing(pl.col(k).shift(1)) for k in keys)
        .fill_null(value=True)
        .alias("_new")
    ).to_series()
    new_group = changed.to_numpy().astype(bool)
    new_group[0] = True
    starts = np.flatnonzero(new_group)
    counts = np.diff(np.append(starts, ordered.height)).astype(np.uint32)
    codes = np.cumsum(new_group) - 1
    out = ordered.select(keys)[starts].with_columns(n=pl.Series(counts, dtype=pl.UInt32))
    for name in values:
        column = ordered.get_column(name)
        terms = column.fill_null(0.0).to_numpy().astype(np.float64, copy=False)
        sums = pl.Series(name, np.bincount(codes, weights=terms, minlength=starts.size))
        if null_if_empty:
            present = column.is_not_null().cast(pl.Int64).to_numpy()
            seen = pl.Series(np.bincount(codes, weights=present, minlength=starts.size) > 0)
            sums = pl.select(pl.when(pl.lit(seen)).then(pl.lit(sums))).to_series().alias(name)
        out = out.with_columns(sums)
    return out


def strictly_increasing(values: np.ndarray) -> bool:
    """Whether ``values`` strictly increase (so sorted and unique; a NaN among two breaks it).

    The test behind every "strike rows as they are" fast path: such a frame matches, sorts and
    groups as itself.

    Examples
    --------
    >>> strictly_increasing(np.array([1.0, 2.0, 5.0])), strictly_increasing(np.array([1.0, 1.0]))
    (True, False)
    """
    return bool(np.all(values[1:] > values[:-1]))


def increasing_floats(series: pl.Series) -> np.ndarray | None:
    """Return ``series`` as float64 values when it has no null and strictly increases, else None.

    Examples
    --------
    >>> increasing_floats(pl.Series([1, 3])).tolist(), increasing_floats(pl.Series([3, 1]))
    ([1.0, 3.0], None)
    """
    if series.null_count():
        return None
    values = series.cast(pl.Float64).to_numpy()
    return values if strictly_increasing(values) else None


__all__ = ["ENGINE_ENV", "group_sums", "in_memory", "increasing_floats", "strictly_increasing"]
