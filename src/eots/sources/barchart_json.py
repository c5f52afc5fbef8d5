"""Barchart after-close SPX chain JSON (the ``spx-vol-surface`` collector's daily snapshot).

Layout: ``{"date": "YYYY-MM-DD", "spot": float, "timestamp": "YYYY-MM-DDTHH:MM:SS[.ffffff]"
(runner clock, UTC), "expiries": {"YYYY-MM-DD": [{"strikePrice", "optionType" ("Call"/"Put"),
"bidPrice", "askPrice", "lastPrice", "volume", "openInterest", "volatility" (decimal IV),
"delta", "gamma", "theta", "vega", "rho", "expirationDate", "daysToExpiration"}, ...]}}``.

The collector's faults and what this reader does about each (``docs/history.md``):

* **quote time**: the capture ``timestamp`` (UTC) falls after the close, so the quotes are the
  session's closing quotes: ``eots.core.time.quote_time`` maps it to that session's close
  (``TimeBasis.SESSION_CLOSE``). A ``date`` that is not that session is refused.
* **truncated expirations**: the vendor returns at most ``row_limit`` (500) rows per expiration,
  calls first, then puts, each side ordered by distance from the money; a large expiration loses
  its far puts (or all of them). An expiration is *truncated* when it has ``row_limit`` rows and its
  put strikes do not cover its call strikes. Keeping its calls would put call gamma into the totals
  without the matching puts (a bias toward positive gamma and a Call Wall), so only the strike band
  that is complete on both sides is kept: the puts present and the calls within
  ``[lowest put strike, highest put strike]``; an expiration with no put left is dropped whole.
  Every dropped row is counted in the quality report with its reason.
* **no root (AM/PM)**: the rows carry no SPX/SPXW root. Every expiry is a PM-settled ``SPXW``
  series except on a *monthly date* (the third Friday, or the session before it when that Friday
  is a holiday), where the standard AM-settled ``SPX`` monthly also lists. There, a (strike, side)
  that appears twice belongs to two series: the vendor lists one series whole, then the other, and
  the series whose duplicated quotes are lower on median mid is the AM one (it settles at the open,
  6.5 hours earlier, so it has less time value); the other is SPXW. A monthly date with one series
  is taken as SPXW (the later settlement; flagged, since it cannot be told from the file).
* **rough spot**: the file's ``spot`` can be 15+ points off; the reader keeps it (it is the
  quoted spot) and the history ingest replaces it with the put-call parity spot, recording both
  (``eots.evidence.ingest``).
* greeks: a ``volatility`` of 0 means "not computed": that row's source IV and greeks are null.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import polars as pl

from eots.chain.snapshot import QualityItem
from eots.core.errors import EmptyChainError, SchemaError
from eots.core.time import UTC, nyse_calendar
from eots.sources._json import load_json
from eots.sources.raw import RawChain, refuse_fractional, resolve_quote_time, stated_underlying

FORMAT = "barchart_options_json"

#: Rows the vendor returns per expiration at most (``limit=500`` in the collector's request).
ROW_LIMIT = 500

_FIELDS = {
    "strikePrice": "strike",
    "bidPrice": "bid",
    "askPrice": "ask",
    "lastPrice": "last",
    "volume": "volume",
    "openInterest": "open_interest",
    "volatility": "iv_src",
    "delta": "delta_src",
    "gamma": "gamma_src",
    "theta": "theta_src",
    "vega": "vega_src",
}
_GREEKS = ("iv_src", "delta_src", "gamma_src", "theta_src", "vega_src")
_SIDES = {"Call": "C", "Put": "P"}


def is_monthly_date(day: dt.date) -> bool:
    """Return whether ``day`` is the standard monthly expiry.

    The monthly expiry is the third Friday, or the session before it when that Friday is not a
    session.

    Examples
    --------
    >>> is_monthly_date(dt.date(2026, 3, 20)), is_monthly_date(dt.date(2026, 3, 27))
    (True, False)
    >>> is_monthly_date(dt.date(2026, 6, 18))  # Friday 2026-06-19 is Juneteenth
    True
    """
    first = day.replace(day=1)
    third_friday = first + dt.timedelta(days=(4 - first.weekday()) % 7 + 14)
    cal = nyse_calendar()
    if cal.covers(third_friday) and not cal.is_session(third_friday):
        return day == cal.previous_session(third_friday)
    return day == third_friday


def parse_barchart_json(
    data: bytes,
    *,
    source: str,
    as_of: dt.datetime | None = None,
    underlying: str | None = None,
    row_limit: int = ROW_LIMIT,
) -> RawChain:
    """Parse one Barchart after-close chain into a ``RawChain`` (see the module docstring).

    Parameters
    ----------
    data
        The whole file (gzip-compressed bytes are accepted).
    source
        Name used in messages (the path).
    as_of
        Overrides the quote time.
    underlying
        The underlying the caller expects; the file is SPX only.
    row_limit
        The vendor's per-expiration row cap (an expiration with this many rows may be cut).
    """
    doc = load_json(_gunzip(data), source=source)
    expiries = doc.get("expiries")
    if not isinstance(expiries, dict) or not expiries:
        raise EmptyChainError("no 'expiries' object with rows", source=source, field="expiries")
    spot = doc.get("spot")
    if not isinstance(spot, int | float) or isinstance(spot, bool) or not spot > 0:
        raise SchemaError(f"expected a positive number, was {spot!r}", source=source, field="spot")
    capture = _timestamp(doc.get("timestamp"), source=source)
    qt, recv = resolve_quote_time(
        capture, as_of, source=source, missing="the file has no 'timestamp'"
    )
    stated = doc.get("date")
    if as_of is None and isinstance(stated, str) and stated != qt.session.isoformat():
        raise SchemaError(
            f"the file is dated {stated} but was captured at {capture} (session "
            f"{qt.session}): its quotes do not belong to its date",
            source=source,
            field="date",
        )
    frames = [
        _expiry_frame(rows, key, source=source, row_limit=row_limit)
        for key, rows in expiries.items()
    ]
    frame = pl.concat([f for f, _, _ in frames], how="vertical")
    dropped = tuple(item for _, items, _ in frames for item in items)
    flagged = tuple(item for _, _, items in frames for item in items)
    if frame.height == 0:
        raise EmptyChainError("every expiration was dropped as truncated", source=source)
    refuse_fractional(frame, {"volume": "volume", "open_interest": "openInterest"}, source=source)
    return RawChain(
        frame=frame,
        spot=float(spot),
        quote_time=qt,
        ts_recv=recv,
        source=source,
        source_format=FORMAT,
        underlying=stated_underlying("SPX", underlying, source=source, field="(layout)"),
        dropped=dropped,
        flagged=flagged,
    )


def _gunzip(data: bytes) -> bytes:
    if data[:2] == b"\x1f\x8b":
        import gzip

        return gzip.decompress(data)
    return data


def _timestamp(value: object, *, source: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        ts = dt.datetime.fromisoformat(str(value))
    except ValueError as e:
        raise SchemaError(
            f"expected a time like '2026-07-24T22:09:53', was {value!r}",
            source=source,
            field="timestamp",
        ) from e
    return ts if ts.tzinfo is not None else ts.replace(tzinfo=UTC)


def _expiry_frame(
    rows: Any, key: str, *, source: str, row_limit: int
) -> tuple[pl.DataFrame, list[QualityItem], list[QualityItem]]:
    """One expiration's rows with roots assigned and the truncated band cut (see the module)."""
    where = f"expiries.{key}"
    try:
        expiry = dt.date.fromisoformat(key)
    except ValueError as e:
        raise SchemaError(f"expected an expiry date key, was {key!r}", source=source) from e
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise SchemaError("expected a list of row objects", source=source, field=where)
    columns: dict[str, list[Any]] = {name: [] for name in _FIELDS.values()}
    sides: list[str | None] = []
    for i, row in enumerate(rows):
        sides.append(_SIDES.get(str(row.get("optionType"))))
        if sides[-1] is None:
            raise SchemaError(
                f"expected optionType Call or Put, was {row.get('optionType')!r}",
                source=source,
                field=f"{where}[{i}].optionType",
            )
        for field, name in _FIELDS.items():
            value = row.get(field)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float)
            ):
                raise SchemaError(
                    f"expected a number, was {value!r}",
                    source=source,
                    field=f"{where}[{i}].{field}",
                )
            columns[name].append(None if value is None else float(value))
    frame = pl.DataFrame(
        {"right": sides, **columns},
        schema={"right": pl.String, **dict.fromkeys(columns, pl.Float64)},
    ).with_columns(
        pl.lit(expiry, pl.Date).alias("expiry"),
        pl.int_range(0, pl.len(), dtype=pl.Int64).alias("order"),
    )
    frame, flagged = _roots(frame, expiry)
    frame, dropped = _cut_truncated(frame, expiry, row_limit)
    not_given = pl.col("iv_src") == 0
    frame = frame.select(
        "root",
        "expiry",
        "strike",
        "right",
        "bid",
        "ask",
        "last",
        "volume",
        "open_interest",
        *[pl.when(not_given).then(None).otherwise(pl.col(g)).alias(g) for g in _GREEKS],
        (pl.col("order") + 1).alias("source_line"),
    )
    return frame, dropped, flagged


