"""Build the ``MarketContext`` of one underlying as of one instant.

Reading only through a
``HistoryReader`` (so nothing quoted or closed after ``as_of`` can be read).

What is read, and how much (``ContextParams``):

* one listing of snapshot refs (file names) back to the earliest session any field needs;
* the current session's last ``intraday_snapshots`` snapshots, fully priced once each: the latest
  gives the current term structure, open interest by DTE and spot; consecutive pairs give the
  inferred flow increments (``eots.flows.inferred_flow``), accumulated by
  ``eots.flows.session_flows``; each gives its charm and its ATM IV;
* prior sessions' end-of-day snapshots (up to ``max(iv_average_sessions, iv_rank_sessions)``),
  each priced only on its ``atm_strikes`` strikes nearest the forward, for the daily IV history;
  the last ``daily_sessions`` of them and the prior weeks' last ones are kept whole for levels;
* daily bars from the price store; when it holds fewer than the fields need, bars derived from
  the stored snapshots' spots (footers only), flagged ``snapshot_spots_proxy``.

Each loaded snapshot is read once per build. Field definitions and thin-history values:
``eots.market.context``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Sequence

import numpy as np
import polars as pl

from eots.chain.schema import conformed, date_lit, utc_lit
from eots.chain.snapshot import ChainSnapshot
from eots.core.errors import ReplayError
from eots.core.time import session_of
from eots.flows.inference import KeyOrder, inferred_increment
from eots.flows.window import (
    AlignedIncrement,
    ContractIndex,
    FlowWindow,
    Ints,
    align_increment,
    epoch_us,
)
from eots.greeks.frame import priced_chain
from eots.history.bars import daily_bars_from_spots
from eots.history.reader import HistoryReader
from eots.history.sessions import (
    SessionRefs,
    session_open,
    sessions_before,
    split_refs,
    weekly_refs,
)
from eots.market import (
    CHARM_SCHEMA,
    IV_SERIES_SCHEMA,
    SPOT_PATH_SCHEMA,
    TERM_HISTORY_SCHEMA,
    TERM_SCHEMA,
    ContextParams,
    Coverage,
    Estimate,
    MarketContext,
    PriorSnapshot,
    atm_iv_term,
    atr,
    charm_rows,
    constant_maturity_iv,
    iv_percentile,
    iv_rank,
    near_the_money,
    ratio_estimate,
    realized_vol,
)
from eots.market.flow_history import stack_increments, stamped_increment
from eots.market.realized_vol import TRADING_DAYS
from eots.market.term import KnownTerm
from eots.storage.bars import PRICE_SCHEMA, session_close
from eots.storage.snapshots import SnapshotRef

NAN = float("nan")

_Loader = Callable[[SnapshotRef], ChainSnapshot]
_RankFn = Callable[[Sequence[float], float], float]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _Observed:
    """One snapshot reduced to what the context keeps of it.

    ``stamped``: its term rows as they stack into ``term_intraday`` / ``term_daily``.
    """

    snapshot: ChainSnapshot | None  # kept for intraday snapshots only (the current one is read)
    ts_event: dt.datetime
    spot: float
    session: dt.date
    term: pl.DataFrame
    stamped: pl.DataFrame
    iv: float
    cm_method: str
    n_expiries: int


@dataclasses.dataclass(slots=True)
class _SessionFlows:
    """The current session's contract index, its aligned increments and their running sums."""

    session: dt.date
    window: FlowWindow
    aligned: dict[tuple[str, str], AlignedIncrement] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(slots=True)
