"""The dashboard's one door to computation: every number it shows comes through this module.

The dashboard holds no metric math. Today this adapter loads a stored snapshot with
``eots.storage.SnapshotStore``, builds its as-of history (``eots.history.market_context``, the
saved key levels) and runs ``eots.pipeline.analyze`` with the chosen expiry scope; when
``eots.engine`` lands, only this module changes. Replay results (the track record, the adaptive
weights, signals and ideas) are read from a replay run folder's Parquet files.

A snapshot id is ``<UNDERLYING>/<session>/<file stem>`` of the stored file: stable, readable,
and known from the file name alone (no file is opened to list a session).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from eots.core.errors import ConfigError, SchemaError
from eots.core.stats import wilson_interval
from eots.engine import Components, EngineParams, step, warm_state
from eots.exposures import ExpiryScope
from eots.pipeline import Analysis, AnalysisParams
from eots.storage import SnapshotStore
from eots.storage.snapshots import SnapshotRef

#: How many analyses the cache keeps (each holds a priced chain and its history).
CACHE_SIZE = 24

OUTCOMES_FILE = "outcomes.parquet"
WEIGHTS_FILE = "weights.parquet"
SIGNALS_FILE = "signals.parquet"


@dataclass(frozen=True, slots=True, kw_only=True)
class SnapshotEntry:
    """One stored snapshot of a session, as the scrubber lists it."""

    snapshot_id: str
    ts_event: dt.datetime
    session: dt.date


def snapshot_id(ref: SnapshotRef) -> str:
    """Return the id of a stored snapshot (``<UNDERLYING>/<session>/<file stem>``)."""
    return f"{ref.underlying}/{ref.session.isoformat()}/{ref.path.stem}"


def underlyings(store: Path) -> tuple[str, ...]:
    """Return the underlyings that have a folder in the store (none when it does not exist)."""
    return SnapshotStore(store).underlyings()


def sessions(store: Path, underlying: str) -> tuple[dt.date, ...]:
    """Return the sessions holding at least one snapshot of ``underlying``, ascending."""
    return SnapshotStore(store).sessions(underlying)


def session_snapshots(
    store: Path, underlying: str, session: dt.date | None = None
) -> tuple[SnapshotEntry, ...]:
    """Return the snapshots of one session (the latest when None), oldest first.

    Built from file names only, so it is cheap enough to call on every poll.
    """
    snapshots = SnapshotStore(store)
    if session is None:
        held = snapshots.sessions(underlying)
        if not held:
            return ()
        session = held[-1]
    return tuple(
        SnapshotEntry(snapshot_id=snapshot_id(ref), ts_event=ref.ts_event, session=ref.session)
        for ref in snapshots.list(underlying)
        if ref.session == session
    )


def latest_snapshot_ids(store: Path, underlying: str) -> tuple[str, ...]:
    """Return the ids of the latest session's snapshots of ``underlying``, oldest first."""
    return tuple(e.snapshot_id for e in session_snapshots(store, underlying))


def snapshot_ref(store: Path, snapshot_id: str) -> SnapshotRef:
    """Return the stored file behind ``snapshot_id``.

    Raises
    ------
    ConfigError
        If the id is malformed or names no stored snapshot.
    """
    parts = snapshot_id.split("/")
    if len(parts) != 3:
        raise ConfigError(f"expected a snapshot id UNDERLYING/SESSION/STEM, was {snapshot_id!r}")
    underlying, session_text, stem = parts
    try:
        session = dt.date.fromisoformat(session_text)
    except ValueError as e:
        raise ConfigError(f"expected an ISO session date in {snapshot_id!r}") from e
    for ref in SnapshotStore(store).list(underlying):
        if ref.session == session and ref.path.stem == stem:
            return ref
    raise ConfigError(f"no stored snapshot {snapshot_id!r} in {store}")


def analysis_for(store: Path, snapshot_id: str, scope: str) -> Analysis:
    """Return the analysis of a stored snapshot under an expiry scope (cached by both).

    The history is what the store held as of the snapshot's quote time (no look-ahead): the
    engine's state rebuilt from the store (``eots.engine.warm_state``) and one ``step``, the same
    code path as ``eots replay`` and ``eots analyze --store``.

    Raises
    ------
    ConfigError
        If the id or the scope is invalid, or the scope holds no unexpired contract.
    SchemaError
        If the stored file (or the history it needs) fails validation; the file is named.
    """
    return _cached_analysis(str(store), snapshot_id, scope.strip().lower())


