"""synthetic_chain: determinism, schema, expiries, strikes, quotes, open interest, volume."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from eots.chain.schema import CHAIN_SCHEMA, check_schema
from eots.chain.snapshot import ChainSnapshot
from eots.core.time import ET, TimeBasis, nyse_calendar
from eots.synthetic import SyntheticParams, synthetic_chain

INTRADAY = dt.datetime(2024, 3, 13, 14, 0, tzinfo=ET)  # a Wednesday, two hours before the close
THIRD_FRIDAY = dt.date(2024, 3, 15)
PARAMS = SyntheticParams()


@pytest.fixture(scope="module")
def spx() -> ChainSnapshot:
    return synthetic_chain(PARAMS, as_of=INTRADAY)


def _third_fridays(dates: list[dt.date]) -> list[dt.date]:
    return [d for d in dates if d.weekday() == 4 and 15 <= d.day <= 21]


def test_synthetic_chain_same_seed_identical_frame(spx: ChainSnapshot) -> None:
    again = synthetic_chain(SyntheticParams(seed=0), as_of=INTRADAY)
    assert_frame_equal(spx.frame, again.frame)
    assert (again.spot, again.ts_event) == (spx.spot, spx.ts_event)


def test_synthetic_chain_other_seed_different_frame(spx: ChainSnapshot) -> None:
    other = synthetic_chain(SyntheticParams(seed=1), as_of=INTRADAY).frame
    assert other.select("root", "expiry", "strike", "right").equals(
        spx.frame.select("root", "expiry", "strike", "right")
    )
    assert not other.get_column("open_interest").equals(spx.frame.get_column("open_interest"))
    assert not other.get_column("bid").equals(spx.frame.get_column("bid"))


def test_synthetic_chain_default_frame_follows_chain_schema(spx: ChainSnapshot) -> None:
    check_schema(spx.frame, CHAIN_SCHEMA, what="synthetic chain")
    assert spx.underlying == "SPX"
    assert spx.spot == 5000.0
    assert spx.ts_event == spx.ts_recv == INTRADAY
    assert spx.time_basis is TimeBasis.SOURCE
    assert spx.quality.dropped == ()
    assert 15_000 <= spx.n_contracts <= 25_000
    assert set(spx.frame.get_column("root").unique()) == {"SPX", "SPXW"}
    assert spx.frame.null_count().select("bid", "ask", "iv_src", "volume").sum_horizontal()[0] == 0


def test_synthetic_chain_expiries_are_sessions_with_0dte_intraday(spx: ChainSnapshot) -> None:
    cal = nyse_calendar()
    assert all(cal.is_session(d) for d in spx.expiries)
    assert spx.expiries[0] == INTRADAY.date()
    first_15 = cal.dates[cal.dates >= np.datetime64(INTRADAY.date())][:15]
    assert {dt.date.fromisoformat(str(d)) for d in first_15} <= set(spx.expiries)
    years = (spx.expiries[-1] - INTRADAY.date()).days / 365
    assert 3.0 <= years <= 5.0


def test_synthetic_chain_after_close_no_0dte_before_open_no_volume() -> None:
    after = synthetic_chain(PARAMS, as_of=dt.datetime(2024, 3, 13, 16, 30, tzinfo=ET))
    assert after.expiries[0] == dt.date(2024, 3, 14)
    assert after.frame.get_column("volume").sum() > 0
    before = synthetic_chain(PARAMS, as_of=dt.datetime(2024, 3, 13, 8, 0, tzinfo=ET))
    assert before.expiries[0] == dt.date(2024, 3, 13)
    assert before.frame.get_column("volume").sum() == 0
    assert before.frame.get_column("last").null_count() == before.n_contracts


def test_synthetic_chain_third_fridays_list_spx_am_and_spxw_pm(spx: ChainSnapshot) -> None:
    series = spx.frame.select("root", "expiry", "settlement", "expiry_ts").unique()
    fridays = _third_fridays(list(spx.expiries))
    assert THIRD_FRIDAY in fridays
    monthly = [d for d in fridays if d < dt.date(2025, 3, 1)]  # monthly_months = 12
    assert len(monthly) == 12
    for day in monthly:
        on_day = series.filter(pl.col("expiry") == day).sort("root")
        assert on_day.get_column("root").to_list() == ["SPX", "SPXW"], day
        assert on_day.get_column("settlement").to_list() == ["AM", "PM"]
    am = series.filter(pl.col("expiry") == THIRD_FRIDAY, pl.col("root") == "SPX").row(0, named=True)
    assert am["expiry_ts"].astimezone(ET).time() == dt.time(9, 30)
    cal = nyse_calendar()
    for day in series.filter(pl.col("root") == "SPX").get_column("expiry").to_list():
        friday = day + dt.timedelta(days=1)
        holiday_friday = _third_fridays([friday]) == [friday] and not cal.is_session(friday)
        assert _third_fridays([day]) == [day] or holiday_friday, day


def test_synthetic_chain_good_friday_monthly_moves_to_thursday() -> None:
    snap = synthetic_chain(PARAMS, as_of=dt.datetime(2025, 4, 14, 11, 0, tzinfo=ET))
    assert dt.date(2025, 4, 18) not in snap.expiries
    roots = snap.frame.filter(pl.col("expiry") == dt.date(2025, 4, 17)).get_column("root")
    assert set(roots.unique()) == {"SPX", "SPXW"}


def test_synthetic_chain_strikes_5_points_near_money_coarser_far_and_long(
    spx: ChainSnapshot,
) -> None:
    frame = spx.frame.filter(pl.col("right") == "C")
    strikes = frame.get_column("strike")
    assert (strikes % 5 == 0).all()
    zero_dte = frame.filter(pl.col("expiry") == INTRADAY.date()).get_column("strike")
    near = zero_dte.filter((zero_dte - spx.spot).abs() <= 100).sort()
    assert set(near.diff().drop_nulls().to_list()) == {5.0}
    far = frame.filter((pl.col("strike") / spx.spot).log().abs() > 0.31).get_column("strike")
    assert far.len() > 0
    assert (far % 100 == 0).all()
    leaps = frame.filter(pl.col("expiry") > INTRADAY.date() + dt.timedelta(days=550))
    assert (leaps.get_column("strike") % 50 == 0).all()
    width = frame.group_by("expiry").agg(w=pl.col("strike").max() - pl.col("strike").min())
    widths = width.sort("expiry").get_column("w")
    assert widths[-1] > 4 * widths[0]


def test_synthetic_chain_quotes_uncrossed_on_tick_with_zero_bid_wings(spx: ChainSnapshot) -> None:
    f = spx.frame
    assert (f.get_column("bid") >= 0).all()
    assert (f.get_column("ask") > f.get_column("bid")).all()
    assert f.get_column("quote_valid").mean() > 0.8  # type: ignore[operator]
    ticks = f.select(
        nickel=((pl.col("ask") * 100).round(0) % 5 == 0).all(),
        dime=((pl.col("bid").filter(pl.col("bid") >= 3) * 100).round(0) % 10 == 0).all(),
    )
    assert ticks.row(0) == (True, True)
    wings = f.filter(pl.col("bid") == 0)
    assert wings.height > 0
    assert (wings.get_column("ask") <= 0.5).all()


def test_synthetic_chain_mids_satisfy_put_call_parity_within_spread(spx: ChainSnapshot) -> None:
    t = (pl.col("expiry_ts") - pl.lit(INTRADAY.astimezone(dt.UTC))).dt.total_seconds() / (
        365 * 86400
    )
    quotes = spx.frame.with_columns(
        mid=(pl.col("bid") + pl.col("ask")) / 2, half=(pl.col("ask") - pl.col("bid")) / 2, t=t
    )
    keys = ["root", "expiry", "strike"]
    calls = quotes.filter(pl.col("right") == "C").select(*keys, "t", "mid", "half")
    puts = quotes.filter(pl.col("right") == "P").select(*keys, "mid", "half")
    pairs = calls.join(puts, on=keys, suffix="_p")
    s, r, q = spx.spot, PARAMS.rate, PARAMS.dividend_yield
    parity = s * (-q * pl.col("t")).exp() - pl.col("strike") * (-r * pl.col("t")).exp()
    gap = pairs.select(
        excess=(pl.col("mid") - pl.col("mid_p") - parity).abs() - pl.col("half") - pl.col("half_p")
    )
    assert pairs.height == spx.n_contracts // 2
    assert gap.get_column("excess").max() <= 1e-6  # type: ignore[operator]


def test_synthetic_chain_open_interest_round_strikes_and_otm_heavy(spx: ChainSnapshot) -> None:
    f = spx.frame
    by_strike = (
        f.group_by("strike")
        .agg(pl.col("open_interest").sum())
        .sort("open_interest", descending=True)
    )
    assert (by_strike.head(10).get_column("strike") % 25 == 0).all()
    below = f.filter(pl.col("strike") < spx.spot)
    above = f.filter(pl.col("strike") > spx.spot)

    def oi(frame: pl.DataFrame, right: str) -> int:
        return int(frame.filter(pl.col("right") == right).get_column("open_interest").sum())

    assert oi(below, "P") > 2 * oi(below, "C")
    assert oi(above, "C") > 2 * oi(above, "P")
    zero_share = (f.get_column("open_interest") == 0).mean()
    assert 0.05 < zero_share < 0.5  # type: ignore[operator]
    top = f.get_column("open_interest").max()
    assert top > 20 * f.get_column("open_interest").median()  # type: ignore[operator]


def test_synthetic_chain_open_interest_heavier_on_monthlies(spx: ChainSnapshot) -> None:
    per_expiry = spx.frame.group_by("expiry").agg(pl.col("open_interest").sum())
    oi = dict(per_expiry.iter_rows())
    assert oi[THIRD_FRIDAY] > 3 * oi[dt.date(2024, 3, 14)]
    assert oi[dt.date(2024, 4, 19)] > 2 * oi[dt.date(2024, 4, 12)]


def test_synthetic_chain_volume_heaviest_on_0dte(spx: ChainSnapshot) -> None:
    per_expiry = spx.frame.group_by("expiry").agg(pl.col("volume").sum()).sort("volume")
    assert per_expiry.get_column("expiry")[-1] == INTRADAY.date()
    total = int(per_expiry.get_column("volume").sum())
    assert per_expiry.get_column("volume")[-1] > 0.25 * total
    traded = spx.frame.filter(pl.col("volume") > 0)
    inside = traded.select(
        ((pl.col("last") >= pl.col("bid")) & (pl.col("last") <= pl.col("ask"))).all()
    )
    assert inside.item()


def test_synthetic_chain_iv_src_rounded_with_put_skew(spx: ChainSnapshot) -> None:
    iv = spx.frame.get_column("iv_src")
    assert ((iv * 10_000).round(0) - iv * 10_000).abs().max() < 1e-6  # type: ignore[operator]
    month = spx.frame.filter(pl.col("expiry") == dt.date(2024, 4, 19), pl.col("root") == "SPXW")
    vol = dict(month.filter(pl.col("right") == "P").select("strike", "iv_src").iter_rows())
    assert vol[4500.0] > vol[5000.0] > vol[5500.0] - 0.02
    assert vol[4500.0] - vol[5500.0] > 0.05


def test_synthetic_chain_spy_daily_dollar_strikes_penny_ticks() -> None:
    snap = synthetic_chain(SyntheticParams(underlying="SPY", spot=510.0), as_of=INTRADAY)
    f = snap.frame
    check_schema(f, CHAIN_SCHEMA, what="synthetic SPY chain")
    assert snap.underlying == "SPY"
    assert set(f.get_column("root").unique()) == {"SPY"}
    assert set(f.get_column("settlement").unique()) == {"PM"}
    assert list(snap.expiries[:5]) == [dt.date(2024, 3, d) for d in (13, 14, 15, 18, 19)]
    near = f.filter(pl.col("expiry") == INTRADAY.date(), pl.col("right") == "C")
    near_strikes = near.filter((pl.col("strike") - 510).abs() <= 10).get_column("strike").sort()
    assert set(near_strikes.diff().drop_nulls().to_list()) == {1.0}
    cents = f.select(((pl.col("ask") * 100).round(0) - pl.col("ask") * 100).abs().max()).item()
    assert cents < 1e-6
    assert (f.get_column("ask") > f.get_column("bid")).all()
    assert f.filter((pl.col("ask") - pl.col("bid")).round(2) == 0.02).height > 0


def test_synthetic_chain_naive_as_of_raises() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        synthetic_chain(PARAMS, as_of=dt.datetime(2024, 3, 13, 14, 0))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("underlying", "roots"),
    [("NDX", {"NDX", "NDXP"}), ("XSP", {"XSP"}), ("QQQ", {"QQQ"}), ("AAPL", {"AAPL"})],
)
def test_synthetic_chain_other_underlyings_validate(underlying: str, roots: set[str]) -> None:
    weekend = dt.datetime(2024, 3, 16, 11, 0, tzinfo=ET)
    snap = synthetic_chain(SyntheticParams(underlying=underlying), as_of=weekend)
    check_schema(snap.frame, CHAIN_SCHEMA, what=f"synthetic {underlying} chain")
    assert set(snap.frame.get_column("root").unique()) == roots
    assert snap.expiries[0] == dt.date(2024, 3, 18)
    assert snap.frame.get_column("volume").sum() > 0  # Friday's full session
