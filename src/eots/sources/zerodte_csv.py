"""SPY 0DTE intraday CSV (the ``zero-dte-lab`` recorder: CBOE delayed quotes every 5 minutes).

One file per session, many snapshots in it; columns ``fetched_at_et, quote_ts, spot, expiry,
type, strike, bid, ask, bid_size, ask_size, last_trade_price, iv, delta, gamma, theta, vega, rho,
volume, open_interest``. Every row of one ``quote_ts`` is one snapshot of the same-day expiry
(strikes within +-5 % of spot: not a full chain).

What is inferred and how (``docs/history.md``):

* **quote time**: ``quote_ts``, CBOE's own book time (US/Eastern, no offset; about 15 minutes
  before ``fetched_at_et``), ``TimeBasis.SOURCE``. ``fetched_at_et`` becomes ``ts_recv``.
* **spot**: the ``spot`` column (one value per quote time; two disagreeing values are refused). The
  history ingest replaces it with the put-call parity spot where parity is available, recording
  both.
* **overlapping collectors**: the same quote time can be written twice (the laptop recorder's
  ``chains`` and the GitHub runner's ``chains_ci``, or one recorder polling a book that has not
  moved). ``zerodte_snapshots`` keeps one copy per quote time (the earliest fetch; on a tie the
  first file given) and counts the copies dropped, saying whether they were identical.
* greeks: an ``iv`` of 0 means "not computed": that row's IV and greeks are null.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from eots.core.errors import EmptyChainError, SchemaError
from eots.core.time import ET, UTC, QuoteTime, TimeBasis, session_of
from eots.sources.raw import RawChain, refuse_fractional, stated_underlying

FORMAT = "zerodte_cboe_csv"

#: The recorder's header, in order.
COLUMNS = (
    "fetched_at_et",
    "quote_ts",
    "spot",
    "expiry",
    "type",
    "strike",
    "bid",
    "ask",
    "bid_size",
    "ask_size",
    "last_trade_price",
    "iv",
    "delta",
    "gamma",
    "theta",
    "vega",
    "rho",
    "volume",
    "open_interest",
)
_NUMBERS = (
    "spot",
    "strike",
    "bid",
    "ask",
    "last_trade_price",
    "iv",
    "delta",
    "gamma",
    "theta",
    "vega",
    "volume",
    "open_interest",
)
_DATA = tuple(c for c in COLUMNS if c != "fetched_at_et")
_GREEKS = {"iv": "iv_src", "delta": "delta_src", "gamma": "gamma_src", "theta": "theta_src"}


@dataclass(frozen=True, slots=True, kw_only=True)
class ZeroDteRead:
    """Snapshots read from one or more recorder files, one per quote time, and what was merged.

    Attributes
    ----------
    chains
        One ``RawChain`` per distinct quote time, in time order.
    copies_identical, copies_differing
        Extra copies of a quote time dropped (same rows, or different rows: the earliest fetch
        was kept).
    rows_read
        Rows in all files.
    """

    chains: tuple[RawChain, ...]
    copies_identical: int
    copies_differing: int
    rows_read: int


def is_zerodte_header(line: str) -> bool:
    """Whether a first line is the recorder's header."""
    return line.strip().lstrip("\ufeff").startswith("fetched_at_et,quote_ts,")