def _roots(frame: pl.DataFrame, expiry: dt.date) -> tuple[pl.DataFrame, list[QualityItem]]:
    """Assign SPXW, or on a monthly date split two listed series into SPX (AM) and SPXW."""
    if not is_monthly_date(expiry):
        return frame.with_columns(root=pl.lit("SPXW")), []
    occurrence = frame.select(
        pl.int_range(0, pl.len()).over("strike", "right", order_by="order").alias("n")
    ).get_column("n")
    frame = frame.with_columns(series=occurrence)
    most = int(occurrence.to_numpy().max(initial=0))
    if most > 1:
        raise SchemaError(
            f"{expiry}: a (strike, side) listed more than twice; cannot tell the series apart",
            field=f"expiries.{expiry}",
        )
    if most == 0:
        return frame.with_columns(root=pl.lit("SPXW")).drop("series"), [
            QualityItem(
                reason="monthly expiry with a single listed series: root not in the file, "
                "taken as SPXW (PM-settled)",
                count=frame.height,
                example=str(expiry),
            )
        ]
    mid = (pl.col("bid") + pl.col("ask")) / 2
    pairs = (
        frame.filter(pl.col("strike").is_in(frame.filter(pl.col("series") == 1)["strike"]))
        .with_columns(mid=mid)
        .pivot(on="series", index=["strike", "right"], values="mid", aggregate_function="first")
        .drop_nulls()
    )
    diff = (pairs.get_column("0") - pairs.get_column("1")).to_numpy()
    # The AM series settles 6.5 hours earlier: lower time value, lower mid on median.
    am_series = 1 if float(np.median(diff)) > 0 else 0
    frame = frame.with_columns(
        root=pl.when(pl.col("series") == am_series).then(pl.lit("SPX")).otherwise(pl.lit("SPXW"))
    ).drop("series")
    n_am = int((frame.get_column("root") == "SPX").sum())
    return frame, [
        QualityItem(
            reason="monthly expiry listed twice without a root: the series with the lower median "
            "mid on matched strikes inferred AM-settled SPX, the other SPXW",
            count=n_am,
            example=f"{expiry}: {pairs.height} matched quotes, median mid gap "
            f"{float(np.median(diff)):+.2f}",
        )
    ]


