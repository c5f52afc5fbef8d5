"""``replay``: stored snapshots in capture order through the engine, into a run directory.

The same fold as live analysis (``eots.engine.fold``): each snapshot's foundation once, the history
state carried forward, nothing read after a snapshot's quote time. A live-style run over the same
snapshots gives the same outputs (``tests/unit/replay``). The run directory's files are listed in
``eots.replay.outputs``.

``session_boundaries=True`` replays under the session-boundary rule of ``eots.replay.sessions``
(every session starts from the state rebuilt from the store as of its first snapshot), the rule a
distributed replay (``eots.replay.distributed``) follows, so the two write identical run folders.
``ReplaySpec.store`` and ``prices`` may be local folders or fsspec URLs (``eots.storage.fs``).
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from eots.core.errors import ReplayError
from eots.core.ordered import in_memory
from eots.engine import EngineParams, Skipped, Step, fold, stored_stream
from eots.replay.outputs import BARS_SCHEMA, RunRecorder, write_frame, write_manifest
from eots.storage import PriceStore, SnapshotRef, SnapshotStore
from eots.storage.bars import interval_length
from eots.storage.events import EventLog
from eots.tracking.book import Book
from eots.tracking.events import Event

#: Called after each item with (items done, items in total, the item).
Progress = Callable[[int, int, Step | Skipped], None]

#: Bar intervals tried in the price store, finest first.
BAR_INTERVALS = ("1m", "5m", "15m", "1h")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplaySpec:
    """What to replay: the store, the underlying, the quote-time range and where bars live."""

    store: Path | str
    underlying: str
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    prices: Path | str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplayResult:
    """A finished replay: where it wrote, what it analysed and skipped, and its frames."""

    out: Path
    analysed: int
    skipped: int
    frames: dict[str, pl.DataFrame]
    manifest: dict[str, object]


def replay(  # noqa: PLR0913  (keyword-only resume and session-rule options)
    spec: ReplaySpec,
    params: EngineParams,
    out: Path,
    progress: Progress | None = None,
    *,
    resume: bool = False,
    session_boundaries: bool = False,
    block_sessions: int | None = None,
) -> ReplayResult:
    """Replay ``spec`` through the engine with ``params``; write the run directory ``out``.

    The lifecycle's events go to ``out/events.sqlite`` (and the random-entry baseline's to
    ``out/baseline_events.sqlite``), one transaction per snapshot. With ``resume``, a run killed
    part way is continued: the fold is computed again from the start (the state is a fold, so it
    cannot be skipped), the events of snapshots already in the log are checked against it and not
    written again, and the rest are appended, so the final log equals an uninterrupted run's.

    With ``session_boundaries`` each session's analysis starts from the state rebuilt from the
    store as of its first snapshot and the lifecycle and learning fold over the sessions in
    order, learned weights read as of the start of each block of ``block_sessions`` sessions
    (``eots.replay.sessions`` and ``eots.replay.carry``: the rule a distributed replay follows);
    otherwise one fold runs over the whole range.

    Raises
    ------
    ReplayError
        If the store holds no snapshot of the underlying in the range, if ``out`` already holds
        an event log and ``resume`` is False, or if a resumed log disagrees with the fold.
    SchemaError
        For a damaged stored snapshot (naming the file).
    """
    if session_boundaries:
        from eots.replay.sessions import BLOCK_SESSIONS, replay_by_session  # imports this one

        block = BLOCK_SESSIONS if block_sessions is None else block_sessions
        return replay_by_session(spec, params, out, progress, block_sessions=block)
    store = SnapshotStore.open(spec.store)
    refs = spec_refs(store, spec)
    prices = PriceStore.open(spec.prices) if spec.prices is not None else None
    out.mkdir(parents=True, exist_ok=True)
    logs = _logs(out, params, resume)
    recorder = RunRecorder()
    total = len(refs)
    first, last = refs[0].ts_event, refs[-1].ts_event
    known = known_bars(prices, spec.underlying, first, last)
    stream = stored_stream(store, spec.underlying, spec.start, spec.end)
    state = None
    items = enumerate(fold(stream, params, prices=prices, bars=known), start=1)
    with in_memory():  # the same bits as the session rule's runs (eots.core.ordered)
        for done, (item, after) in items:
            state = after
            recorder.record(item)
            if isinstance(item, Step) and logs is not None:
                _log(logs[0], item.events)
                _log(logs[1], item.baseline_events)
            if progress is not None:
                progress(done, total, item)
    book = state.book if state is not None and params.components.tracking else None
    baseline = state.baseline_book if state is not None and params.components.baseline else None
    return write_run(
        spec, params, out, recorder, refs, state_rule="continuous", books=(book, baseline)
    )


def spec_refs(store: SnapshotStore, spec: ReplaySpec) -> tuple[SnapshotRef, ...]:
    """Return the refs ``spec`` replays.

    Raises
    ------
    ReplayError
        If the store holds no snapshot of the underlying in the range.
    """
    refs = store.list(spec.underlying, spec.start, spec.end)
    if not refs:
        raise ReplayError(
            f"no {spec.underlying.upper()} snapshots in {store.location} between "
            f"{_iso(spec.start)} and {_iso(spec.end)}"
        )
    return refs


def write_run(  # noqa: PLR0913  (keyword-only state rule, books and block length)
    spec: ReplaySpec,
    params: EngineParams,
    out: Path,
    recorder: RunRecorder,
    refs: tuple[SnapshotRef, ...],
    *,
    state_rule: str,
    books: tuple[Book | None, Book | None] = (None, None),
    block_sessions: int | None = None,
) -> ReplayResult:
    """Write the run directory ``out`` from a replay's recorded rows (every runner ends here).

    ``state_rule`` (``continuous`` | ``session_boundaries``) is recorded in the manifest, with
    ``block_sessions`` (the weights' block length) under the session rule; ``books`` (the
    recommendation book and the baseline's) give the outcome files.
    """
    prices = PriceStore.open(spec.prices) if spec.prices is not None else None
    out.mkdir(parents=True, exist_ok=True)
    frames = recorder.frames(*books)
    first, last = refs[0].ts_event, refs[-1].ts_event
    bars, bars_source = run_bars(prices, spec.underlying, first, last, frames["snapshots"])
    frames["bars"] = bars
    for stem, frame in frames.items():
        write_frame(out, stem, frame)
    manifest: dict[str, object] = {
        "version": importlib.metadata.version("eots"),
        "config_fingerprint": params.fingerprint(),
        "underlying": spec.underlying.upper(),
        "from": first,
        "to": last,
        "n_snapshots": len(recorder.ids),
        "snapshot_ids": recorder.ids,
        "skipped": recorder.skipped,
        "bars_source": bars_source,
        "store": str(spec.store),
        "ideas": recorder.ideas,
        "components": params.components.model_dump(),
        "state_rule": state_rule,
    }
    if block_sessions is not None:
        manifest["block_sessions"] = block_sessions
    write_manifest(out, manifest)
    return ReplayResult(
        out=out,
        analysed=len(recorder.ids),
        skipped=len(recorder.skipped),
        frames=frames,
        manifest=manifest,
    )


def _logs(out: Path, params: EngineParams, resume: bool) -> tuple[EventLog, EventLog] | None:
    if not params.components.tracking:
        return None
    paths = (out / "events.sqlite", out / "baseline_events.sqlite")
    if not resume and any(p.exists() for p in paths):
        raise ReplayError(
            f"{out} already holds an event log: pass --resume to continue it, or choose a new --out"
        )
    return EventLog(paths[0]), EventLog(paths[1])


def _log(log: EventLog, events: tuple[Event, ...]) -> None:
    if not events:
        return
    sid = events[0].snapshot_id
    if log.has_snapshot(sid):
        if log.events_of(sid) != list(events):
            raise ReplayError(
                f"the event log's record of {sid} differs from this replay (another config or "
                "code version?): resume refused"
            )
        return
    log.append(events)


def known_bars(
    prices: PriceStore | None, underlying: str, first: dt.datetime, last: dt.datetime
) -> pl.DataFrame | None:
    """Return every bar of the finest stored interval around the run, or None.

    Every bar of the finest stored interval from two sessions before ``first`` to four days
    after ``last`` (``ts`` = bar close), or None: the steps slice them to each quote time.
    """
    if prices is None:
        return None
    for interval in BAR_INTERVALS:
        stored = prices.bars(
            underlying, interval, first - dt.timedelta(days=4), last + dt.timedelta(days=4)
        )
        if stored.height:
            return stored
    return None


def run_bars(
    prices: PriceStore | None,
    underlying: str,
    first: dt.datetime,
    last: dt.datetime,
    snapshots: pl.DataFrame,
) -> tuple[pl.DataFrame, str]:
    """Return the run's bars (``BARS_SCHEMA``, ``ts`` = bar start) and where they came from.

    From the price store's finest interval that has bars in the range (extended by four days so
    after-close snapshots can be scored on the next session), else from the snapshots' spots
    (open = high = low = close = spot at each quote time: a coarse proxy, said so).
    """
    if prices is not None:
        for interval in BAR_INTERVALS:
            stored = prices.bars(underlying, interval, first, last + dt.timedelta(days=4))
            if stored.height:
                length = interval_length(interval)
                if length is None:  # pragma: no cover - BAR_INTERVALS are all intraday
                    continue
                minutes = int(length.total_seconds() // 60)
                return (
                    stored.select(
                        (pl.col("ts") - length).alias("ts"),
                        *(pl.col(c) for c in ("open", "high", "low", "close")),
                        pl.lit(minutes, pl.Int32).alias("interval_minutes"),
                    ),
                    f"price store {interval}",
                )
    spots = snapshots.select("ts_event", "spot").sort("ts_event")
    gaps = spots.get_column("ts_event").diff().drop_nulls()
    gap = gaps.median() if gaps.len() else None
    minutes = int(gap.total_seconds() // 60) if isinstance(gap, dt.timedelta) else 0
    bars = spots.select(
        pl.col("ts_event").alias("ts"),
        *(pl.col("spot").alias(c) for c in ("open", "high", "low", "close")),
        pl.lit(minutes, pl.Int32).alias("interval_minutes"),
    )
    return bars.cast(BARS_SCHEMA), "snapshot spots (proxy: no intrabar highs and lows)"


def _iso(t: dt.datetime | None) -> str:
    return "the beginning" if t is None else t.isoformat()


__all__ = [
    "BAR_INTERVALS",
    "ReplayResult",
    "ReplaySpec",
    "replay",
    "run_bars",
    "spec_refs",
    "write_run",
]