def read_zerodte_frame(data: bytes, *, source: str) -> pl.DataFrame:
    """Parse one recorder file (gzip accepted) into a typed frame with ``file`` and ``line``."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if not data.strip():
        raise EmptyChainError("the file is empty", source=source)
    header = data.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace").strip()
    names = [n.strip() for n in header.split(",")]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise SchemaError(
            f"not a 0DTE recorder file: missing column(s) {missing}", source=source, line=1
        )
    try:
        frame = pl.read_csv(
            io.BytesIO(data),
            schema_overrides={
                **dict.fromkeys(("fetched_at_et", "quote_ts", "expiry", "type"), pl.String),
                **dict.fromkeys(_NUMBERS, pl.Float64),
            },
            columns=list(COLUMNS),
        )
    except pl.exceptions.PolarsError as e:
        raise SchemaError(f"cannot read the CSV: {e}", source=source) from e
    frame = frame.with_columns(
        pl.lit(source).alias("file"),
        pl.int_range(2, pl.len() + 2, dtype=pl.Int64).alias("source_line"),
        pl.col("quote_ts").str.to_datetime("%Y-%m-%dT%H:%M:%S", strict=False).alias("_quote"),
        pl.col("fetched_at_et")
        .str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False)
        .alias("_fetched"),
        pl.col("expiry").str.to_date("%Y-%m-%d", strict=False).alias("_expiry"),
    )
    for column, label in (
        ("_quote", "quote_ts"),
        ("_fetched", "fetched_at_et"),
        ("_expiry", "expiry"),
    ):
        bad = frame.filter(pl.col(column).is_null()).head(1)
        if bad.height:
            row = bad.row(0, named=True)
            raise SchemaError(
                f"expected a time/date, was {row[label]!r}",
                source=source,
                line=int(row["source_line"]),
                field=label,
            )
    bad = frame.filter(~pl.col("type").is_in(["C", "P"])).head(1)
    if bad.height:
        row = bad.row(0, named=True)
        raise SchemaError(
            f"expected type C or P, was {row['type']!r}",
            source=source,
            line=int(row["source_line"]),
            field="type",
        )
    refuse_fractional(frame, {"volume": "volume", "open_interest": "open_interest"}, source=source)
    return frame


def zerodte_snapshots(
    files: Sequence[tuple[str, bytes]], *, underlying: str | None = None
) -> ZeroDteRead:
    """Read recorder files (``(name, bytes)``; overlapping collectors allowed) into snapshots.

    One snapshot per distinct ``quote_ts``: the copy with the earliest ``fetched_at_et`` (on a tie,
    the first file given) is kept, the others counted (see the module docstring).
    """
    if not files:
        raise EmptyChainError("no 0DTE recorder file given")
    frames = [
        read_zerodte_frame(data, source=name).with_columns(pl.lit(i, pl.Int32).alias("_file_no"))
        for i, (name, data) in enumerate(files)
    ]
    frame = pl.concat(frames, how="vertical")
    copies = (
        frame.group_by("_quote", "_file_no", "_fetched")
        .agg(pl.len().alias("n"))
        .sort("_quote", "_fetched", "_file_no")
    )
    kept = copies.group_by("_quote", maintain_order=True).first()
    extra = copies.join(kept, on=["_quote", "_file_no", "_fetched"], how="anti")
    identical = differing = 0
    keyed = frame.sort("type", "strike")
    for row in extra.iter_rows(named=True):
        winner = kept.filter(pl.col("_quote") == row["_quote"]).row(0, named=True)
        a = keyed.filter(
            (pl.col("_quote") == row["_quote"])
            & (pl.col("_file_no") == winner["_file_no"])
            & (pl.col("_fetched") == winner["_fetched"])
        ).select(_DATA)
        b = keyed.filter(
            (pl.col("_quote") == row["_quote"])
            & (pl.col("_file_no") == row["_file_no"])
            & (pl.col("_fetched") == row["_fetched"])
        ).select(_DATA)
        if a.equals(b):
            identical += 1
        else:
            differing += 1
    chosen = frame.join(
        kept.select("_quote", "_file_no", "_fetched"), on=["_quote", "_file_no", "_fetched"]
    )
    chains = tuple(
        _chain(group, underlying=underlying)
        for _, group in chosen.sort("_quote").group_by("_quote", maintain_order=True)
    )
    return ZeroDteRead(
        chains=chains,
        copies_identical=identical,
        copies_differing=differing,
        rows_read=frame.height,
    )


def parse_zerodte_csv(
    data: bytes,
    *,
    source: str,
    as_of: dt.datetime | None = None,
    underlying: str | None = None,
) -> RawChain:
    """Return the one snapshot of a recorder file that ``load_chain`` returns.

    That is the latest quote time at or before ``as_of`` (the file's last one without ``as_of``).
    """
    read = zerodte_snapshots([(source, data)], underlying=underlying)
    if as_of is None:
        return read.chains[-1]
    if as_of.tzinfo is None:
        raise ValueError(f"as_of must be timezone-aware, was {as_of!r}")
    before = [c for c in read.chains if c.quote_time.ts <= as_of]
    if not before:
        raise EmptyChainError(
            f"no snapshot quoted at or before {as_of.isoformat()} "
            f"(first at {read.chains[0].quote_time.ts.isoformat()})",
            source=source,
        )
    return before[-1]


def _chain(group: pl.DataFrame, *, underlying: str | None) -> RawChain:
    source = str(group.get_column("file")[0])
    spots = group.get_column("spot").unique()
    quote_naive: dt.datetime = group.get_column("_quote")[0]
    if spots.len() != 1:
        raise SchemaError(
            f"quote time {quote_naive} carries {spots.len()} different spots {spots.to_list()}",
            source=source,
            field="spot",
        )
    ts = quote_naive.replace(tzinfo=ET).astimezone(UTC)
    fetched: dt.datetime = group.get_column("_fetched")[0]
    not_given = pl.col("iv") == 0
    frame = group.select(
        pl.lit("SPY").alias("root"),
        pl.col("_expiry").alias("expiry"),
        "strike",
        pl.col("type").alias("right"),
        "bid",
        "ask",
        pl.col("last_trade_price").alias("last"),
        "volume",
        "open_interest",
        *[
            pl.when(not_given).then(None).otherwise(pl.col(src)).alias(name)
            for src, name in _GREEKS.items()
        ],
        pl.when(not_given).then(None).otherwise(pl.col("vega")).alias("vega_src"),
        "source_line",
    )
    return RawChain(
        frame=frame,
        spot=float(spots[0]),
        quote_time=QuoteTime(ts, session_of(ts), TimeBasis.SOURCE),
        ts_recv=fetched.replace(tzinfo=ET).astimezone(UTC),
        source=source,
        source_format=FORMAT,
        underlying=stated_underlying("SPY", underlying, source=source, field="(layout)"),
    )
