"""``HistoryState``: what the engine keeps between snapshots, folded forward one snapshot at a time.

The state holds the current session's snapshots (the latest ``intraday_snapshots`` whole, older
ones as refs only), one end-of-day snapshot per prior session (whole for the sessions the daily and
weekly levels read, refs plus their cached IV observation beyond), the spot path, the previous
update's levels and a ``ContextCache`` (priced chains, flow increments aligned to the session's
contract index with the window's running sums, per-snapshot term and charm rows, end-of-day
observations) so that a step prices, infers and aggregates only the new snapshot. ``admit`` is
the one transition; it applies the age limits of ``HistoryLimits`` and says what it dropped.

The cache is derived data (recomputable from the held snapshots); it is the only mutable part and
never changes what a step computes, only how fast.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import polars as pl

from eots.chain.schema import UTC_US, date_lit, utc_lit
from eots.chain.snapshot import ChainSnapshot
from eots.core.errors import ReplayError
from eots.core.time import nyse_calendar, session_of, to_epoch_us
from eots.engine.evidence import EvidenceState
from eots.engine.params import EngineParams
from eots.engine.summaries import Summaries
from eots.history import ContextCache
from eots.history.sessions import sessions_before
from eots.levels import KeyLevels
from eots.levels.model import SessionSummary
from eots.signals import SignalState
from eots.storage.snapshots import SnapshotRef
from eots.tracking.book import Book

SPOT_SCHEMA = pl.Schema({"ts_event": UTC_US, "spot": pl.Float64()})


@dataclass(frozen=True, slots=True)
class Held:
    """A snapshot the state remembers: its ref always, its chain while a stage may read it."""

    ref: SnapshotRef
    snapshot: ChainSnapshot | None


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryState:
    """The engine's history as of the last snapshot it folded in (module docstring)."""

    underlying: str | None = None
    session: dt.date | None = None
    last_ts: dt.datetime | None = None
    current: tuple[Held, ...] = ()
    end_of_day: tuple[Held, ...] = ()
    spots: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=SPOT_SCHEMA))
    previous_levels: KeyLevels | None = None
    summaries: tuple[SessionSummary, ...] = ()
    signal_state: SignalState = field(default_factory=SignalState)
    book: Book | None = None
    baseline_book: Book | None = None
    evidence: EvidenceState = field(default_factory=EvidenceState)
    cache: ContextCache = field(default_factory=ContextCache)
    steps: int = 0

    def held(self) -> tuple[Held, ...]:
        """Every held snapshot, oldest first."""
        return self.end_of_day + self.current

    def fresh_previous(
        self, session: dt.date, params: EngineParams
    ) -> tuple[KeyLevels | None, str | None]:
        """Return the previous levels if young enough for ``session``, else None and why."""
        prev = self.previous_levels
        if prev is None:
            return None, None
        quoted = session_of(prev.as_of)
        limit = params.limits.previous_update_sessions
        oldest = sessions_before(session, limit) if limit else session
        if quoted < oldest:
            return None, (
                f"previous update from session {quoted} is older than {limit} session(s): "
                "not used for persistence"
            )
        return prev, None