class ContextCache:
    """Work a caller keeps between builds, keyed by snapshot content hash.

    ``priced``: priced chains (the engine puts each snapshot's foundation here, so a snapshot is
    priced once); ``flows``: inferred flow increments per (previous, current) pair, stamped as
    they stack into ``flow_increments``; ``session_flows``: the current session's contract index
    with each increment aligned to it once and the window's running sums (``eots.flows.window``),
    so a build adds the newest increment's arrays instead of re-aggregating the window's frames;
    ``eod``: the near-the-money observation (ATM IV, term structure) of a prior session's
    end-of-day snapshot; ``observed`` and ``charm``: each intraday snapshot's ATM IV, term rows and
    charm rows; ``bars``: the prior sessions' proxy daily bars (derived from spots) of the
    current session; ``key_order``: the key-order permutation of the latest chain's rows (reused
    by the flow inference while the chain's layout stays the same, checked each time). The same
    inputs give the same context with or without a cache; ``retain`` drops entries of snapshots
    no longer needed.
    """

    priced: dict[str, pl.DataFrame] = dataclasses.field(default_factory=dict)
    flows: dict[tuple[str, str], pl.DataFrame] = dataclasses.field(default_factory=dict)
    session_flows: _SessionFlows | None = None
    eod: dict[str, _Observed] = dataclasses.field(default_factory=dict)
    observed: dict[str, _Observed] = dataclasses.field(default_factory=dict)
    terms: dict[str, KnownTerm] = dataclasses.field(default_factory=dict)
    charm: dict[str, pl.DataFrame] = dataclasses.field(default_factory=dict)
    bars: dict[tuple[object, ...], pl.DataFrame] = dataclasses.field(default_factory=dict)
    key_order: KeyOrder = dataclasses.field(default_factory=KeyOrder)

    def retain(self, hashes: set[str], end_of_day: set[str] | None = None) -> None:
        """Keep only entries whose snapshots are in ``hashes``.

        With ``end_of_day``, end-of-day observations are kept for those snapshots instead (the
        intraday entries of a prior session's last snapshot are then dropped).
        """
        eod = hashes if end_of_day is None else end_of_day
        self.priced = {k: v for k, v in self.priced.items() if k in hashes}
        self.flows = {k: v for k, v in self.flows.items() if k[0] in hashes and k[1] in hashes}
        if self.session_flows is not None:
            kept = self.session_flows.aligned
            self.session_flows.aligned = {
                k: v for k, v in kept.items() if k[0] in hashes and k[1] in hashes
            }
        self.eod = {k: v for k, v in self.eod.items() if k in eod}
        self.observed = {k: v for k, v in self.observed.items() if k in hashes}
        self.terms = {k: v for k, v in self.terms.items() if k in hashes}
        self.charm = {k: v for k, v in self.charm.items() if k in hashes}

    def flows_of(self, session: dt.date) -> _SessionFlows:
        """Return the flow state of ``session`` (a new, empty one at a session roll)."""
        if self.session_flows is None or self.session_flows.session != session:
            self.session_flows = _SessionFlows(session, FlowWindow(ContractIndex(session)))
        return self.session_flows


