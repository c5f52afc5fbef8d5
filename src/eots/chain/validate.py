"""Validation at the boundary: turn a reader's raw frame into a trusted ``ChainSnapshot``.

Policy (corrupt data is worse than none):

Refused with ``SchemaError`` naming the source, line and field (the whole file is rejected):
  a missing required column; a value that is not a number where one is required; a missing or
  non-positive strike; a missing expiry or root; a right other than C/P; NaN or infinite numbers;
  negative bid, ask, last, volume or open interest; missing open interest; two rows for one contract
  that disagree; roots of more than one underlying, or roots that contradict the stated
  underlying; a spot that is not a positive finite number.

Refused as implausible (numbers no listed contract has ever had, so the file is corrupt):
  open interest or volume above ``MAX_CONTRACTS`` (10 million on one contract); a strike above
  ``MAX_STRIKE``; a multiplier above ``MAX_MULTIPLIER``; a bid, ask or last above
  ``MAX_PRICE_RATIO`` times the larger of strike and spot (no option is worth more than its
  underlying or its strike); for files (``check_spot_plausible``, called by the readers) a spot
  outside ``[min strike / SPOT_STRIKE_RATIO, max strike * SPOT_STRIKE_RATIO]`` (a header spot
  that has nothing to do with the listed strikes); a quote
  time more than ``MAX_FIRST_EXPIRY_DAYS`` calendar days before the first live expiry of a chain
  that lists at least ``FULL_LISTING_EXPIRIES`` expiries (a wrong Date line: a full listing always
  has an expiry within weeks, and a quote time years early would bring expired contracts back to
  life). With fewer expiries (an export filtered to a few far series) the same gap is flagged.

Dropped, counted in ``QualityReport.dropped``:
  rows at or past their settlement instant (expired); exact duplicate rows.

Kept but flagged, counted in ``QualityReport.flagged``:
  crossed quotes (bid > ask) and one-sided or empty quotes get ``quote_valid = False`` (their
  prices are never used as a mid); zero open interest; a source IV that is missing, zero or above
  500 % (the pricer will solve its own).

A chain with no live contract left raises ``EmptyChainError``.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from eots.chain.schema import CHAIN_SCHEMA, RAW_OPTIONAL, RAW_REQUIRED, RIGHTS, SETTLEMENTS
from eots.chain.snapshot import ChainSnapshot, QualityItem, QualityReport
from eots.core.errors import EmptyChainError, SchemaError
from eots.core.time import QuoteTime, settlement_instant
from eots.core.types import underlying_for_root

_NUMERIC = (
    "strike",
    "bid",
    "ask",
    "last",
    "volume",
    "open_interest",
    "iv_src",
    "delta_src",
    "gamma_src",
    "theta_src",
    "vega_src",
    "multiplier",
)
_NON_NEGATIVE = ("bid", "ask", "last", "volume", "open_interest")
_KEY = ("root", "expiry", "strike", "right")
MAX_SOURCE_IV = 5.0
#: Largest open interest or volume accepted on one contract (the largest real ones are ~1e6).
MAX_CONTRACTS = 10_000_000
#: Largest strike accepted, $.
MAX_STRIKE = 10_000_000.0
#: Largest contract multiplier accepted (standard 100; minis 10; adjusted series up to ~1000).
MAX_MULTIPLIER = 1000.0
#: An option price above this multiple of max(strike, spot) is refused.
MAX_PRICE_RATIO = 2.0
#: The spot must lie within this factor of the listed strikes' range.
SPOT_STRIKE_RATIO = 3.0
#: The first live expiry must come within this many calendar days of the quote time.
MAX_FIRST_EXPIRY_DAYS = 45
#: A chain with at least this many expiries is a full listing (weeklies and monthlies).
FULL_LISTING_EXPIRIES = 5


def build_snapshot(  # noqa: PLR0913  (the raw frame, the keyword-only provenance fields)
    raw: pl.DataFrame,
    *,
    spot: float,
    quote_time: QuoteTime,
    ts_recv: dt.datetime,
    source: str,
    source_format: str,
    underlying: str | None = None,
) -> ChainSnapshot:
    """Validate a reader's raw frame and return the snapshot (see the module policy).

    Parameters
    ----------
    raw
        Columns ``RAW_REQUIRED`` plus any of ``RAW_OPTIONAL``; one row per contract.
    spot
        Underlying price in $ at ``quote_time``.
    quote_time
        The instant the quotes belong to and how it was inferred (becomes ``ts_event``).
    ts_recv
        When the data was captured or downloaded (UTC-aware).
    source, source_format
        A name for messages (usually the file path) and the reader's format id.
    underlying
        The underlying the source says it is about, checked against the roots when given.
    """
    if raw.height == 0:
        raise EmptyChainError("no contract rows", source=source)
    frame = _conform(raw, source)
    _refuse_bad_values(frame, source)
    if not (spot == spot and 0.0 < spot < float("inf")):
        raise SchemaError(
            f"expected a positive finite spot, was {spot!r}", source=source, field="spot"
        )
    _refuse_implausible(frame, spot, source)
    frame = frame.with_columns(pl.col("symbol").fill_null(_occ_symbol()))
    symbol = _underlying(frame, source, underlying)
    frame = _with_settlement(frame)
    frame, dup_item = _drop_duplicates(frame, source)
    rows_read = raw.height
    as_of = quote_time.ts
    expired = frame.get_column("expiry_ts") <= as_of
    dropped = [item for item in (dup_item,) if item is not None]
    n_expired = int(expired.sum())
    if n_expired:
        first = frame.filter(expired).row(0, named=True)
        dropped.append(
            QualityItem(
                reason=f"expired at or before as_of {as_of.isoformat()}",
                count=n_expired,
                example=f"{first['root']} {first['expiry']} settled {first['expiry_ts']}",
            )
        )
        frame = frame.filter(~expired)
    if frame.height == 0:
        raise EmptyChainError(
            f"no live contract left (read {rows_read} rows; "
            + "; ".join(f"{d.reason}: {d.count}" for d in dropped)
            + ")",
            source=source,
        )
    early = _early_quote_time(frame, quote_time, source)
    frame = frame.with_columns(
        underlying=pl.lit(symbol),
        quote_valid=(
            pl.col("bid").is_not_null()
            & pl.col("ask").is_not_null()
            & (pl.col("bid") > 0)
            & (pl.col("ask") >= pl.col("bid"))
        ),
    )
    flagged = _flags(frame) + ([early] if early is not None else [])
    frame = frame.sort("expiry", "strike", "right", "root").select(
        [pl.col(c).cast(t) for c, t in CHAIN_SCHEMA.items()]
    )
    quality = QualityReport(
        rows_read=rows_read, rows_kept=frame.height, dropped=tuple(dropped), flagged=tuple(flagged)
    )
    return ChainSnapshot(
        underlying=symbol,
        spot=float(spot),
        ts_event=as_of,
        ts_recv=ts_recv,
        time_basis=quote_time.basis,
        frame=frame,
        quality=quality,
        source=source,
        source_format=source_format,
    )


def _conform(raw: pl.DataFrame, source: str) -> pl.DataFrame:
    missing = [c for c in RAW_REQUIRED if c not in raw.columns]
    if missing:
        raise SchemaError(f"missing required column(s) {missing}; got {raw.columns}", source=source)
    cols: list[pl.Expr] = []
    for name, dtype in {**RAW_REQUIRED, **RAW_OPTIONAL}.items():
        if name in raw.columns:
            col = raw.get_column(name)
            if col.dtype != dtype:
                try:
                    col = col.cast(dtype, strict=True)
                except pl.exceptions.InvalidOperationError as e:
                    raise SchemaError(
                        f"cannot read as {dtype}: {e}", source=source, field=name
                    ) from e
            if col.dtype != dtype:
                raise SchemaError(
                    f"cannot read a {col.dtype} column as {dtype}", source=source, field=name
                )
            cols.append(pl.lit(col).alias(name))
        else:
            cols.append(pl.lit(None, dtype=dtype).alias(name))
    frame = raw.select(cols)
    if "source_line" not in raw.columns:
        frame = frame.with_columns(source_line=pl.int_range(1, pl.len() + 1, dtype=pl.Int64))
    return frame.with_columns(
        pl.col("multiplier").fill_null(100.0), pl.col("root").str.strip_chars().str.to_uppercase()
    )


def _occ_symbol() -> pl.Expr:
    """OCC symbol ROOT + YYMMDD + C/P + strike * 1000 on 8 digits, for sources that omit it."""
    return pl.concat_str(
        pl.col("root"),
        pl.col("expiry").dt.strftime("%y%m%d"),
        pl.col("right"),
        (pl.col("strike") * 1000).round(0).cast(pl.Int64).cast(pl.String).str.zfill(8),
    )


def _first_bad(frame: pl.DataFrame, mask: pl.Expr) -> dict[str, object] | None:
    bad = frame.filter(mask)
    return None if bad.height == 0 else bad.row(0, named=True)


def _refuse_bad_values(frame: pl.DataFrame, source: str) -> None:
    checks: list[tuple[str, pl.Expr, str]] = [
        ("root", pl.col("root").is_null() | (pl.col("root") == ""), "expected an option root"),
        ("expiry", pl.col("expiry").is_null(), "expected an expiry date"),
        (
            "right",
            ~pl.col("right").is_in(["C", "P"]) | pl.col("right").is_null(),
            "expected right C or P",
        ),
        ("strike", pl.col("strike").is_null(), "expected a strike"),
        ("open_interest", pl.col("open_interest").is_null(), "expected open interest"),
    ]
    checks += [
        (c, pl.col(c).is_nan() | pl.col(c).is_infinite(), "expected a finite number")
        for c in _NUMERIC
    ]
    checks.append(("strike", pl.col("strike") <= 0, "expected strike > 0"))
    checks += [(c, pl.col(c) < 0, "expected a value >= 0") for c in _NON_NEGATIVE]
    checks.append(("multiplier", pl.col("multiplier") <= 0, "expected multiplier > 0"))
    for field, mask, text in checks:
        row = _first_bad(frame, mask)
        if row is not None:
            raise SchemaError(
                f"{text}, was {row[field]!r}", source=source, line=_line(row), field=field
            )


def _refuse_implausible(frame: pl.DataFrame, spot: float, source: str) -> None:
    top = pl.max_horizontal(pl.col("strike"), pl.lit(spot)).alias("_top")
    checks: list[tuple[str, pl.Expr, str]] = [
        (
            c,
            pl.col(c) > MAX_CONTRACTS,
            f"implausible {c.replace('_', ' ')} (above {MAX_CONTRACTS:,} contracts)",
        )
        for c in ("open_interest", "volume")
    ]
    checks.append(("strike", pl.col("strike") > MAX_STRIKE, f"strike above {MAX_STRIKE:,.0f}"))
    checks.append(
        ("multiplier", pl.col("multiplier") > MAX_MULTIPLIER, f"multiplier above {MAX_MULTIPLIER}")
    )
    checks += [
        (
            c,
            pl.col(c) > MAX_PRICE_RATIO * top,
            f"implausible option price (above {MAX_PRICE_RATIO:g}x the larger of strike and spot "
            f"{spot:,.2f})",
        )
        for c in ("bid", "ask", "last")
    ]
    for field, mask, text in checks:
        row = _first_bad(frame, mask)
        if row is not None:
            raise SchemaError(
                f"{text}, was {row[field]!r}", source=source, line=_line(row), field=field
            )


def check_spot_plausible(snapshot: ChainSnapshot) -> None:
    """Refuse a spot outside ``[min strike / SPOT_STRIKE_RATIO, max strike * SPOT_STRIKE_RATIO]``.

    File readers call it (``eots.sources.load_chain``): a header spot that has nothing to do with
    the listed strikes is a corrupt file. (Hand-built test chains may use marker spots.)
    """
    frame = snapshot.frame
    if frame.height == 0:
        return
    bounds = frame.select(lo=pl.col("strike").min(), hi=pl.col("strike").max())
    lo, hi = bounds.row(0)
    spot = snapshot.spot
    if not (lo / SPOT_STRIKE_RATIO <= spot <= hi * SPOT_STRIKE_RATIO):
        raise SchemaError(
            f"spot {spot:,.6g} is implausible for strikes {lo:,.2f}..{hi:,.2f} (it must lie within "
            f"a factor {SPOT_STRIKE_RATIO:g} of them)",
            source=snapshot.source,
            field="spot",
        )


def _early_quote_time(
    frame: pl.DataFrame, quote_time: QuoteTime, source: str
) -> QualityItem | None:
    first = frame.get_column("expiry_ts").min()
    assert isinstance(first, dt.datetime)
    days = (first - quote_time.ts).total_seconds() / 86400.0
    if days <= MAX_FIRST_EXPIRY_DAYS:
        return None
    n_expiries = frame.get_column("expiry").n_unique()
    text = (
        f"the quote time {quote_time.ts.isoformat()} ({quote_time.basis.value}) is {days:,.0f} "
        f"days before the first expiry {first.date()}"
    )
    if n_expiries >= FULL_LISTING_EXPIRIES:
        raise SchemaError(
            f"{text} of a chain listing {n_expiries} expiries: a full listing has an expiry within "
            f"{MAX_FIRST_EXPIRY_DAYS} days, so the time is probably wrong; pass as_of (CLI: "
            "--as-of) with the time the quotes belong to",
            source=source,
            field="ts_event",
        )
    return QualityItem(
        reason=f"{text}: check the quote time (a filtered export of far expiries, or a wrong one)",
        count=frame.height,
    )


def _line(row: dict[str, object]) -> int | None:
    value = row.get("source_line")
    return value if isinstance(value, int) else None


def _underlying(frame: pl.DataFrame, source: str, stated: str | None) -> str:
    roots = frame.get_column("root").unique().sort().to_list()
    symbols = sorted({underlying_for_root(r).symbol for r in roots})
    if len(symbols) != 1:
        first = underlying_for_root(str(frame.get_column("root")[0])).symbol
        others = [r for r in roots if underlying_for_root(r).symbol != first]
        row = _first_bad(frame, pl.col("root").is_in(others))
        raise SchemaError(
            f"expected the roots of one underlying, found {symbols} (roots {roots})",
            source=source,
            line=_line(row) if row is not None else None,
            field="root",
        )
    if stated is not None and stated.upper() != symbols[0]:
        raise SchemaError(
            f"source says underlying {stated!r} but its option roots {roots} "
            f"belong to {symbols[0]!r}",
            source=source,
            field="root",
        )
    return symbols[0]


def _with_settlement(frame: pl.DataFrame) -> pl.DataFrame:
    pairs = frame.select("root", "expiry").unique()
    styles = [underlying_for_root(r).settlement(r) for r in pairs.get_column("root").to_list()]
    instants = [
        settlement_instant(d, s)
        for d, s in zip(pairs.get_column("expiry").to_list(), styles, strict=True)
    ]
    table = pairs.with_columns(
        settlement=pl.Series([s.value for s in styles], dtype=SETTLEMENTS),
        expiry_ts=pl.Series(instants, dtype=pl.Datetime("us", "UTC")),
    )
    return frame.join(table, on=["root", "expiry"], how="left")


def _drop_duplicates(frame: pl.DataFrame, source: str) -> tuple[pl.DataFrame, QualityItem | None]:
    dup = frame.select(pl.struct(_KEY).is_duplicated()).to_series()
    if not dup.any():
        return frame, None
    data_cols = [c for c in frame.columns if c != "source_line"]
    dups = frame.filter(dup)
    distinct = dups.unique(subset=data_cols)
    conflicting = distinct.filter(pl.struct(_KEY).is_duplicated())
    if conflicting.height:
        rows = conflicting.sort("source_line").head(2).rows(named=True)
        key = " ".join(str(rows[0][k]) for k in _KEY)
        raise SchemaError(
            f"contract {key} listed twice with different data "
            f"(lines {rows[0]['source_line']} and {rows[1]['source_line']})",
            source=source,
            line=_line(rows[0]),
            field="symbol",
        )
    kept = frame.sort("source_line").unique(subset=data_cols, keep="first", maintain_order=True)
    item = QualityItem(
        reason="exact duplicate row",
        count=frame.height - kept.height,
        example=f"line {dups.get_column('source_line').max()!s}",
    )
    return kept, item


def _flags(frame: pl.DataFrame) -> list[QualityItem]:
    checks = [
        (
            "crossed quote (bid > ask): quote not used",
            pl.col("bid").is_not_null()
            & pl.col("ask").is_not_null()
            & (pl.col("bid") > pl.col("ask")),
        ),
        (
            "no two-sided quote (bid or ask missing or 0): quote not used",
            ~pl.col("quote_valid") & ~(pl.col("bid").fill_null(0) > pl.col("ask").fill_null(0)),
        ),
        ("zero open interest", pl.col("open_interest") == 0),
        (
            f"source IV missing, zero or above {MAX_SOURCE_IV:.0%}: IV solved from price",
            pl.col("iv_src").is_null()
            | (pl.col("iv_src") <= 0)
            | (pl.col("iv_src") > MAX_SOURCE_IV),
        ),
    ]
    items = []
    for reason, mask in checks:
        n = int(frame.select(mask.sum()).item())
        if n:
            items.append(QualityItem(reason=reason, count=n))
    return items


__all__ = ["RIGHTS", "build_snapshot", "check_spot_plausible"]