def admit(
    state: HistoryState,
    ref: SnapshotRef,
    snapshot: ChainSnapshot,
    params: EngineParams,
    summaries: Summaries | None = None,
) -> tuple[HistoryState, tuple[str, ...]]:
    """Fold one snapshot into the state: roll the session, keep what the context reads.

    At a session roll the previous session's last snapshot before its close becomes an end of
    day, reduced once to a ``SessionSummary`` from its cached foundation (the levels' daily and
    weekly priors), so no prior snapshot is priced again. ``summaries``: the provider that makes
    it (``eots.engine.summaries.Summaries``, e.g. with a store's memo; None: one without memo).

    Raises
    ------
    ReplayError
        If the snapshot is of another underlying or quoted before the last one folded in.
    """
    if state.underlying is not None and snapshot.underlying != state.underlying:
        raise ReplayError(
            f"expected {state.underlying} snapshots in one fold, was {snapshot.underlying} "
            f"({snapshot.source})"
        )
    if state.last_ts is not None and snapshot.ts_event < state.last_ts:
        raise ReplayError(
            f"expected snapshots in time order, was {snapshot.ts_event.isoformat()} after "
            f"{state.last_ts.isoformat()} ({snapshot.source})"
        )
    notes: list[str] = []
    session = session_of(snapshot.ts_event)
    current, eod, kept = state.current, state.end_of_day, state.summaries
    if state.session is not None and session != state.session:
        closing = _closing(current, state.session)
        if closing is not None:
            eod = (*eod, closing)
            provider = summaries or Summaries(params.analysis)
            kept = (*kept, *_summary(closing, state.cache, provider))
        current = ()
    current = _trim_current((*current, Held(ref, snapshot)), params)
    eod, dropped = _trim_eod(eod, session, params, state.cache)
    if dropped:
        notes.append(
            f"{dropped} prior session(s) older than {params.limits.prior_sessions} sessions "
            "dropped from history"
        )
    spots = pl.concat(
        [
            state.spots,
            pl.select(
                utc_lit(snapshot.ts_event).alias("ts_event"),
                pl.lit(snapshot.spot, dtype=pl.Float64).alias("spot"),
            ),
        ]
    )
    earliest = _earliest(session, params)
    spots = _spots_from(spots, earliest - dt.timedelta(days=1))
    new = replace(
        state,
        underlying=snapshot.underlying,
        session=session,
        last_ts=snapshot.ts_event,
        current=current,
        end_of_day=eod,
        summaries=tuple(x for x in kept if x.content_hash in {h.ref.content_hash for h in eod}),
        spots=spots,
        steps=state.steps + 1,
    )
    # derived work is kept for what a build reads: the whole intraday window and the ends of day
    # (not for older snapshots of the session held as refs: a long session would grow the cache)
    whole = {h.ref.content_hash for h in new.current if h.snapshot is not None}
    state.cache.retain(whole, {h.ref.content_hash for h in new.end_of_day})
    state.cache.priced = {k: v for k, v in state.cache.priced.items() if k in whole}
    return new, tuple(notes)


def _spots_from(spots: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """Return the spots quoted on UTC date ``day`` or later.

    ``ts_event.dt.date() >= day`` for UTC stamps is ``ts_event >= day's UTC midnight``: compared
    on the integer microseconds (polars' per-row date conversion of a zoned column costs ~10 us a
    row, and the spots grow through a session).
    """
    stamps = spots.get_column("ts_event")
    if stamps.dtype != UTC_US or stamps.null_count():
        return spots.filter(pl.col("ts_event").dt.date() >= date_lit(day))
    midnight = to_epoch_us(dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC))
    return spots.filter(pl.Series(stamps.to_physical().to_numpy() >= midnight))


def _summary(closing: Held, cache: ContextCache, provider: Summaries) -> tuple[SessionSummary, ...]:
    if closing.snapshot is None:
        return ()
    priced = cache.priced.get(closing.ref.content_hash)
    return (provider.of(closing.ref, closing.snapshot, priced),)


def _closing(current: tuple[Held, ...], session: dt.date) -> Held | None:
    bounds = nyse_calendar().session_bounds(session)
    if bounds is None:
        return None
    closing = [h for h in current if h.ref.ts_event <= bounds[1]]
    return max(closing, key=lambda h: (h.ref.ts_event, h.ref.ts_recv)) if closing else None


def _trim_current(current: tuple[Held, ...], params: EngineParams) -> tuple[Held, ...]:
    keep = params.history.intraday_snapshots or len(current)
    # the last snapshot before the close must stay whole: it becomes the session's end of day
    return tuple(
        h if i >= len(current) - keep or h.snapshot is None else Held(h.ref, None)
        for i, h in enumerate(current)
    )


def _earliest(session: dt.date, params: EngineParams) -> dt.date:
    p = params.history
    iv_start = sessions_before(session, p.iv_sessions_needed)
    daily_start = sessions_before(session, p.daily_sessions)
    weekly_start = session - dt.timedelta(days=7 * (p.weekly_weeks + 1))
    limit_start = sessions_before(session, params.limits.prior_sessions)
    return max(min(iv_start, daily_start, weekly_start), limit_start)


def _trim_eod(
    eod: tuple[Held, ...], session: dt.date, params: EngineParams, cache: ContextCache
) -> tuple[tuple[Held, ...], int]:
    earliest = _earliest(session, params)
    kept = tuple(h for h in eod if h.ref.session >= earliest)
    dropped = sum(
        1 for h in eod if h.ref.session < sessions_before(session, params.limits.prior_sessions)
    )
    p = params.history
    whole_from = min(
        sessions_before(session, p.daily_sessions),
        session - dt.timedelta(days=7 * (p.weekly_weeks + 1)),
    )
    out = tuple(
        h
        if h.ref.session >= whole_from or h.ref.content_hash not in cache.eod
        else Held(h.ref, None)
        for h in kept
    )
    return out, dropped


__all__ = ["SPOT_SCHEMA", "Held", "HistoryState", "admit"]