def market_context(
    reader: HistoryReader,
    underlying: str,
    as_of: dt.datetime,
    params: ContextParams | None = None,
    *,
    cache: ContextCache | None = None,
) -> MarketContext:
    """Return the market context of ``underlying`` as of ``as_of`` read through ``reader``.

    Parameters
    ----------
    reader
        As-of-guarded history (``AsOfReader``); its ``as_of`` must not be before ``as_of``.
    underlying
        Symbol as stored (SPX, SPY ...).
    as_of
        The analysis instant (timezone-aware); its NYSE session is the "current session".
    params
        Look-backs and pricing (defaults when None).
    cache
        Priced chains, flow increments and end-of-day observations kept between builds (the
        engine's); None: everything is computed here.

    Raises
    ------
    ReplayError
        If ``as_of`` is after the reader's ``as_of`` (the builder could then see the future).
    """
    params = params or ContextParams()
    if as_of.tzinfo is None or as_of.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware as_of, was {as_of!r}")
    if as_of > reader.as_of:
        raise ReplayError(
            f"expected as_of at or before the reader's as_of={reader.as_of.isoformat()}, "
            f"was {as_of.isoformat()} (look-ahead)"
        )
    as_of = as_of.astimezone(dt.UTC)
    underlying = underlying.upper()
    session = session_of(as_of)
    notes: list[str] = []

    refs = split_refs(
        reader.snapshot_refs(underlying, session_open(_earliest(session, params)), as_of), session
    )
    loaded: dict[SnapshotRef, ChainSnapshot] = {}

    def load(ref: SnapshotRef) -> ChainSnapshot:
        if ref not in loaded:
            loaded[ref] = reader.load(ref)
        return loaded[ref]

    cache = cache if cache is not None else ContextCache()
    intraday = _intraday(refs, params, load, as_of, cache)
    current = intraday.observed[-1] if intraday.observed else None
    if current is None:
        notes.append(f"no snapshot of session {session} at or before {as_of.isoformat()}")
    eod = []
    for r in refs.end_of_day[-params.iv_sessions_needed :]:
        if r.content_hash not in cache.eod:
            cache.eod[r.content_hash] = _observe_near_money(load(r), params)
        eod.append(cache.eod[r.content_hash])

    bars, bars_cov, spots = _daily_bars(reader, (underlying, session), as_of, params, cache)
    if bars_cov.note:
        notes.append(bars_cov.note)
    spot = _spot_estimate(current, bars)
    atm_iv = _atm_iv_estimate(current, params)
    iv_history = [o.iv for o in eod if math.isfinite(o.iv)]
    atr_now, atr_avg = _atr_estimates(bars, bars_cov.source, params, spot.value, atm_iv.value)
    atm_avg = _average_estimate(
        iv_history[-params.iv_average_sessions :],
        params.iv_average_sessions,
        atm_iv.value,
        what="end-of-day ATM IV",
    )
    rank_window = iv_history[-params.iv_rank_sessions :]
    spot_path = _spot_path(reader, underlying, session, as_of, spots)
    daily_refs = refs.end_of_day[-params.daily_sessions :] if params.daily_sessions else ()
    week_refs = weekly_refs(refs.end_of_day, session, params.weekly_weeks)
    snapshot = current.snapshot if current else None
    return MarketContext(
        underlying=underlying,
        as_of=as_of,
        session=session,
        visibility=reader.visibility.value,
        params=params,
        snapshot=snapshot,
        spot=spot,
        daily_bars=bars,
        daily_bars_coverage=bars_cov,
        atr=atr_now,
        atr_average=atr_avg,
        atr_ratio=ratio_estimate(atr_now, atr_avg, what="ATR"),
        realized_vol={
            w: _rv_estimate(bars, w, bars_cov.source, atm_iv.value) for w in params.rv_windows
        },
        term_structure=current.term if current else pl.DataFrame(schema=TERM_SCHEMA),
        atm_iv=atm_iv,
        atm_iv_average=atm_avg,
        iv_ratio=ratio_estimate(atm_iv, atm_avg, what="IV"),
        iv_rank=_rank_estimate(rank_window, atm_iv, params, iv_rank, "IV rank"),
        iv_percentile=_rank_estimate(rank_window, atm_iv, params, iv_percentile, "IV percentile"),
        iv_intraday=_iv_series(intraday.observed),
        term_intraday=_term_history(intraday.observed),
        intraday_coverage=intraday.coverage,
        iv_daily=_iv_series(eod),
        term_daily=_term_history(eod),
        iv_daily_coverage=Coverage(
            n_obs=len(eod),
            required=params.iv_sessions_needed,
            sufficient=len(eod) >= params.iv_sessions_needed,
            source="eod_snapshots",
            note=f"{len(eod)} prior end-of-day snapshots of {params.iv_sessions_needed} wanted",
        ),
        oi_coverage=_count_coverage(int(snapshot is not None), 1, "current_snapshot"),
        flows_by_contract=intraday.flows,
        flow_rows=intraday.flow_rows,
        flow_increments=intraday.increments,
        flow_coverage=intraday.flow_coverage,
        charm_history=intraday.charm,
        charm_coverage=intraday.coverage,
        daily=tuple(_prior(r, load(r)) for r in daily_refs),
        daily_coverage=_count_coverage(len(daily_refs), params.daily_sessions, "eod_snapshots"),
        weekly=tuple(_prior(r, load(r)) for r in week_refs),
        weekly_coverage=_count_coverage(len(week_refs), params.weekly_weeks, "eod_snapshots"),
        spot_path=spot_path,
        spot_path_coverage=_count_coverage(spot_path.height, 1, "snapshot_spots"),
        notes=tuple(notes),
        term_source=intraday.term_source,
    )


