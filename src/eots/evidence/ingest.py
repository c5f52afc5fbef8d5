"""Ingest the two real histories into a snapshot store, repairing or refusing each known fault.

``ingest_barchart(folder, store)`` reads ``YYYY-MM-DD.json.gz`` SPX after-close chains;
``ingest_zerodte(folders, store)`` reads ``SPY_YYYY-MM-DD.csv.gz`` 0DTE recorder files from one or
more collector folders (``chains`` then ``chains_ci``). Both return an ``IngestReport``: one row per
file (or quote time) with what was done, and the counts by reason. The rules (``docs/history.md``):

* **stale duplicate sessions**: a Barchart file whose quotes (every row of every expiration) are
  identical to the previous file's is refused as a stale copy (the collector ran on a holiday and
  got the previous session back); a file dated on a day whose capture maps to another session is
  refused too (``eots.sources.barchart_json``).
* **truncated expirations**, **AM/PM series**, **quote times**, **overlapping collectors**: done by
  the readers (``barchart_json``, ``zerodte_csv``); their counts are summed here.
* **spot from parity**: the snapshot's spot becomes the spot implied by put-call parity on the
  nearest expiry within ``PricingParams.spot_parity_max_days`` (``eots.greeks.spot_parity_check``);
  the quoted spot and the parity spot are both recorded (``quoted_spot``, ``parity_spot``). With no
  parity forward the quoted spot is kept and the row says so.
* **partial and unusable snapshots**: a snapshot with no live contract (a 0DTE quote stamped at or
  after the close) is refused with its reason.
"""

from __future__ import annotations

import gzip
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl

from eots.chain.snapshot import ChainSnapshot
from eots.core.errors import EmptyChainError, SchemaError
from eots.core.time import session_of
from eots.greeks.frame import priced_chain
from eots.greeks.params import PricingParams
from eots.greeks.spot import spot_parity_check
from eots.sources.barchart_json import parse_barchart_json
from eots.sources.raw import snapshot_from_raw
from eots.sources.zerodte_csv import zerodte_snapshots
from eots.storage import PriceStore, SnapshotStore