@functools.lru_cache(maxsize=CACHE_SIZE)
def _cached_analysis(store_text: str, snapshot_id: str, scope: str) -> Analysis:
    store = Path(store_text)
    params = AnalysisParams()
    params = params.model_copy(
        update={"exposures": params.exposures.model_copy(update={"expiries": scope})}
    )
    # ExpiryScope.parse raises a ConfigError naming a bad scope before any file is read.
    expiry_scope = ExpiryScope.parse(scope)
    ref = snapshot_ref(store, snapshot_id)
    snapshots = SnapshotStore(store)
    snapshot = snapshots.load(ref)
    live = pl.col("expiry_ts") > snapshot.ts_event
    if snapshot.frame.filter(live & expiry_scope.mask(ref.session)).is_empty():
        raise ConfigError(
            f"no unexpired contracts in scope {expiry_scope.label} in snapshot {snapshot_id} "
            "(e.g. 0DTE at or after today's settlement)"
        )
    # The engine's own path (the same as replay and `analyze --store`): the state a fold over the
    # store would hold just before this snapshot, then one step; a one-off view tracks nothing.
    engine = EngineParams(
        analysis=params, components=Components(ideas=False, tracking=False, baseline=False)
    )
    state = warm_state(snapshots, snapshot.underlying, snapshot.ts_event, engine)
    result, _ = step(ref, snapshot, state, engine)
    return result.analysis


def spot_path(store: Path, underlying: str, session: dt.date, as_of: dt.datetime) -> pl.DataFrame:
    """Return ``(ts_event, spot)`` of the session's snapshots up to ``as_of`` (file footers)."""
    start = dt.datetime.combine(session, dt.time(0), tzinfo=dt.UTC)
    frame = SnapshotStore(store).spot_series(underlying, start, as_of)
    return frame.filter(
        pl.col("ts_event").dt.convert_time_zone("America/New_York").dt.date() == session
    )


# --- replay run folder -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Performance:
    """The track record of a replay run, by group, with 95 % Wilson intervals.

    Every ``by_*`` frame has ``group, n, hits, hit_rate, ci_low, ci_high, mean_r`` where a hit is
    an idea closed with a positive P&L at bid/ask (``pnl_bidask > 0``) and ``mean_r`` the mean
    R multiple. ``baseline`` is the same row over every idea of the run (group ``all``), the rate
    each group is read against.
    """

    run_dir: Path
    written_at: dt.datetime
    baseline: pl.DataFrame
    by_family: pl.DataFrame
    by_strategy: pl.DataFrame
    by_stars: pl.DataFrame
    weights: pl.DataFrame


RATE_SCHEMA = pl.Schema(
    {
        "group": pl.String(),
        "n": pl.Int64(),
        "hits": pl.Int64(),
        "hit_rate": pl.Float64(),
        "ci_low": pl.Float64(),
        "ci_high": pl.Float64(),
        "mean_r": pl.Float64(),
    }
)

_OUTCOME_COLUMNS = ("idea_id", "strategy", "stars", "signals", "ts_entry", "pnl_bidask")
_WEIGHT_COLUMNS = ("ts_event", "name", "old", "new", "n", "hit_rate", "ci_low", "ci_high")
_SIGNAL_COLUMNS = ("ts_event", "family", "name", "direction", "score", "stars")


def has_run(run_dir: Path | None) -> bool:
    """Return True when ``run_dir`` holds a replay's outcomes file."""
    return run_dir is not None and (run_dir / OUTCOMES_FILE).is_file()


def performance(run_dir: Path) -> Performance:
    """Read a replay run folder's track record and weight paths.

    Raises
    ------
    SchemaError
        If a file is missing, unreadable or lacks a required column (file and column named).
    """
    outcomes = _read(run_dir / OUTCOMES_FILE, _OUTCOME_COLUMNS)
    weights_path = run_dir / WEIGHTS_FILE
    weights = (
        _read(weights_path, _WEIGHT_COLUMNS).sort("name", "ts_event")
        if weights_path.is_file()
        else pl.DataFrame(schema={c: pl.Null() for c in _WEIGHT_COLUMNS})
    )
    closed = outcomes.filter(pl.col("pnl_bidask").is_not_null() & pl.col("pnl_bidask").is_not_nan())
    with_r = "r_multiple" in closed.columns
    family_of = _signal_families(run_dir)
    by_family = (
        closed.select("idea_id", "pnl_bidask", *(["r_multiple"] if with_r else []), "signals")
        .explode("signals")
        .join(family_of, left_on="signals", right_on="name", how="inner")
        .unique(subset=["idea_id", "family"])
        .rename({"family": "group"})
    )
    return Performance(
        run_dir=run_dir,
        written_at=dt.datetime.fromtimestamp((run_dir / OUTCOMES_FILE).stat().st_mtime, dt.UTC),
        baseline=_rates(closed.with_columns(group=pl.lit("all"))),
        by_family=_rates(by_family),
        by_strategy=_rates(closed.with_columns(group=pl.col("strategy").cast(pl.String))),
        by_stars=_rates(closed.with_columns(group=pl.col("stars").cast(pl.String) + "★")),
        weights=weights,
    )