def _earliest(session: dt.date, params: ContextParams) -> dt.date:
    iv_start = sessions_before(session, params.iv_sessions_needed)
    daily_start = sessions_before(session, params.daily_sessions)
    weekly_start = session - dt.timedelta(days=7 * (params.weekly_weeks + 1))
    return min(iv_start, daily_start, weekly_start)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class _Intraday:
    observed: tuple[_Observed, ...]
    term_source: KnownTerm | None
    coverage: Coverage
    flows: pl.DataFrame
    flow_rows: Ints | None
    increments: pl.DataFrame
    flow_coverage: Coverage
    charm: pl.DataFrame


def _intraday(
    refs: SessionRefs,
    params: ContextParams,
    load: _Loader,
    as_of: dt.datetime,
    cache: ContextCache,
) -> _Intraday:
    available = refs.current
    window = available[-params.intraday_snapshots :] if params.intraday_snapshots else available
    required = params.intraday_snapshots or max(len(available), 1)
    snaps = [load(r) for r in window]
    priced = []
    for ref, snap in zip(window, snaps, strict=True):
        if ref.content_hash not in cache.priced:
            cache.priced[ref.content_hash] = priced_chain(snap, params.pricing)
        priced.append(cache.priced[ref.content_hash])
    flows = cache.flows_of(session_of(as_of))
    stamped, aligned = [], []
    for i in range(1, len(snaps)):
        key = (window[i - 1].content_hash, window[i].content_hash)
        if key not in flows.aligned:
            frame, arrays = inferred_increment(
                snaps[i - 1], snaps[i], priced[i], order=cache.key_order
            )
            flows.aligned[key] = align_increment(
                flows.window.index, snaps[i].ts_event, frame, arrays=arrays
            )
            cache.flows[key] = stamped_increment(
                snaps[i].ts_event, frame, key_sorted=True, typed=arrays is not None
            )
        stamped.append(cache.flows[key])
        aligned.append(flows.aligned[key])
    for ref, snap, p in zip(window, snaps, priced, strict=True):
        if ref.content_hash not in cache.observed or ref.content_hash not in cache.terms:
            known = KnownTerm.of(p, snap.spot)
            cache.terms[ref.content_hash] = known
            cache.observed[ref.content_hash] = _observe(snap, known.term, params)
            cache.charm[ref.content_hash] = charm_rows(p, snap.ts_event)
    observed = tuple(cache.observed[r.content_hash] for r in window)
    whole = bool(window) and window[0] == available[0]
    since = window[0].ts_event.isoformat() if window else "-"
    flow_note = (
        f"session totals over {len(aligned)} increments since {since}"
        + (" (the whole session)" if whole else " (not the whole session)")
        if aligned
        else "fewer than two snapshots of the session: no flow increments"
    )
    coverage = Coverage(
        n_obs=len(snaps),
        required=required,
        sufficient=len(snaps) >= required,
        source="session_snapshots",
        note="" if len(snaps) >= required else f"{len(snaps)} of {required} snapshots",
    )
    totals = flows.window.totals(aligned, as_of)
    return _Intraday(
        observed=observed,
        term_source=cache.terms[window[-1].content_hash] if window else None,
        coverage=coverage,
        flows=totals,
        flow_rows=_flow_rows(flows.window, aligned[-1], cache.key_order) if aligned else None,
        increments=stack_increments(stamped),
        flow_coverage=Coverage(
            n_obs=len(aligned),
            required=max(required - 1, 1),
            sufficient=len(aligned) >= max(required - 1, 1),
            source="inferred_snapshots",
            note=flow_note,
        ),
        # the window's cached pieces linked, not copied (one chunk per snapshot)
        charm=pl.concat([cache.charm[r.content_hash] for r in window], rechunk=False)
        if snaps
        else pl.DataFrame(schema=CHARM_SCHEMA),
    )


