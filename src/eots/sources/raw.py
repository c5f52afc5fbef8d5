"""RawChain: what a format reader extracted from a file, before validation.

Every reader parses its format into a ``RawChain`` (a frame with the ``RAW_REQUIRED`` columns and
some ``RAW_OPTIONAL`` ones, the spot, the quote time and how it was obtained, the capture time, and
the underlying the source names, if any). ``snapshot_from_raw`` hands it to
``eots.chain.build_snapshot``, which does all row validation. Keeping the two steps apart lets tools
and tests look at what a file held (e.g. rows and expiries before expired contracts are dropped).

Quote time: ``as_of`` given by the caller always wins (``TimeBasis.OVERRIDE``); otherwise the
source's capture or download time goes through ``eots.core.time.quote_time`` (inside a session: the
time itself; outside: the close of the latest session). A source with no usable time and no
``as_of`` is refused with a message that says to pass ``--as-of``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

import polars as pl

from eots.chain.snapshot import ChainSnapshot, QualityItem
from eots.chain.validate import build_snapshot
from eots.core.errors import SchemaError
from eots.core.time import UTC, QuoteTime, TimeBasis, nyse_calendar, quote_time, session_of

#: What a number looks like in a text file (the grammar polars' float parser accepts).
NUMBER = re.compile(
    r"\s*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|nan|inf|infinity)\s*", re.IGNORECASE
)


@dataclass(frozen=True, slots=True, kw_only=True)
class RawChain:
    """A parsed, not yet validated chain (see the module docstring)."""

    frame: pl.DataFrame
    spot: float
    quote_time: QuoteTime
    ts_recv: dt.datetime
    source: str
    source_format: str
    underlying: str | None = None
    #: Rows the reader itself left out (a layout fault it repaired), merged into the quality report.
    dropped: tuple[QualityItem, ...] = ()
    #: What the reader inferred or flagged without dropping rows, merged into the quality report.
    flagged: tuple[QualityItem, ...] = ()


def snapshot_from_raw(raw: RawChain) -> ChainSnapshot:
    """Validate a ``RawChain`` into a ``ChainSnapshot`` (``eots.chain.build_snapshot``).

    What the reader dropped or flagged (``raw.dropped``, ``raw.flagged``) is added to the
    snapshot's quality report, its dropped rows to ``rows_read``.
    """
    snapshot = build_snapshot(
        raw.frame,
        spot=raw.spot,
        quote_time=raw.quote_time,
        ts_recv=raw.ts_recv,
        source=raw.source,
        source_format=raw.source_format,
        underlying=raw.underlying,
    )
    if not raw.dropped and not raw.flagged:
        return snapshot
    q = snapshot.quality
    quality = replace(
        q,
        rows_read=q.rows_read + sum(item.count for item in raw.dropped),
        dropped=raw.dropped + q.dropped,
        flagged=raw.flagged + q.flagged,
    )
    return replace(snapshot, quality=quality)


def resolve_quote_time(
    capture: dt.datetime | None, as_of: dt.datetime | None, *, source: str, missing: str
) -> tuple[QuoteTime, dt.datetime]:
    """Return ``(quote time, ts_recv)`` from the source's capture time and the caller's ``as_of``.

    ``missing`` says what the source lacked; it goes into the error raised when neither is given.
    """
    if as_of is not None:
        if as_of.tzinfo is None:
            raise ValueError(f"as_of must be timezone-aware, was {as_of!r}")
        _within_calendar(as_of, "as_of", source)
        ts = as_of.astimezone(UTC)
        recv = capture.astimezone(UTC) if capture is not None else ts
        return QuoteTime(ts, session_of(ts), TimeBasis.OVERRIDE), recv
    if capture is None:
        raise SchemaError(
            f"{missing}, so the quote time cannot be inferred: pass as_of "
            "(CLI: --as-of, e.g. --as-of '2022-04-01T16:00-04:00' for that session's close)",
            source=source,
        )
    _within_calendar(capture, "the file's quote time", source)
    return quote_time(capture), capture.astimezone(UTC)


def _within_calendar(ts: dt.datetime, what: str, source: str) -> None:
    """Refuse an instant the exchange calendar cannot place (e.g. a garbled year 0023)."""
    dates = nyse_calendar().dates
    first, last = dates[0].astype(dt.date), dates[-1].astype(dt.date)
    day = ts.astimezone(UTC).date()
    if not first < day <= last:
        raise SchemaError(
            f"{what} {ts.isoformat()} is outside the exchange calendar ({first} .. {last}): "
            "a garbled date, or pass as_of (CLI: --as-of)",
            source=source,
        )


def stated_underlying(
    from_source: str | None,
    from_caller: str | None,
    *,
    source: str,
    line: int | None = None,
    field: str | None = None,
) -> str | None:
    """Return the underlying the input claims, refusing a source that contradicts the caller."""
    caller = from_caller.upper() if from_caller is not None else None
    if from_source is not None and caller is not None and from_source != caller:
        raise SchemaError(
            f"the caller expects underlying {caller!r}, the source says {from_source!r}",
            source=source,
            line=line,
            field=field,
        )
    return caller if caller is not None else from_source


def first_row(frame: pl.DataFrame, mask: pl.Expr) -> dict[str, object] | None:
    """Return the first row where ``mask`` holds, or None."""
    bad = frame.filter(mask).head(1)
    return None if bad.height == 0 else bad.row(0, named=True)


def refuse_fractional(
    frame: pl.DataFrame, columns: dict[str, str], *, source: str, line_column: str = "source_line"
) -> None:
    """Refuse counts (volume, open interest) that are not whole numbers.

    ``columns`` maps each frame column to the name the source gives the field.
    """
    for column, label in columns.items():
        if column not in frame.columns:
            continue
        value = pl.col(column)
        row = first_row(frame, value.is_finite() & (value != value.round(0)))
        if row is not None:
            line = row.get(line_column)
            raise SchemaError(
                f"expected a whole number of contracts, was {row[column]!r}",
                source=source,
                line=line if isinstance(line, int) else None,
                field=label,
            )
