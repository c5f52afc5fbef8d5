"""The simulated history: snapshots valid, trades reconcile with volume, last and open interest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from eots.chain import build_snapshot
from eots.core.errors import ConfigError
from eots.core.time import QuoteTime, TimeBasis
from eots.flows import parse_trades
from eots.flows.schema import FLOW_KEY
from eots.simulator import ListingSize, SimStep, SimulatorParams, listing_preset, simulate
from eots.simulator.simulate import SIM_TRADES_SCHEMA, session_days
from eots.simulator.store import price_store, read_trades, trades_path, write_history
from eots.simulator.truth import flow_accuracy
from eots.storage import SnapshotStore
from eots.storage.bars import bar_problems

# 2024-03-14 .. 03-18: crosses the March AM monthly (SPX settles at the 03-15 open) and a weekend.
PARAMS = SimulatorParams(
    market=listing_preset(ListingSize.SMALL),
    start=dt.date(2024, 3, 14),
    sessions=3,
    every_minutes=65,
    flow_scale=0.1,
    block_minutes=10,
)


@pytest.fixture(scope="module")
def steps() -> list[SimStep]:
    return list(simulate(PARAMS, seed=5))


def _key(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(*FLOW_KEY, "open_interest")


def test_simulate_snapshots_equal_build_snapshot_of_same_rows(steps: list[SimStep]) -> None:
    for step in steps:
        snap = step.snapshot
        raw = snap.frame.drop("underlying", "settlement", "expiry_ts", "quote_valid", "source_line")
        raw = raw.with_columns(pl.col("right").cast(pl.String))
        built = build_snapshot(
            raw,
            spot=snap.spot,
            quote_time=QuoteTime(snap.ts_event, step.truth.session, TimeBasis.SOURCE),
            ts_recv=snap.ts_recv,
            source=snap.source,
            source_format=snap.source_format,
            underlying="SPX",
        )
        assert_frame_equal(built.frame, snap.frame)
        assert built.quality == snap.quality


def test_simulate_volume_and_last_reconcile_with_trades(steps: list[SimStep]) -> None:
    session_trades: list[pl.DataFrame] = []
    day = None
    for step in steps:
        if step.truth.session != day:
            day, session_trades = step.truth.session, []
        session_trades.append(step.trades)
        trades = pl.concat(session_trades)
        assert trades.get_column("ts").max() is None or (
            trades.get_column("ts").max() <= step.snapshot.ts_event  # type: ignore[operator]
        )
        expected = (
            trades.sort("ts")
            .group_by(list(FLOW_KEY))
            .agg(vol=pl.col("size").sum(), px=pl.col("price").last())
        )
        got = step.snapshot.frame.join(expected, on=list(FLOW_KEY), how="left")
        assert (got.get_column("volume") == got.get_column("vol").fill_null(0)).all()
        assert got.get_column("last").equals(got.get_column("px"), check_names=False)


def test_simulate_open_interest_moves_by_opening_minus_closing(steps: list[SimStep]) -> None:
    closes = [s for s in steps if s.snapshot.ts_event.astimezone(dt.UTC).hour == 20]
    opens = [s for s in steps if not s.bars.height]
    assert len(opens) == 3
    for i in range(2):
        day = opens[i].truth.session
        trades = pl.concat([s.trades for s in steps if s.truth.session == day])
        change = trades.group_by(list(FLOW_KEY)).agg(
            d=pl.when(pl.col("opening")).then(pl.col("size")).otherwise(-pl.col("size")).sum()
        )
        before = _key(opens[i].snapshot.frame)
        after = _key(opens[i + 1].snapshot.frame).rename({"open_interest": "oi_next"})
        both = before.join(after, on=list(FLOW_KEY)).join(change, on=list(FLOW_KEY), how="left")
        assert both.height > 100
        moved = both.get_column("open_interest") + both.get_column("d").fill_null(0)
        assert (moved == both.get_column("oi_next")).all()
        assert closes[i].snapshot.frame.get_column("open_interest").min() >= 0  # type: ignore[operator]


def test_simulate_settles_am_at_the_open_and_lists_new_series(steps: list[SimStep]) -> None:
    by_day = {s.truth.session: s for s in steps if not s.bars.height}
    friday = by_day[dt.date(2024, 3, 15)].snapshot.frame
    monthly = pl.col("expiry") == dt.date(2024, 3, 15)
    assert friday.filter(monthly & (pl.col("root") == "SPX")).height == 0  # settled at the open
    assert friday.filter(monthly & (pl.col("root") == "SPXW")).height > 0  # PM: live all day
    monday = by_day[dt.date(2024, 3, 18)].snapshot.frame
    assert monday.filter(monthly).height == 0
    first = set(by_day[dt.date(2024, 3, 14)].snapshot.expiries)
    assert set(monday.get_column("expiry").unique()) - first  # new series listed
    close = [s for s in steps if s.truth.session == dt.date(2024, 3, 15)][-1].snapshot
    assert dt.date(2024, 3, 15) not in close.expiries  # 0DTE gone at its settlement instant


def test_simulate_bars_follow_the_snapshots(steps: list[SimStep]) -> None:
    for step in steps:
        if step.bars.height:
            assert step.bars.get_column("close")[-1] == step.snapshot.spot
            assert step.bars.get_column("ts")[-1] == step.snapshot.ts_event
            assert bar_problems(step.bars).height == 0
    bars = pl.concat([s.bars for s in steps])
    assert bars.height == 3 * 390
    gaps = bars.get_column("ts").diff().drop_nulls().dt.total_minutes()
    assert set(gaps.to_list()) <= {1} | set(range(17 * 60, 4 * 24 * 60))  # minutes, overnights


def test_simulate_trades_priced_inside_their_quote(steps: list[SimStep]) -> None:
    trades = pl.concat([s.trades for s in steps])
    assert trades.height > 1000
    assert trades.schema == SIM_TRADES_SCHEMA
    inside = (pl.col("price") >= pl.col("bid")) & (pl.col("price") <= pl.col("ask"))
    assert trades.select(
        inside.all() & (pl.col("price") > 0).all() & (pl.col("size") > 0).all()
    ).item()
    # Trades cluster in short-dated series: 0DTE trades outnumber the rest.
    zero_dte = trades.filter(
        pl.col("expiry") == pl.col("ts").dt.convert_time_zone("America/New_York").dt.date()
    )
    assert zero_dte.height > trades.height / 2


def test_simulate_is_a_pure_function_of_params_and_seed(steps: list[SimStep]) -> None:
    again = list(simulate(PARAMS, seed=5))
    assert_frame_equal(steps[-1].snapshot.frame, again[-1].snapshot.frame)
    assert_frame_equal(steps[-1].trades, again[-1].trades)
    other = list(simulate(PARAMS, seed=6))
    assert steps[-1].snapshot.spot != other[-1].snapshot.spot


def test_simulate_path_and_trades_do_not_depend_on_snapshot_interval(
    steps: list[SimStep],
) -> None:
    sparse = list(simulate(PARAMS.model_copy(update={"every_minutes": 130}), seed=5))
    assert_frame_equal(pl.concat([s.bars for s in steps]), pl.concat([s.bars for s in sparse]))
    assert_frame_equal(
        pl.concat([s.trades for s in steps]).drop("source_line"),
        pl.concat([s.trades for s in sparse]).drop("source_line"),
    )
    common = {s.snapshot.ts_event: s.snapshot.frame for s in sparse}
    for s in steps:
        if s.snapshot.ts_event in common:
            assert_frame_equal(s.snapshot.frame, common[s.snapshot.ts_event])


def test_flow_accuracy_beats_the_majority_baseline_and_flips_with_the_truth(
    steps: list[SimStep],
) -> None:
    acc = flow_accuracy(steps)
    assert acc.n > 1000
    assert acc.ci_low <= acc.rate <= acc.ci_high
    assert acc.ci_low > acc.baseline_rate  # the quote rule recovers real information
    flipped = [
        SimStep(
            snapshot=s.snapshot,
            trades=s.trades.with_columns(
                side=pl.when(pl.col("side") == "buy")
                .then(pl.lit("sell"))
                .otherwise(pl.lit("buy"))
                .cast(s.trades.schema["side"])
            ),
            bars=s.bars,
            truth=s.truth,
        )
        for s in steps
    ]
    worse = flow_accuracy(flipped)
    assert worse.n == acc.n
    assert worse.n_correct == acc.n - acc.n_correct


def test_write_history_stores_snapshots_feed_truth_and_bars(tmp_path: Path) -> None:
    params = PARAMS.model_copy(update={"sessions": 2, "every_minutes": 195})
    seen: list[tuple[int, int]] = []
    summary = write_history(tmp_path, params, 5, lambda d, t: seen.append((d, t)))
    steps = list(simulate(params, seed=5))
    assert (summary.sessions, summary.snapshots) == (2, len(steps)) == (2, 6)
    assert seen[-1] == (6, 6)
    store = SnapshotStore(tmp_path)
    assert store.verify() == ()
    assert len(store.list("SPX")) == 6
    day = dt.date(2024, 3, 14)
    truth = read_trades(tmp_path, "SPX", day, day)
    expected = pl.concat([s.trades for s in steps if s.truth.session == day])
    assert_frame_equal(truth, expected)
    feed = parse_trades(trades_path(tmp_path, "SPX", day, feed=True).read_bytes())
    assert_frame_equal(feed, expected.drop("opening"))
    bars = price_store(tmp_path).bars("SPX", "1m")
    assert_frame_equal(bars, pl.concat([s.bars for s in steps]))
    assert summary.trades == read_trades(tmp_path, "SPX", day, day + dt.timedelta(days=7)).height


def test_params_refuse_bad_values() -> None:
    with pytest.raises(ValueError, match="stressed_vol >= calm_vol"):
        SimulatorParams(calm_vol=0.3, stressed_vol=0.2)
    with pytest.raises(ValueError, match="gamma_feedback"):
        SimulatorParams(gamma_feedback=1.5)
    with pytest.raises(ValueError, match="extra"):
        SimulatorParams.model_validate({"gamma_feedbak": 0.5})
    with pytest.raises(ConfigError, match="seed"):
        next(simulate(PARAMS, seed=-1))


def test_session_days_follow_the_calendar() -> None:
    days = session_days(dt.date(2024, 11, 27), 3)  # Thanksgiving, then a half day
    assert days == (dt.date(2024, 11, 27), dt.date(2024, 11, 29), dt.date(2024, 12, 2))
    with pytest.raises(ConfigError, match="inside the calendar"):
        session_days(dt.date(2035, 12, 1), 100)


def test_simulate_half_day_closes_at_one() -> None:
    params = PARAMS.model_copy(update={"start": dt.date(2024, 11, 29), "sessions": 1})
    steps = list(simulate(params, seed=1))
    assert steps[-1].snapshot.ts_event == dt.datetime(2024, 11, 29, 18, 0, tzinfo=dt.UTC)
    assert sum(s.bars.height for s in steps) == 210
    assert np.isfinite(steps[-1].snapshot.spot)


def test_simulate_refuses_a_listing_without_live_series() -> None:
    empty = listing_preset(ListingSize.SMALL).model_copy(
        update={"daily_sessions": 0, "weekly_weeks": 0, "monthly_months": 0}
    )
    with pytest.raises(ConfigError, match="no live series on 2024-03-18"):
        next(
            simulate(PARAMS.model_copy(update={"market": empty, "start": dt.date(2024, 3, 18)}), 1)
        )