def _flow_rows(window: FlowWindow, latest: AlignedIncrement, order: KeyOrder) -> Ints | None:
    """Return the totals' row of each row of the latest chain (``MarketContext.flow_rows``).

    The latest increment lists the chain's contracts sorted by key, ``order`` the chain row each
    sorted row came from (when it was computed for that chain; the reader checks the keys).
    """
    by_sorted = window.frame_rows(latest)
    chain = order.chain_rows(by_sorted.size)
    if chain is None:
        return None
    out = np.empty_like(by_sorted)
    out[chain] = by_sorted
    return out


def _observe(
    snapshot: ChainSnapshot, term: pl.DataFrame, params: ContextParams, *, keep: bool = True
) -> _Observed:
    cm = constant_maturity_iv(term, params.iv_days)
    session = session_of(snapshot.ts_event)
    stamped = term.select(
        utc_lit(snapshot.ts_event).alias("ts_event"),
        date_lit(session).alias("session"),
        pl.all(),
    )
    stamped = conformed(stamped, TERM_HISTORY_SCHEMA)  # a TERM_SCHEMA term needs no cast pass
    return _Observed(
        snapshot=snapshot if keep else None,
        ts_event=snapshot.ts_event,
        spot=snapshot.spot,
        session=session,
        term=term,
        stamped=stamped,
        iv=cm.iv,
        cm_method=cm.method.value,
        n_expiries=cm.n_expiries,
    )


def _observe_near_money(snapshot: ChainSnapshot, params: ContextParams) -> _Observed:
    carry = params.pricing.rate - params.pricing.dividend_yield
    near = near_the_money(
        snapshot.frame, snapshot.spot, snapshot.ts_event, strikes=params.atm_strikes, carry=carry
    )
    priced = priced_chain(dataclasses.replace(snapshot, frame=near), params.pricing)
    # an end-of-day observation keeps no chain: a year of them would hold a year of chains
    return _observe(snapshot, atm_iv_term(priced, snapshot.spot), params, keep=False)


def _daily_bars(
    reader: HistoryReader,
    what: tuple[str, dt.date],
    as_of: dt.datetime,
    params: ContextParams,
    cache: ContextCache,
) -> tuple[pl.DataFrame, Coverage, pl.DataFrame | None]:
    underlying, session = what
    need = params.daily_bars_needed
    start = session_open(sessions_before(session, need + 1))
    stored = reader.bars(underlying, params.bars_interval, start, as_of)
    if stored.height >= need:
        return stored, _count_coverage(stored.height, need, f"bars_{params.bars_interval}"), None
    spots = reader.spot_series(underlying, start, as_of)
    proxy = _proxy_bars(spots, what, as_of, cache)
    if proxy.height > stored.height:
        note = (
            f"daily bars derived from snapshot spots (proxy: sampled highs and lows), "
            f"{proxy.height} bars; the price store holds {stored.height}"
        )
        return proxy, _count_coverage(proxy.height, need, "snapshot_spots_proxy", note), spots
    source = f"bars_{params.bars_interval}"
    return stored, _count_coverage(stored.height, need, source), spots


