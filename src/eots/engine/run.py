"""The one runner: a stream of snapshots folded through ``step``, for every entry point.

``run`` drives the fold over any stream (a file, a store, a live source, the simulator):
duplicates of the last quote time are skipped, snapshots quoted before it are refused with a note,
and every ``Step`` is yielded in order. ``stored_stream`` reads a store in capture order;
``warm_state`` rebuilds the state a fold would hold just before a given instant from a store (what
``eots analyze --store`` and ``collect --analyze`` start from), so a one-off analysis and a replay
of the same snapshots see the same history.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from eots.chain.snapshot import ChainSnapshot
from eots.core.errors import SchemaError
from eots.core.memory import keep_freed_memory
from eots.core.time import nyse_calendar, session_of
from eots.engine.params import EngineParams
from eots.engine.state import Held, HistoryState, _earliest
from eots.engine.step import Step, downstream, sid, step
from eots.engine.summaries import Summaries
from eots.flows import trade_flows
from eots.history.sessions import session_open, weekly_refs
from eots.pipeline import History, complete, foundation
from eots.storage._metadata import content_hash
from eots.storage.memo import FoundationMemo
from eots.storage.snapshots import HASH_CHARS, SnapshotRef, SnapshotStore

if TYPE_CHECKING:
    from eots.storage import PriceStore

log = logging.getLogger(__name__)


def snapshot_ref(snapshot: ChainSnapshot) -> SnapshotRef:
    """Return the identity of a snapshot that is not (yet) stored: its content hash and times."""
    return SnapshotRef(
        ts_event=snapshot.ts_event,
        ts_recv=snapshot.ts_recv,
        underlying=snapshot.underlying,
        session=session_of(snapshot.ts_event),
        content_hash=content_hash(snapshot)[:HASH_CHARS],
        path=Path(snapshot.source),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Skipped:
    """A snapshot the runner did not analyse, and why."""

    ref: SnapshotRef
    reason: str


def run(
    stream: Iterable[tuple[SnapshotRef, ChainSnapshot]],
    params: EngineParams,
    state: HistoryState | None = None,
    *,
    prices: PriceStore | None = None,
    bars: pl.DataFrame | None = None,
) -> Iterator[Step | Skipped]:
    """Fold ``stream`` through ``step``; yield each ``Step`` (or ``Skipped``) in order.

    The final state is not returned: use ``fold`` when it is needed.
    """
    for item in fold(stream, params, state, prices=prices, bars=bars):
        yield item[0]


def fold(
    stream: Iterable[tuple[SnapshotRef, ChainSnapshot]],
    params: EngineParams,
    state: HistoryState | None = None,
    *,
    prices: PriceStore | None = None,
    bars: pl.DataFrame | None = None,
) -> Iterator[tuple[Step | Skipped, HistoryState]]:
    """Like ``run``, yielding the state after each item too (``bars``: see ``step``).

    Sets the process's allocator to keep freed memory (``eots.core.memory``): a fold allocates
    the same arrays snapshot after snapshot (Dask workers and library callers fold too).
    """
    keep_freed_memory()
    state = state or HistoryState()
    for ref, snapshot in stream:
        if state.last_ts is not None and snapshot.ts_event <= state.last_ts:
            what = "the same quote time as" if snapshot.ts_event == state.last_ts else "before"
            reason = f"quoted {what} the previous snapshot ({state.last_ts.isoformat()})"
            log.info(
                "snapshot skipped",
                extra={"snapshot": str(ref.path), "ts_event": ref.ts_event, "reason": reason},
            )
            yield Skipped(ref=ref, reason=reason), state
            continue
        t0 = time.perf_counter()
        result, state = step(ref, snapshot, state, params, prices=prices, bars=bars)
        log.debug(
            "step",
            extra={
                "snapshot": sid(ref),
                "ms": round((time.perf_counter() - t0) * 1e3, 1),
                "notes": len(result.notes),
            },
        )
        yield result, state


def stored_stream(
    store: SnapshotStore,
    underlying: str,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> Iterator[tuple[SnapshotRef, ChainSnapshot]]:
    """Yield a store's snapshots of ``underlying`` in capture order (``ts_recv``, then quote time).

    Raises
    ------
    SchemaError
        From ``SnapshotStore.load`` for a damaged file (naming it).
    """
    refs = sorted(store.list(underlying, start, end), key=lambda r: (r.ts_recv, r.ts_event))
    for ref in refs:
        yield ref, store.load(ref)


def warm_state(
    store: SnapshotStore,
    underlying: str,
    before: dt.datetime,
    params: EngineParams,
) -> HistoryState:
    """Return the state a fold over ``store`` would hold just before ``before``.

    Loads only what the state keeps whole: the current session's latest ``intraday_snapshots``
    and each prior session's end-of-day snapshot back to the earliest session any field reads;
    the previous update's levels come from the store's level sidecars (a damaged one is reported
    in the next step's notes by being absent, never used). Each end of day's ``SessionSummary``
    comes from the foundation memo beside the store (``eots.storage.FoundationMemo``), computed
    from its foundation and memoised when absent, so a prior session is priced once per store and
    parameter set, not once per call.
    """
    session = session_of(before)
    earliest = _earliest(session, params)
    refs = [
        r for r in store.list(underlying, session_open(earliest), before) if r.ts_event < before
    ]
    current = [r for r in refs if r.session == session]
    keep = params.history.intraday_snapshots or len(current)
    held_current = tuple(
        Held(r, store.load(r) if i >= len(current) - keep else None) for i, r in enumerate(current)
    )
    eod: list[Held] = []
    cal = nyse_calendar()
    for day in sorted({r.session for r in refs if r.session < session}):
        bounds = cal.session_bounds(day)
        closing = [r for r in refs if r.session == day and bounds and r.ts_event <= bounds[1]]
        if closing:
            last = max(closing, key=lambda r: (r.ts_event, r.ts_recv))
            eod.append(Held(last, store.load(last)))
    provider = Summaries(params.analysis, FoundationMemo(store.root) if store.fs is None else None)
    summaries = tuple(
        provider.of(h.ref, h.snapshot)
        for h in _level_priors(eod, session, params)
        if h.snapshot is not None
    )
    log.info(
        "warm state",
        extra={
            "underlying": underlying,
            "before": before.isoformat(),
            "sessions": len(eod),
            "summaries_reused": provider.reused,
            "summaries_computed": provider.computed,
        },
    )
    spots = store.spot_series(underlying, session_open(earliest), before)
    spots = spots.filter(spots.get_column("ts_event") < before)
    from eots.storage.levels import LevelStore  # (a stored run's only)

    try:
        previous = LevelStore(store.root, fs=store.fs).previous(underlying, before)
    except SchemaError as e:
        log.warning("level sidecar not used", extra={"error": str(e)})
        previous = None
    last_ts = max((h.ref.ts_event for h in (*eod, *held_current)), default=None)
    return replace(
        HistoryState(),
        underlying=underlying.upper() if refs else None,
        session=session if held_current else (eod[-1].ref.session if eod else None),
        last_ts=last_ts,
        current=held_current,
        end_of_day=tuple(eod),
        summaries=summaries,
        spots=spots.select("ts_event", "spot"),
        previous_levels=previous,
    )


def _level_priors(eod: list[Held], session: dt.date, params: EngineParams) -> list[Held]:
    """Return the end-of-day snapshots the daily and weekly levels read (the context's choice)."""
    p = params.history
    daily = {h.ref for h in eod[-p.daily_sessions :]} if p.daily_sessions else set()
    weekly = set(weekly_refs([h.ref for h in eod], session, p.weekly_weeks))
    return [h for h in eod if h.ref in daily | weekly]


def analyze_snapshot(
    snapshot: ChainSnapshot,
    params: EngineParams,
    *,
    store: SnapshotStore | None = None,
    prices: PriceStore | None = None,
    trades: pl.DataFrame | None = None,
) -> Step:
    """Analyse one snapshot as an entry point would (``eots analyze``, ``collect --analyze``).

    Signals and trade ideas run as ``params.components`` say; a one-off analysis tracks nothing,
    so pass components with ``tracking`` off (the CLI does).

    With a store, the snapshot is added to it (duplicates skipped), the state a fold would hold
    just before it is rebuilt (``warm_state``) and one ``step`` runs: the same numbers as a replay
    of the store up to this snapshot. Without one, only the snapshot itself (and a trade feed's
    flows, when given) informs the analysis: no market context, the metrics' documented proxies.
    """
    if store is None:
        base = foundation(snapshot, params.analysis)
        history = History()
        if trades is not None:
            history = History(
                flows=trade_flows(trades, base.contracts, snapshot.ts_event),
                description=f"no stored history; flows from {trades.height} trades",
            )
        ref = snapshot_ref(snapshot)
        bare = Step(
            ref=ref, foundation=base, analysis=complete(base, history), snapshot_id=sid(ref)
        )
        state = HistoryState(underlying=snapshot.underlying, last_ts=snapshot.ts_event, steps=1)
        return downstream(bare, snapshot, state, params, None)[0]
    saved = store.save(snapshot)
    log.info(
        "analyze with store",
        extra={
            "underlying": snapshot.underlying,
            "ts_event": snapshot.ts_event,
            "stored": not saved.duplicate,
            "path": str(saved.path),
        },
    )
    ref = replace(snapshot_ref(snapshot), path=saved.path)
    state = warm_state(store, snapshot.underlying, snapshot.ts_event, params)
    result, _ = step(ref, snapshot, state, params, prices=prices, trades=trades)
    return result


__all__ = [
    "Skipped",
    "analyze_snapshot",
    "fold",
    "run",
    "snapshot_ref",
    "stored_stream",
    "warm_state",
]