#: One row per file or snapshot handled.
REPORT_SCHEMA = pl.Schema(
    {
        "item": pl.String(),  # file name (Barchart) or quote time (0DTE)
        "session": pl.Date(),
        "outcome": pl.String(),  # stored | duplicate | refused
        "reason": pl.String(),
        "quoted_spot": pl.Float64(),
        "parity_spot": pl.Float64(),
        "n_contracts": pl.Int64(),
        "rows_truncated": pl.Int64(),  # rows left out of truncated expirations
        "n_truncated_expiries": pl.Int64(),
        "n_am_rows": pl.Int64(),  # rows inferred AM-settled SPX
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class IngestReport:
    """What a history ingest did: ``rows`` (``REPORT_SCHEMA``) and totals by reason."""

    layout: str
    rows: pl.DataFrame
    counts: dict[str, int]

    @property
    def stored(self) -> int:
        """Snapshots stored (or already stored with the same content)."""
        return int(self.rows.get_column("outcome").is_in(["stored", "duplicate"]).sum())

    @property
    def refused(self) -> int:
        """Files or snapshots refused."""
        return int((self.rows.get_column("outcome") == "refused").sum())


def parity_spot(
    snapshot: ChainSnapshot, params: PricingParams | None = None
) -> tuple[ChainSnapshot, float | None]:
    """Return the snapshot with its spot replaced by the parity-implied spot, and that spot.

    The spot is unchanged (and None returned) when no expiry within ``spot_parity_max_days`` has a
    parity forward.
    """
    params = params or PricingParams()
    check = spot_parity_check(priced_chain(snapshot, params), snapshot.spot, params)
    if check is None:
        return snapshot, None
    return replace(snapshot, spot=check.implied_spot), check.implied_spot


#: Quote fields compared between consecutive Barchart files.
_QUOTE_FIELDS = ("bidPrice", "askPrice", "lastPrice", "volume", "openInterest")
_KEY = ("expirationDate", "strikePrice", "optionType", "n")

#: A file is a stale copy when at least this share of the contracts it has in common with the
#: previous file carry identical quotes, and they share at least half of its contracts (and at
#: least ``STALE_MIN_COMMON``). Two real sessions' closing quotes never agree like that.
STALE_SHARE = 0.99
STALE_MIN_COMMON = 20


def quote_table(data: bytes) -> pl.DataFrame:
    """A Barchart file's quotes keyed by (expiry, strike, side, listing number): the stale test."""
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    try:
        doc = json.loads(data)
    except ValueError:
        return pl.DataFrame()
    expiries = doc.get("expiries") if isinstance(doc, dict) else None
    if not isinstance(expiries, dict):
        return pl.DataFrame()
    records = [
        {k: row.get(k) for k in ("expirationDate", "strikePrice", "optionType", *_QUOTE_FIELDS)}
        for rows in expiries.values()
        if isinstance(rows, list)
        for row in rows
        if isinstance(row, dict)
    ]
    if not records:
        return pl.DataFrame()
    frame = pl.DataFrame(records, infer_schema_length=None).with_columns(
        pl.col(c).cast(pl.Float64, strict=False) for c in ("strikePrice", *_QUOTE_FIELDS)
    )
    return frame.with_columns(
        n=pl.int_range(pl.len()).over("expirationDate", "strikePrice", "optionType")
    )


def stale_match(current: pl.DataFrame, previous: pl.DataFrame) -> tuple[int, int]:
    """Return (identical, common): contracts in both files, and how many quote the same."""
    if current.is_empty() or previous.is_empty():
        return 0, 0
    both = current.join(previous, on=list(_KEY), how="inner", suffix="_prev")
    same = pl.all_horizontal(pl.col(c).eq_missing(pl.col(f"{c}_prev")) for c in _QUOTE_FIELDS)
    return int(both.select(same.sum()).item()), both.height


def ingest_barchart(
    folder: Path, store: Path, *, pricing: PricingParams | None = None, limit: int | None = None
) -> IngestReport:
    """Ingest every ``*.json.gz`` / ``*.json`` file of ``folder`` (date order) into ``store``.

    ``limit``: only the first N files (a documented subset).
    """
    files = sorted([*folder.glob("*.json.gz"), *folder.glob("*.json")], key=lambda p: p.name)
    files = files[:limit] if limit is not None else files
    if not files:
        raise EmptyChainError(f"no Barchart *.json(.gz) file in {folder}")
    target = SnapshotStore(store)
    rows: list[dict[str, object]] = []
    previous: tuple[str, pl.DataFrame] | None = None
    for path in files:
        data = path.read_bytes()
        quotes = quote_table(data)
        if previous is not None:
            same, common = stale_match(quotes, previous[1])
            enough = common >= max(STALE_MIN_COMMON, quotes.height / 2)
            if enough and same >= STALE_SHARE * common:
                rows.append(
                    _refused(
                        path.name,
                        f"stale duplicate: quotes identical to {previous[0]} on {same} of the "
                        f"{common} contracts they share",
                    )
                )
                continue
        previous = (path.name, quotes)
        try:
            raw = parse_barchart_json(data, source=str(path), underlying="SPX")
            snapshot = snapshot_from_raw(raw)
        except SchemaError as e:
            rows.append(_refused(path.name, str(e).split(": ", 1)[-1]))
            continue
        rows.append(_store(target, path.name, snapshot, pricing))
    return _report("barchart", rows)


def ingest_zerodte(
    folders: Sequence[Path],
    store: Path,
    *,
    pricing: PricingParams | None = None,
    limit: int | None = None,
) -> IngestReport:
    """Ingest the 0DTE recorder files of ``folders`` (e.g. ``chains`` then ``chains_ci``).

    Files of the same session from several folders are read together, so a quote time written by
    two collectors is stored once (the earliest fetch; ``zerodte_csv.zerodte_snapshots``).
    ``limit``: only the first N session days (a documented subset).
    """
    by_day: dict[str, list[Path]] = {}
    for folder in folders:
        for path in sorted([*folder.glob("SPY_*.csv.gz"), *folder.glob("SPY_*.csv")]):
            by_day.setdefault(path.name.split(".")[0], []).append(path)
    if not by_day:
        raise EmptyChainError(f"no SPY_*.csv(.gz) recorder file in {[str(f) for f in folders]}")
    target = SnapshotStore(store)
    rows: list[dict[str, object]] = []
    extra: Counter[str] = Counter()
    days = sorted(by_day)
    for day in days[:limit] if limit is not None else days:
        read = zerodte_snapshots([(str(p), p.read_bytes()) for p in by_day[day]], underlying="SPY")
        extra["copies of a quote time dropped (identical)"] += read.copies_identical
        extra["copies of a quote time dropped (different rows; earliest fetch kept)"] += (
            read.copies_differing
        )
        for raw in read.chains:
            item = raw.quote_time.ts.isoformat()
            try:
                snapshot = snapshot_from_raw(raw)
            except SchemaError as e:
                rows.append(_refused(item, str(e).split(": ", 1)[-1], raw.quote_time.session))
                continue
            rows.append(_store(target, item, snapshot, pricing))
    return _report("zerodte", rows, extra)


def import_prices(prices: Path, store: Path, files: Iterable[tuple[str, str, str]]) -> list[str]:
    """Import bar CSVs ``(file name, underlying, interval)`` from ``prices`` into a price store.

    Returns one line per file: rows read, added, refused.
    """
    target = PriceStore(store)
    lines = []
    for name, underlying, interval in files:
        result = target.import_csv(prices / name, underlying, interval)
        lines.append(
            f"{name}: {result.rows_read} rows read, {result.added} added, "
            f"{result.unchanged} unchanged, {len(result.refused)} refused"
        )
    return lines


def _store(
    target: SnapshotStore, item: str, snapshot: ChainSnapshot, pricing: PricingParams | None
) -> dict[str, object]:
    quoted = snapshot.spot
    snapshot, implied = parity_spot(snapshot, pricing)
    saved = target.save(snapshot)
    truncated = [d for d in snapshot.quality.dropped if d.reason.startswith("truncated")]
    am = [f for f in snapshot.quality.flagged if "inferred AM-settled" in f.reason]
    return {
        "item": item,
        "session": session_of(snapshot.ts_event),
        "outcome": "duplicate" if saved.duplicate else "stored",
        "reason": "spot from put-call parity"
        if implied is not None
        else "no parity forward: quoted spot kept",
        "quoted_spot": quoted,
        "parity_spot": implied,
        "n_contracts": snapshot.n_contracts,
        "rows_truncated": sum(d.count for d in truncated),
        "n_truncated_expiries": len(truncated),
        "n_am_rows": sum(f.count for f in am),
    }


def _refused(item: str, reason: str, session: object = None) -> dict[str, object]:
    return {
        "item": item,
        "session": session,
        "outcome": "refused",
        "reason": reason,
        "quoted_spot": None,
        "parity_spot": None,
        "n_contracts": 0,
        "rows_truncated": 0,
        "n_truncated_expiries": 0,
        "n_am_rows": 0,
    }


def _report(
    layout: str, rows: list[dict[str, object]], extra: Counter[str] | None = None
) -> IngestReport:
    frame = (
        pl.DataFrame(rows, schema=REPORT_SCHEMA, orient="row")
        if rows
        else pl.DataFrame(schema=REPORT_SCHEMA)
    )
    counts: Counter[str] = Counter()
    for outcome, reason in frame.select("outcome", "reason").iter_rows():
        key = reason if outcome == "refused" else outcome
        if outcome == "refused" and reason.startswith("stale duplicate"):
            key = "refused: stale duplicate of the previous session"
        elif outcome == "refused":
            key = f"refused: {reason}"
        counts[key] += 1
    counts["spot from put-call parity"] = int(frame.get_column("parity_spot").is_not_null().sum())
    counts["expirations truncated (band kept or dropped)"] = int(
        frame.get_column("n_truncated_expiries").sum()
    )
    counts["rows left out of truncated expirations"] = int(frame.get_column("rows_truncated").sum())
    counts["rows inferred AM-settled SPX"] = int(frame.get_column("n_am_rows").sum())
    if extra:
        counts.update(extra)
    return IngestReport(layout=layout, rows=frame, counts=dict(counts))