def _proxy_bars(
    spots: pl.DataFrame, what: tuple[str, dt.date], as_of: dt.datetime, cache: ContextCache
) -> pl.DataFrame:
    """``daily_bars_from_spots(spots, as_of)``, prior sessions' bars derived once per session.

    Spots before the session's open make the prior sessions' bars, all closed before ``as_of``;
    the session's own bar exists only once it has closed.
    """
    opened = session_open(what[1])
    ts = spots.get_column("ts_event")
    prior = spots.filter(ts < opened)
    key = (*what, prior.height, ts.min(), prior.get_column("ts_event").max())
    if key not in cache.bars:
        cache.bars = {key: daily_bars_from_spots(prior, as_of)}
    bars = cache.bars[key]
    if as_of < session_close(what[1]):
        return bars
    return pl.concat([bars, daily_bars_from_spots(spots.filter(ts >= opened), as_of)])


def _count_coverage(n: int, required: int, source: str, note: str = "") -> Coverage:
    if not note and n < required:
        note = f"{n} of {required} wanted"
    return Coverage(n_obs=n, required=required, sufficient=n >= required, source=source, note=note)


def _spot_estimate(current: _Observed | None, bars: pl.DataFrame) -> Estimate:
    if current is not None:
        return Estimate(
            value=current.spot,
            n_obs=1,
            required=1,
            sufficient=True,
            source="current_snapshot",
        )
    if bars.height:
        return Estimate(
            value=float(bars.get_column("close")[-1]),
            n_obs=0,
            required=1,
            sufficient=False,
            source="last_daily_close",
            note="no snapshot in the session: the last daily close",
        )
    return Estimate(value=NAN, n_obs=0, required=1, sufficient=False, source="none", note="no data")


def _atm_iv_estimate(current: _Observed | None, params: ContextParams) -> Estimate:
    days = f"{params.iv_days:g}"
    if current is None or not math.isfinite(current.iv):
        return Estimate(
            value=NAN,
            n_obs=0,
            required=2,
            sufficient=False,
            source="none",
            note="no current snapshot with an ATM IV",
        )
    flat = current.cm_method.startswith("flat")
    return Estimate(
        value=current.iv,
        n_obs=current.n_expiries,
        required=2,
        sufficient=not flat,
        source=f"snapshot_cm{days}d_{current.cm_method}",
        note=f"{days}-day IV extrapolated flat ({current.cm_method})" if flat else "",
    )


def _atr_estimates(
    bars: pl.DataFrame, source: str, params: ContextParams, spot: float, iv: float
) -> tuple[Estimate, Estimate]:
    n, m = params.atr_period, params.atr_average_sessions
    table = atr(bars, n)
    values = table.get_column("atr").drop_nulls().to_list()
    if values:
        now = Estimate(
            value=values[-1], n_obs=bars.height, required=n, sufficient=True, source=source
        )
    elif bars.height:
        now = Estimate(
            value=float(table.get_column("true_range").to_numpy().mean()),
            n_obs=bars.height,
            required=n,
            sufficient=False,
            source=f"{source}_partial",
            note=f"mean true range of {bars.height} bars (ATR({n}) needs {n})",
        )
    elif math.isfinite(spot) and math.isfinite(iv):
        now = Estimate(
            value=spot * iv * math.sqrt(1.0 / TRADING_DAYS),
            n_obs=0,
            required=n,
            sufficient=False,
            source="iv_implied",
            note="no daily bars: one-day one-sigma move S * IV * sqrt(1/252)",
        )
    else:
        now = Estimate(
            value=NAN, n_obs=0, required=n, sufficient=False, source="none", note="no data"
        )
    average = _average_estimate(values[-m:], m, now.value, what=f"ATR({n})")
    return now, average


def _average_estimate(
    values: Sequence[float], required: int, neutral: float, what: str
) -> Estimate:
    if len(values) >= required:
        return Estimate(
            value=sum(values) / len(values),
            n_obs=len(values),
            required=required,
            sufficient=True,
            source="mean",
        )
    if values:
        return Estimate(
            value=sum(values) / len(values),
            n_obs=len(values),
            required=required,
            sufficient=False,
            source="mean_partial",
            note=f"mean of {len(values)} {what} values of {required}",
        )
    return Estimate.neutral(
        neutral, required=required, note=f"no {what} history: the current value"
    )


