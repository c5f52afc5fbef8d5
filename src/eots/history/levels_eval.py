"""Evaluate key levels over stored history: the store-backed runner of ``levels.evaluate``.

For every stored session S of the underlying in a span, the levels are computed as of S's last
snapshot (the end-of-day view, as vendors publish from the prior close): the foundation stages on
that snapshot (``LevelFoundations.inputs``: the pipeline's foundation, injected by the engine
layer, ``eots.engine.summaries.StoreFoundations``), the prior sessions' summaries from the same
provider (memoised beside the store), the market context read through an as-of-guarded reader
(nothing later), and ``key_levels``. They apply to the next NYSE
session after S and are tested against its daily bar. Bars come from the price store (``1d``)
when it has them, else they are derived from the stored snapshots' spots
(``snapshot_spots_proxy``: the high and low are the extremes of the sampled spots, so "held" is
overstated); the result says which.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import polars as pl

from eots.chain.snapshot import ChainSnapshot
from eots.core.time import nyse_calendar, session_of
from eots.history.context import market_context
from eots.history.reader import AsOfReader
from eots.history.sessions import session_open
from eots.levels import (
    SESSION_LEVELS_SCHEMA,
    LevelHistory,
    LevelInputs,
    LevelParams,
    SessionSummary,
    evaluate_levels,
    key_levels,
)
from eots.market import ContextParams, PriorSnapshot
from eots.storage import PriceStore, SnapshotRef, SnapshotStore
from eots.storage.prices import bars_from_snapshots


class LevelFoundations(Protocol):
    """What the runner reads from the layer that computes foundations (injected, see above)."""

    @property
    def levels(self) -> LevelParams:
        """The level parameters."""
        ...

    @property
    def context(self) -> ContextParams:
        """The market context's parameters (with the analysis' pricing)."""
        ...

    def inputs(self, ref: SnapshotRef, snapshot: ChainSnapshot) -> LevelInputs:
        """Return the levels' view of a stored snapshot's foundation."""
        ...

    def summaries(
        self, priors: Sequence[PriorSnapshot], underlying: str
    ) -> tuple[SessionSummary, ...]:
        """Return the prior snapshots' session summaries."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class StoreEvaluation:
    """What ``evaluate_store`` measured.

    Attributes
    ----------
    table
        ``levels.EVALUATION_SCHEMA`` rows, one per level kind and timeframe.
    levels
        ``SESSION_LEVELS_SCHEMA`` rows: every level and the session it was tested on.
    bars_source
        ``price_store`` or ``snapshot_spots_proxy``.
    sessions_tested
        Sessions with both levels and a bar.
    notes
        Sessions skipped and why.
    """

    table: pl.DataFrame
    levels: pl.DataFrame
    bars_source: str
    sessions_tested: int
    notes: tuple[str, ...]


def session_levels(
    store: SnapshotStore,
    underlying: str,
    session: dt.date,
    prices: PriceStore | None = None,
    *,
    foundations: LevelFoundations,
) -> pl.DataFrame:
    """Return the levels as of ``session``'s last stored snapshot (``SESSION_LEVELS_SCHEMA``).

    The ``session`` column holds the session they apply to (the next NYSE session).
    """
    refs = store.list(underlying, session_open(session), None)
    refs = tuple(r for r in refs if r.session == session)
    if not refs:
        return pl.DataFrame(schema=SESSION_LEVELS_SCHEMA)
    ref = refs[-1]
    as_of = ref.ts_event
    snapshot = store.load(ref)
    context = market_context(
        AsOfReader(store, prices, as_of),
        underlying,
        as_of,
        foundations.context,
    )
    inputs = foundations.inputs(ref, snapshot)
    known = foundations.summaries((*context.daily, *context.weekly), underlying)
    levels = key_levels(inputs, context, foundations.levels, as_of, LevelHistory(summaries=known))
    applies = nyse_calendar().next_session(session_of(as_of))
    return (
        levels.to_frame()
        .select(
            pl.lit(applies).alias("session"),
            pl.col("kind").cast(pl.String),
            pl.col("timeframe").cast(pl.String),
            "price",
        )
        .cast(SESSION_LEVELS_SCHEMA)
    )


def evaluate_store(  # noqa: PLR0913  (optional span, prices, params and progress callbacks)
    store: SnapshotStore,
    underlying: str,
    span: tuple[dt.date | None, dt.date | None] = (None, None),
    prices: PriceStore | None = None,
    *,
    foundations: LevelFoundations,
    on_session: Callable[[dt.date], None] | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
) -> StoreEvaluation:
    """Compute each stored session's levels and evaluate them on the following session's bar.

    Parameters
    ----------
    store, underlying
        Where the snapshots are and which symbol.
    span
        First and last stored session whose levels are computed (None: unbounded).
    prices
        Price store with ``1d`` bars (None or empty: bars derived from snapshot spots, flagged).
    foundations
        Foundations, prior-session summaries and parameters (``eots.engine.StoreFoundations``).
    on_session
        Called with each session as it is processed (progress).
    on_progress
        Called with ``(done, total, what)`` before each session and before the bars are read
        (``total`` is the number of sessions plus one for the bars and the statistics).
    """
    underlying = underlying.upper()
    lo, hi = span
    sessions = [
        s for s in store.sessions(underlying) if (lo is None or s >= lo) and (hi is None or s <= hi)
    ]
    frames = []
    total = len(sessions) + 1
    for done, s in enumerate(sessions):
        if on_session is not None:
            on_session(s)
        if on_progress is not None:
            on_progress(done, total, f"levels of {s}")
        frames.append(session_levels(store, underlying, s, prices, foundations=foundations))
    if on_progress is not None:
        on_progress(len(sessions), total, "daily bars and statistics")
    levels = pl.concat(frames) if frames else pl.DataFrame(schema=SESSION_LEVELS_SCHEMA)
    bars = prices.bars(underlying, "1d") if prices is not None else pl.DataFrame()
    source = "price_store"
    if bars.height == 0:
        bars = bars_from_snapshots(store, underlying, "1d")
        source = "snapshot_spots_proxy"
    daily = bars.select(
        pl.Series("session", [session_of(t) for t in bars.get_column("ts").to_list()], pl.Date),
        "open",
        "high",
        "low",
        "close",
    )
    have = set(daily.get_column("session").to_list())
    wanted = sorted(set(levels.get_column("session").to_list()))
    notes = tuple(f"{d}: no daily bar, its levels are not tested" for d in wanted if d not in have)
    return StoreEvaluation(
        table=evaluate_levels(levels, daily),
        levels=levels,
        bars_source=source,
        sessions_tested=sum(d in have for d in wanted),
        notes=notes,
    )


__all__ = ["LevelFoundations", "StoreEvaluation", "evaluate_store", "session_levels"]