def ideas_at(run_dir: Path, as_of: dt.datetime, since: dt.datetime | None) -> pl.DataFrame:
    """Return the run's ideas open at ``as_of`` and those entered in ``(since, as_of]``.

    Adds ``state``: ``new`` (entered in the window), ``open`` (entered before, not yet exited) or
    ``closed`` (entered in the window and already exited by ``as_of``); the P&L columns are the
    run's results at exit (null while the idea is still open at ``as_of``).
    """
    outcomes = _read(run_dir / OUTCOMES_FILE, ("idea_id", "ts_entry", "ts_exit"))
    entered = pl.col("ts_entry") <= as_of
    still_open = pl.col("ts_exit").is_null() | (pl.col("ts_exit") > as_of)
    is_new = entered if since is None else entered & (pl.col("ts_entry") > since)
    picked = outcomes.filter((entered & still_open) | is_new)
    pnl_cols = [c for c in ("pnl_bidask", "pnl_mid", "r_multiple") if c in picked.columns]
    state = (
        pl.when(is_new & still_open)
        .then(pl.lit("new"))
        .when(still_open)
        .then(pl.lit("open"))
        .otherwise(pl.lit("closed"))
    )
    return picked.with_columns(
        state.alias("state"),
        *(pl.when(still_open).then(None).otherwise(pl.col(c)).alias(c) for c in pnl_cols),
    ).sort("ts_entry", descending=True)


def signals_at(run_dir: Path, as_of: dt.datetime) -> pl.DataFrame:
    """Return the run's signals emitted at ``as_of`` (empty when the run has no signals file)."""
    path = run_dir / SIGNALS_FILE
    if not path.is_file():
        return pl.DataFrame()
    return _read(path, _SIGNAL_COLUMNS).filter(pl.col("ts_event") == as_of).sort("family", "name")


def _signal_families(run_dir: Path) -> pl.DataFrame:
    path = run_dir / SIGNALS_FILE
    if not path.is_file():
        return pl.DataFrame(schema={"name": pl.String(), "family": pl.String()})
    signals = _read(path, ("name", "family"))
    return signals.select(pl.col("name").cast(pl.String), pl.col("family").cast(pl.String)).unique()


def _rates(frame: pl.DataFrame) -> pl.DataFrame:
    if frame.is_empty():
        return pl.DataFrame(schema=RATE_SCHEMA)
    mean_r = pl.col("r_multiple").mean() if "r_multiple" in frame.columns else pl.lit(None)
    grouped = (
        frame.group_by("group")
        .agg(
            n=pl.len().cast(pl.Int64),
            hits=(pl.col("pnl_bidask") > 0).sum().cast(pl.Int64),
            mean_r=mean_r.cast(pl.Float64),
        )
        .sort("group")
    )
    lows, highs = [], []
    for n, hits in grouped.select("n", "hits").iter_rows():
        low, high = wilson_interval(hits, n)
        lows.append(low)
        highs.append(high)
    return grouped.with_columns(
        hit_rate=pl.col("hits") / pl.col("n"),
        ci_low=pl.Series(lows, dtype=pl.Float64),
        ci_high=pl.Series(highs, dtype=pl.Float64),
    ).select(RATE_SCHEMA.names())


def _read(path: Path, required: tuple[str, ...]) -> pl.DataFrame:
    if not path.is_file():
        raise SchemaError("expected a replay output file, found none", source=str(path))
    try:
        frame = pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as e:
        raise SchemaError(f"cannot read Parquet: {e}", source=str(path)) from e
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise SchemaError(f"expected columns {missing}, was {frame.columns}", source=str(path))
    return frame