def _rv_estimate(bars: pl.DataFrame, window: int, source: str, iv: float) -> Estimate:
    table = realized_vol(bars, window) if bars.height else None
    values = [] if table is None else table.get_column("realized_vol").drop_nulls().to_list()
    if values:
        return Estimate(
            value=values[-1], n_obs=window, required=window, sufficient=True, source=source
        )
    returns = [] if table is None else table.get_column("log_return").drop_nulls().to_list()
    if len(returns) >= 2:
        mean = sum(returns) / len(returns)
        var = sum((r - mean) ** 2 for r in returns) / (len(returns) - 1)
        return Estimate(
            value=math.sqrt(var * TRADING_DAYS),
            n_obs=len(returns),
            required=window,
            sufficient=False,
            source=f"{source}_partial",
            note=f"{len(returns)} daily returns of {window}",
        )
    if math.isfinite(iv):
        return Estimate(
            value=iv,
            n_obs=len(returns),
            required=window,
            sufficient=False,
            source="iv_implied",
            note="fewer than 2 daily returns: the ATM IV",
        )
    return Estimate(
        value=NAN,
        n_obs=len(returns),
        required=window,
        sufficient=False,
        source="none",
        note="no data",
    )


def _rank_estimate(
    history: Sequence[float],
    current: Estimate,
    params: ContextParams,
    fn: _RankFn,
    what: str,
) -> Estimate:
    required = params.iv_rank_min_sessions
    value = fn(history, current.value) if current.known else NAN
    if len(history) >= required and math.isfinite(value):
        return Estimate(
            value=value, n_obs=len(history), required=required, sufficient=True, source="eod_iv"
        )
    reason = (
        "no current ATM IV"
        if not current.known
        else f"{len(history)} prior sessions of {required}"
        if len(history) < required
        else "degenerate window"
    )
    return Estimate.neutral(0.5, required=required, n_obs=len(history), note=f"{what}: {reason}")


def _iv_series(observed: Sequence[_Observed]) -> pl.DataFrame:
    # the stamps as integer microseconds (polars converts zoned datetimes slowly)
    stamps = pl.Series("ts_event", [epoch_us(o.ts_event) for o in observed], dtype=pl.Int64)
    values: dict[str, list[object]] = {
        "session": [o.session for o in observed],
        "spot": [o.spot for o in observed],
        "atm_iv": [o.iv for o in observed],
        "cm_method": [o.cm_method for o in observed],
        "n_expiries": [o.n_expiries for o in observed],
    }
    return pl.DataFrame(
        [
            stamps.cast(IV_SERIES_SCHEMA["ts_event"]),
            *(pl.Series(c, v, dtype=IV_SERIES_SCHEMA[c]) for c, v in values.items()),
        ]
    )


def _term_history(observed: Sequence[_Observed]) -> pl.DataFrame:
    if not observed:
        return pl.DataFrame(schema=TERM_HISTORY_SCHEMA)
    return pl.concat([o.stamped for o in observed])


def _spot_path(
    reader: HistoryReader,
    underlying: str,
    session: dt.date,
    as_of: dt.datetime,
    spots: pl.DataFrame | None,
) -> pl.DataFrame:
    start = session_open(session)
    if spots is None:
        spots = reader.spot_series(underlying, start, as_of)
    path = spots.filter(pl.col("ts_event") >= utc_lit(start))
    return conformed(path, SPOT_PATH_SCHEMA)  # the engine's and the store's spots: as they are


def _prior(ref: SnapshotRef, snapshot: ChainSnapshot) -> PriorSnapshot:
    return PriorSnapshot(
        session=ref.session,
        ts_event=ref.ts_event,
        ts_recv=ref.ts_recv,
        spot=snapshot.spot,
        content_hash=ref.content_hash,
        locator=str(ref.path),
        snapshot=snapshot,
    )


__all__ = ["PRICE_SCHEMA", "market_context"]
