"""The market context on a four-session store: fields, provenance, thin history, stored bars."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import polars as pl
import pytest

from eots.chain import ChainSnapshot
from eots.core.errors import ReplayError
from eots.flows import FLOW_SCHEMA
from eots.history import AsOfReader, ContextParams, MarketContext, market_context
from eots.market import atr, constant_maturity_iv
from eots.storage import PRICE_SCHEMA, PriceStore, SnapshotStore
from unit.history.context_store import SESSIONS, fill

PARAMS = ContextParams(intraday_snapshots=3, iv_rank_min_sessions=2, iv_average_sessions=2)


@pytest.fixture(scope="module")
def store(
    tmp_path_factory: pytest.TempPathFactory, snapshots: list[ChainSnapshot]
) -> SnapshotStore:
    return fill(tmp_path_factory.mktemp("context"), snapshots)


def _context(
    store: SnapshotStore, as_of: dt.datetime, params: ContextParams = PARAMS
) -> MarketContext:
    return market_context(AsOfReader(store, None, as_of), "SPX", as_of, params)


@pytest.fixture(scope="module")
def last_session(store: SnapshotStore, snapshots: list[ChainSnapshot]) -> MarketContext:
    return _context(store, snapshots[-2].ts_event)  # Tue 14:30 ET


def test_context_current_snapshot_and_session(
    last_session: MarketContext, snapshots: list[ChainSnapshot]
) -> None:
    ctx = last_session
    assert ctx.session == SESSIONS[3]
    assert ctx.snapshot is not None
    assert ctx.snapshot.ts_event == snapshots[-2].ts_event
    assert ctx.spot.value == snapshots[-2].spot
    assert ctx.spot.sufficient


def test_context_atm_iv_is_the_current_term_structures_constant_maturity(
    last_session: MarketContext,
) -> None:
    ctx = last_session
    cm = constant_maturity_iv(ctx.term_structure, 30)
    assert ctx.atm_iv.value == cm.iv
    assert 0.05 < ctx.atm_iv.value < 0.5
    assert ctx.atm_iv.sufficient
    assert ctx.iv_intraday.get_column("atm_iv")[-1] == ctx.atm_iv.value


def test_context_daily_iv_history_and_prior_refs_are_earlier_sessions(
    last_session: MarketContext,
) -> None:
    ctx = last_session
    assert ctx.iv_daily.get_column("session").to_list() == list(SESSIONS[:3])
    assert all(0.05 < v < 0.5 for v in ctx.iv_daily.get_column("atm_iv").to_list())
    assert [p.session for p in ctx.daily] == list(SESSIONS[:3])
    assert [p.session for p in ctx.weekly] == [SESSIONS[1]]  # the Friday closing last week
    assert all(p.ts_event == p.snapshot.ts_event for p in ctx.daily)
    assert ctx.term_daily.get_column("session").unique().sort().to_list() == list(SESSIONS[:3])


def test_context_iv_average_rank_and_ratio_from_eod_history(last_session: MarketContext) -> None:
    ctx = last_session
    history = ctx.iv_daily.get_column("atm_iv").to_list()
    assert ctx.atm_iv_average.value == pytest.approx(sum(history[-2:]) / 2)
    assert ctx.atm_iv_average.sufficient
    assert ctx.iv_ratio.value == pytest.approx(ctx.atm_iv.value / ctx.atm_iv_average.value)
    assert 0.0 <= ctx.iv_rank.value <= 1.0
    assert ctx.iv_rank.sufficient
    assert ctx.iv_rank.n_obs == 3


def test_context_flows_and_charm_cover_last_n_snapshots(
    last_session: MarketContext, snapshots: list[ChainSnapshot]
) -> None:
    ctx = last_session
    window = [s.ts_event for s in snapshots[-4:-1]]
    assert ctx.flow_increments.get_column("ts").unique().sort().to_list() == window[1:]
    assert ctx.flow_coverage.n_obs == 2
    assert ctx.flow_coverage.sufficient
    assert "not the whole session" in ctx.flow_coverage.note
    assert ctx.flows_by_contract.schema == FLOW_SCHEMA
    total = ctx.flows_by_contract.get_column("volm").fill_nan(None).sum()
    assert ctx.flows_by_strike.get_column("volm").fill_nan(None).sum() == pytest.approx(total)
    assert ctx.charm_history.get_column("ts").unique().sort().to_list() == window
    row = ctx.charm_history.drop_nans("charm").row(0, named=True)
    assert row["charmxoi"] == pytest.approx(row["charm"] * row["open_interest"] * 100)


def test_context_oi_by_dte_sums_current_open_interest(last_session: MarketContext) -> None:
    assert last_session.snapshot is not None
    total = last_session.snapshot.frame.get_column("open_interest").sum()
    assert last_session.oi_by_dte.get_column("open_interest").sum() == total
    assert last_session.oi_by_dte.get_column("dte").min() == 0


def test_context_proxy_bars_are_completed_sessions_and_flagged(last_session: MarketContext) -> None:
    ctx = last_session
    assert ctx.daily_bars.height == 3  # the Tuesday bar is still forming
    assert ctx.daily_bars_coverage.source == "snapshot_spots_proxy"
    assert not ctx.daily_bars_coverage.sufficient
    assert ctx.atr.source == "snapshot_spots_proxy_partial"
    assert not ctx.atr.sufficient
    assert (ctx.atr_ratio.value, ctx.atr_ratio.sufficient) == (1.0, False)
    assert ctx.realized_vol[10].source == "snapshot_spots_proxy_partial"
    assert ctx.spot_path.height == 6
    assert "proxy" in " ".join(ctx.notes)


def test_context_uses_stored_daily_bars_when_enough(
    tmp_path: Path, store: SnapshotStore, snapshots: list[ChainSnapshot]
) -> None:
    closes = [4000.0 + 10 * math.sin(i / 3) + i for i in range(60)]
    first = dt.datetime(2024, 1, 5, 21, tzinfo=dt.UTC)
    ts = [first + dt.timedelta(days=i) for i in range(60)]  # some after as_of
    bars = pl.DataFrame(
        {
            "ts": ts,
            "open": closes,
            "high": [c + 5 for c in closes],
            "low": [c - 7 for c in closes],
            "close": closes,
            "volume": [None] * 60,
            "interval": ["1d"] * 60,
        },
        schema=PRICE_SCHEMA,
    )
    prices = PriceStore(tmp_path)
    prices.append("SPX", "1d", bars)
    as_of = snapshots[-2].ts_event
    ctx = market_context(AsOfReader(store, prices, as_of), "SPX", as_of, PARAMS)
    known = bars.filter(pl.col("ts") <= as_of).tail(ctx.daily_bars.height)
    assert ctx.daily_bars_coverage.source == "bars_1d"
    assert ctx.daily_bars.get_column("ts").max() <= as_of  # type: ignore[operator]
    expected = atr(bars.filter(pl.col("ts") <= as_of), 14).get_column("atr")[-1]
    assert known.height == ctx.daily_bars.height
    assert ctx.atr.sufficient
    assert ctx.atr.value == pytest.approx(expected)
    assert ctx.atr_average.sufficient
    assert ctx.atr_ratio.sufficient
    assert ctx.realized_vol[20].sufficient


def test_context_empty_store_is_neutral_and_flagged(tmp_path: Path) -> None:
    as_of = dt.datetime(2024, 3, 12, 18, tzinfo=dt.UTC)
    ctx = _context(SnapshotStore(tmp_path), as_of, ContextParams())
    assert ctx.snapshot is None
    assert (ctx.atr_ratio.value, ctx.iv_ratio.value) == (1.0, 1.0)
    assert (ctx.iv_rank.value, ctx.iv_percentile.value) == (0.5, 0.5)
    for name, estimate in ctx.estimates().items():
        assert not estimate.sufficient, name
        assert estimate.source in {"neutral", "none"}, name
        assert estimate.note, name
    assert set(ctx.insufficient) >= {"daily_bars", "intraday", "iv_daily", "flows", "daily"}
    for frame in (ctx.term_structure, ctx.flows_by_contract, ctx.charm_history, ctx.oi_by_dte):
        assert frame.height == 0
    assert ctx.daily == ctx.weekly == ()
    assert ctx.notes


def test_context_single_snapshot_has_iv_and_iv_implied_atr(
    tmp_path: Path, snapshots: list[ChainSnapshot]
) -> None:
    store = fill(tmp_path, snapshots[:1])
    ctx = _context(store, snapshots[0].ts_event)
    assert ctx.atm_iv.sufficient
    assert ctx.atr.source == "iv_implied"
    assert ctx.atr.value == pytest.approx(snapshots[0].spot * ctx.atm_iv.value / math.sqrt(252))
    assert ctx.realized_vol[10].source == "iv_implied"
    assert ctx.flows_by_contract.height == 0
    assert not ctx.flow_coverage.sufficient
    assert ctx.iv_daily.height == 0
    assert (ctx.iv_rank.value, ctx.iv_rank.sufficient) == (0.5, False)


def test_context_before_any_snapshot_of_the_session_uses_last_close_for_spot(
    store: SnapshotStore, snapshots: list[ChainSnapshot]
) -> None:
    as_of = dt.datetime(2024, 3, 11, 12, tzinfo=dt.UTC)  # Monday pre-open: Friday's session
    ctx = _context(store, as_of)
    assert ctx.session == SESSIONS[1]
    assert ctx.snapshot is not None
    assert ctx.snapshot.ts_event == snapshots[13].ts_event


def test_context_as_of_after_reader_as_of_is_refused(store: SnapshotStore) -> None:
    as_of = dt.datetime(2024, 3, 8, 18, tzinfo=dt.UTC)
    reader = AsOfReader(store, None, as_of)
    with pytest.raises(ReplayError, match="look-ahead"):
        market_context(reader, "SPX", as_of + dt.timedelta(seconds=1))