def _cut_truncated(
    frame: pl.DataFrame, expiry: dt.date, row_limit: int
) -> tuple[pl.DataFrame, list[QualityItem]]:
    """Keep only the strike band complete on both sides of a truncated expiration."""
    if frame.height < row_limit:
        return frame, []
    calls = frame.filter(pl.col("right") == "C")
    puts = frame.filter(pl.col("right") == "P")
    call_strikes = set(calls.get_column("strike").to_list())
    put_strikes = set(puts.get_column("strike").to_list())
    if call_strikes <= put_strikes:
        return frame, []
    if not put_strikes:
        return frame.clear(), [
            QualityItem(
                reason=f"truncated expiration ({row_limit}-row limit, no put left): "
                "dropped whole so its calls do not bias the totals",
                count=frame.height,
                example=f"{expiry}: {calls.height} calls, 0 puts",
            )
        ]
    low, high = min(put_strikes), max(put_strikes)
    keep = frame.filter(pl.col("strike").is_between(low, high))
    return keep, [
        QualityItem(
            reason=f"truncated expiration ({row_limit}-row limit cut the far puts): only the "
            "strike band complete on both sides kept",
            count=frame.height - keep.height,
            example=f"{expiry}: {calls.height} calls, {puts.height} puts; kept {low:g}..{high:g}",
        )
    ]
