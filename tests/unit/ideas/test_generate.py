"""End to end on a flat-vol Black-Scholes chain: legs, prices, payoff, PoP, plan, size, reasons."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math

import numpy as np
import polars as pl
import pytest
from scipy.stats import norm

from eots.core.errors import SchemaError
from eots.core.time import ET, settlement_instant, to_epoch_us, year_fraction
from eots.core.types import Settlement
from eots.greeks import black_scholes as bs
from eots.ideas import (
    Direction,
    IdeaInputs,
    IdeaParams,
    SectorData,
    Strategy,
    ideas_to_json,
    trade_ideas,
)
from eots.levels import LevelKind
from eots.signals.model import Claim, ClaimKind, Horizon, Signal, SignalFamily
from unit.ideas.world import RATE, SIGMA, et, flat_chain, integration, key_levels, level

SPOT = 5000.0
ATR = 50.0
STRIKES = np.arange(4500.0, 5505.0, 5.0)
MON = dt.date(2024, 4, 1)
SERIES = (
    ("SPXW", MON, Settlement.PM),
    ("SPXW", dt.date(2024, 4, 2), Settlement.PM),
    ("SPXW", dt.date(2024, 4, 5), Settlement.PM),
)


def inputs(
    at: dt.datetime,
    *,
    direction: float = 0.4,
    volatility: float = 0.0,
    decay: float = 0.0,
    pin: float | None = None,
    chain: pl.DataFrame | None = None,
    levels: bool = True,
    **extra: object,
) -> IdeaInputs:
    lv = (
        (
            level(5060.0, LevelKind.RESISTANCE, 0.6, at),
            level(4970.0, LevelKind.SUPPORT, 0.5, at),
        )
        if levels
        else ()
    )
    return IdeaInputs(
        ts_event=at,
        underlying="SPX",
        spot=SPOT,
        session=at.astimezone(ET).date(),
        contracts=chain
        if chain is not None
        else flat_chain(spot=SPOT, as_of=at, series=SERIES, strikes=STRIKES),
        levels=key_levels(SPOT, at, lv),
        atr=ATR,
        integration=integration(at, direction, volatility, decay, pin),
        rate=RATE,
        **extra,  # type: ignore[arg-type]
    )


def t_to(day: dt.date, at: dt.datetime) -> float:
    us = np.array([to_epoch_us(settlement_instant(day, Settlement.PM))])
    return float(year_fraction(at, us)[0])


def above(x: float, t: float) -> float:
    """Lognormal P(S_T > x) in the flat world (forward S e^{rt})."""
    sd = SIGMA * math.sqrt(t)
    fwd = SPOT * math.exp(RATE * t)
    return float(norm.cdf((math.log(fwd / x) - sd * sd / 2) / sd))


def test_bullish_debit_spread_by_hand() -> None:
    at = et(2024, 4, 1, 11, 0)
    report = trade_ideas(inputs(at), IdeaParams())
    spread = next(i for i in report.ideas if i.strategy is Strategy.CALL_DEBIT_SPREAD)
    # Target: resistance 5060 (beyond 5000 + 0.75 ATR, within 2 ATR); stop below support 4970.
    assert spread.underlying_plan.target == 5060.0
    assert spread.underlying_plan.stop == pytest.approx(4970.0 - 0.1 * ATR)
    # Time needed: (60 / 50)^2 sessions of 6.5 h = 9.36 h > the 5 h left today: 1DTE.
    t = t_to(dt.date(2024, 4, 2), at)
    deltas = bs.delta(True, SPOT, STRIKES, t, SIGMA, RATE, 0.0)
    k_long = float(STRIKES[np.argmin(np.abs(deltas - 0.5))])
    long_leg, short_leg = spread.legs
    assert (long_leg.expiry, long_leg.strike, long_leg.quantity) == (dt.date(2024, 4, 2), k_long, 1)
    assert (short_leg.strike, short_leg.quantity) == (5060.0, -1)
    fair = bs.price(True, SPOT, np.array([k_long, 5060.0]), t, SIGMA, RATE, 0.0)
    net = 100 * ((fair[0] + 0.05) - (fair[1] - 0.05))
    assert spread.price.net == pytest.approx(net, abs=1e-3)
    assert spread.price.side == "debit"
    assert spread.spread_cost == pytest.approx(10.0, abs=1e-3)
    assert spread.breakevens == pytest.approx((k_long + net / 100,))
    assert spread.max_loss == pytest.approx(net)
    assert spread.max_profit == pytest.approx(100 * (5060.0 - k_long) - net)
    assert spread.pop == pytest.approx(above(k_long + net / 100, t), abs=2e-3)
    assert spread.ev == pytest.approx(-10.0, abs=1.0)  # risk-neutral: minus the spread paid
    assert spread.size == math.floor(250_000 * 0.02 / net)
    assert spread.horizon_end == et(2024, 4, 2, 9, 30) + dt.timedelta(hours=4.36)
    assert spread.direction is Direction.BULLISH
    assert any("resistance" in r for r in spread.rationale)


def test_one_sided_quote_is_never_a_leg() -> None:
    at = et(2024, 4, 1, 11, 0)
    chain = flat_chain(spot=SPOT, as_of=at, series=SERIES, strikes=STRIKES)
    full = trade_ideas(inputs(at, chain=chain), IdeaParams())
    k = next(i for i in full.ideas if i.strategy is Strategy.CALL_DEBIT_SPREAD).legs[0].strike
    one_sided = chain.with_columns(
        pl.when((pl.col("strike") == k) & (pl.col("right") == "C"))
        .then(None)
        .otherwise(pl.col("bid"))
        .alias("bid"),
        pl.when((pl.col("strike") == k) & (pl.col("right") == "C"))
        .then(False)
        .otherwise(pl.col("quote_valid"))
        .alias("quote_valid"),
    )
    report = trade_ideas(inputs(at, chain=one_sided), IdeaParams())
    assert report.ideas
    for idea in report.ideas:
        assert all(not (g.strike == k and g.right.value == "C") for g in idea.legs)
        assert all(g.bid > 0 and g.ask >= g.bid for g in idea.legs)


def test_no_executable_quotes_gives_no_ideas_and_says_why() -> None:
    at = et(2024, 4, 1, 11, 0)
    chain = flat_chain(spot=SPOT, as_of=at, series=SERIES, strikes=STRIKES).with_columns(
        pl.lit(None, pl.Float64).alias("bid"), pl.lit(False).alias("quote_valid")
    )
    report = trade_ideas(inputs(at, chain=chain), IdeaParams())
    assert report.ideas == ()
    assert any("no executable quotes" in s for s in report.skipped)


def test_empty_chain_gives_no_ideas_and_says_why() -> None:
    at = et(2024, 4, 1, 11, 0)
    empty = flat_chain(spot=SPOT, as_of=at, series=SERIES, strikes=STRIKES).clear()
    report = trade_ideas(inputs(at, chain=empty), IdeaParams())
    assert report.ideas == ()
    assert any("none of 0 contracts" in s for s in report.skipped)


def test_inside_the_no_entry_window_before_the_close_no_ideas() -> None:
    at = et(2024, 4, 1, 15, 45)
    report = trade_ideas(inputs(at), IdeaParams())
    assert report.ideas == ()
    assert any("no-entry window" in s and "valid two-sided quote" in s for s in report.skipped)
    later = trade_ideas(
        inputs(at), IdeaParams.model_validate({"session": {"no_entry_minutes": 10}})
    )
    assert later.ideas


def test_after_the_close_no_ideas_and_the_quotes_are_counted() -> None:
    at = et(2024, 4, 1, 16, 0)
    chain = flat_chain(spot=SPOT, as_of=at, series=SERIES[1:], strikes=STRIKES).with_columns(
        pl.lit(None, pl.Float64).alias("bid"), pl.lit(False).alias("quote_valid")
    )
    report = trade_ideas(inputs(at, chain=chain), IdeaParams())
    assert report.ideas == ()
    assert any(
        "at or after the close" in s and "none of 804 contracts" in s for s in report.skipped
    )


def test_zero_dte_chosen_when_its_time_suffices() -> None:
    at = et(2024, 4, 1, 10, 0)
    report = trade_ideas(inputs(at, direction=0.0, decay=0.7, pin=5000.0), IdeaParams())
    fly = next(i for i in report.ideas if i.strategy is Strategy.BUTTERFLY)
    assert {g.expiry for g in fly.legs} == {MON}
    assert [g.quantity for g in fly.legs] == [1, -2, 1]
    assert fly.legs[1].strike == 5000.0
    assert fly.legs[0].strike + fly.legs[2].strike == 10000.0
    assert fly.horizon_end == et(2024, 4, 1, 16, 0)
    assert any(r.startswith("0DTE: 6.0 h to settlement") for r in fly.rationale)


def test_no_idea_expires_before_its_target_can_be_reached() -> None:
    at = et(2024, 4, 1, 11, 0)
    only_0dte = flat_chain(spot=SPOT, as_of=at, series=SERIES[:1], strikes=STRIKES)
    report = trade_ideas(inputs(at, chain=only_0dte), IdeaParams())
    assert report.ideas == ()
    assert any("trading hours the target needs" in s for s in report.skipped)


def test_am_monthly_is_not_used_after_its_last_trade_and_pm_is_preferred() -> None:
    at = et(2024, 4, 15, 11, 0)
    friday = dt.date(2024, 4, 19)
    both = flat_chain(
        spot=SPOT,
        as_of=at,
        series=(("SPX", friday, Settlement.AM), ("SPXW", friday, Settlement.PM)),
        strikes=STRIKES,
    )
    report = trade_ideas(inputs(at, chain=both), IdeaParams())
    assert report.ideas
    assert all(g.root == "SPXW" for i in report.ideas for g in i.legs)
    late = et(2024, 4, 18, 11, 0)
    am_only = flat_chain(
        spot=SPOT, as_of=late, series=(("SPX", friday, Settlement.AM),), strikes=STRIKES
    )
    report = trade_ideas(inputs(late, chain=am_only), IdeaParams())
    assert report.ideas == ()  # 5 trading hours left before Thursday's close, 9.4 needed


def test_spx_levels_translate_to_spy_with_the_live_ratio() -> None:
    at = et(2024, 4, 1, 11, 0)
    report = trade_ideas(inputs(at, companion_spot=498.0, companion_ratio_ref=10.0), IdeaParams())
    text = report.ideas[0].rationale
    ratio = SPOT / 498.0
    expect = f"target {5060.0 / ratio:,.2f}"
    assert any(f"live ratio {ratio:.4f}" in r and expect in r for r in text)
    assert any("ETF-vs-index drift" in r for r in text)
    no_companion = trade_ideas(inputs(at), IdeaParams())
    assert any("SPX/SPY translation" in s for s in no_companion.skipped)


def test_sector_data_scales_conviction_only_when_given() -> None:
    at = et(2024, 4, 1, 11, 0)
    base = trade_ideas(inputs(at), IdeaParams())
    assert any("sector rotation: no sector data" in s for s in base.skipped)
    tail = trade_ideas(inputs(at, sector=SectorData(score=1.0, description="broad")), IdeaParams())
    assert not any("sector rotation" in s for s in tail.skipped)
    assert tail.ideas[0].conviction == pytest.approx(base.ideas[0].conviction * 1.1)
    against = trade_ideas(
        inputs(at, sector=SectorData(score=-1.0, description="weak")), IdeaParams()
    )
    assert against.ideas[0].conviction == pytest.approx(base.ideas[0].conviction * 0.9)
    bear = trade_ideas(inputs(at, direction=-0.4), IdeaParams())
    bear_rally = trade_ideas(
        inputs(at, direction=-0.4, sector=SectorData(score=1.0, description="broad")),
        IdeaParams(),
    )
    assert bear_rally.ideas[0].conviction == pytest.approx(bear.ideas[0].conviction * 0.9)


def test_conviction_uses_each_factor() -> None:
    at = et(2024, 4, 1, 11, 0)
    params = IdeaParams()
    base = trade_ideas(inputs(at), params).ideas[0]
    w = params.conviction
    # performance (prior 0.5) x 0.2 + signal 0.4 x 0.5 + mean level strength 0.55 x 0.3
    assert base.conviction == pytest.approx(0.5 * w.weight_performance + 0.4 * 0.5 + 0.55 * 0.3)
    no_levels = trade_ideas(inputs(at, levels=False), params).ideas[0]
    assert no_levels.conviction == pytest.approx(base.conviction - 0.55 * 0.3)
    stronger = trade_ideas(inputs(at, direction=0.5), params).ideas[0]
    assert stronger.conviction == pytest.approx(base.conviction + 0.1 * 0.5)
    record = {base.strategy.value: (30, 30)}
    learned = trade_ideas(inputs(at, track_record=record), params).ideas[0]
    perf = (30 + 0.5 * 20) / (30 + 20)
    assert learned.conviction == pytest.approx(base.conviction + (perf - 0.5) * 0.2)
    assert any("30/30" in r for r in learned.rationale)


def test_size_follows_the_account_risk() -> None:
    at = et(2024, 4, 1, 11, 0)
    a = trade_ideas(inputs(at), IdeaParams(account_usd=100_000, risk_per_idea=0.05)).ideas[0]
    b = trade_ideas(inputs(at), IdeaParams(account_usd=200_000, risk_per_idea=0.05)).ideas[0]
    c = trade_ideas(inputs(at), IdeaParams(account_usd=100_000, risk_per_idea=0.1)).ideas[0]
    assert a.size == math.floor(5_000 / a.max_loss)
    assert b.size == c.size == math.floor(10_000 / a.max_loss)
    tiny = trade_ideas(inputs(at), IdeaParams(account_usd=10_000, risk_per_idea=0.01))
    assert tiny.ideas == ()
    assert any("more than the budget" in s for s in tiny.skipped)
    spy = trade_ideas(
        inputs(at, companion_spot=500.0), IdeaParams(account_usd=10_000, risk_per_idea=0.01)
    )
    assert any("SPY carries about 1/10.00 of the notional" in s for s in spy.skipped)


def test_min_conviction_and_max_ideas() -> None:
    at = et(2024, 4, 1, 11, 0)
    none = trade_ideas(inputs(at), IdeaParams(min_conviction=0.99))
    assert none.ideas == ()
    assert any("below 0.99" in s for s in none.skipped)
    one = trade_ideas(inputs(at), IdeaParams(max_ideas=1))
    assert len(one.ideas) == 1
    assert any("beyond max_ideas" in s for s in one.skipped)


def test_iron_condor_shorts_sit_beyond_the_range() -> None:
    at = et(2024, 4, 1, 11, 0)
    report = trade_ideas(inputs(at, direction=0.0, volatility=-0.5), IdeaParams())
    condor = next(i for i in report.ideas if i.strategy is Strategy.IRON_CONDOR)
    lp, sp, sc, lc = condor.legs
    lo, hi = condor.underlying_plan.band or (0.0, 0.0)
    assert lo == pytest.approx(4965.0)
    assert hi == pytest.approx(5060.0 + 5.0)
    assert sp.strike <= lo
    assert sc.strike >= hi
    assert [g.quantity for g in condor.legs] == [1, -1, -1, 1]
    assert lp.strike < sp.strike < sc.strike < lc.strike
    assert condor.price.side == "credit"
    assert condor.max_profit == pytest.approx(-condor.price.net)


def test_straddle_strike_is_nearest_the_forward() -> None:
    at = et(2024, 4, 1, 11, 0)
    report = trade_ideas(inputs(at, direction=0.0, volatility=0.7), IdeaParams())
    straddle = next(i for i in report.ideas if i.strategy is Strategy.LONG_STRADDLE)
    call, put = straddle.legs
    assert call.strike == put.strike == 5000.0
    assert straddle.max_loss == pytest.approx(straddle.price.net)
    assert straddle.max_profit == math.inf


def test_calendar_prices_the_far_leg_and_says_so() -> None:
    at = et(2024, 4, 1, 10, 0)
    series = (*SERIES, ("SPXW", dt.date(2024, 4, 8), Settlement.PM))
    chain = flat_chain(spot=SPOT, as_of=at, series=series, strikes=STRIKES)
    report = trade_ideas(inputs(at, direction=0.0, decay=0.4, chain=chain), IdeaParams())
    cal = next(i for i in report.ideas if i.strategy is Strategy.CALENDAR)
    near, far = cal.legs
    assert near.quantity == -1
    assert far.quantity == 1
    assert near.strike == far.strike == 5000.0
    assert (near.expiry, far.expiry) == (MON, dt.date(2024, 4, 8))
    assert cal.pop is not None
    assert len(cal.breakevens) == 2
    assert any("Black-Scholes-Merton at its own IV" in r for r in cal.rationale)
    # At the near expiry, at the strike: the far call's model value minus the debit.
    t_left = t_to(dt.date(2024, 4, 8), et(2024, 4, 1, 16, 0))
    far_value = 100 * bs.price(True, 5000.0, 5000.0, t_left, SIGMA, RATE, 0.0)
    assert cal.max_profit == pytest.approx(far_value - cal.price.net, rel=1e-3)


def _signal(
    name: str, family: SignalFamily, direction: int, score: float, at: dt.datetime
) -> Signal:
    return Signal(
        family=family,
        name=name,
        direction=direction,
        score=score,
        strength=abs(score),
        stars=3,
        ts_event=at,
        claim=Claim(kind=ClaimKind.DIRECTION, horizon=Horizon.CLOSE, direction=direction),
    )


def test_rationale_names_the_signals_that_back_the_idea() -> None:
    at = et(2024, 4, 1, 11, 0)
    signals = (
        _signal("directional.composite", SignalFamily.DIRECTIONAL, 1, 0.6, at),
        _signal("complex.sdag_conviction", SignalFamily.COMPLEX, 1, 0.4, at),
        _signal("directional.flow", SignalFamily.DIRECTIONAL, -1, -0.7, at),
        _signal("volatility.expansion", SignalFamily.VOLATILITY, 1, 0.5, at),
    )
    idea = trade_ideas(inputs(at, signals=signals), IdeaParams()).ideas[0]
    assert idea.signals == ("directional.composite", "complex.sdag_conviction")
    assert any("directional.composite: score +0.60" in r for r in idea.rationale)
    assert not any("directional.flow" in r for r in idea.rationale)


def test_json_has_every_key_and_is_strict() -> None:
    at = et(2024, 4, 1, 11, 0)
    out = ideas_to_json(trade_ideas(inputs(at, direction=0.8), IdeaParams()))
    keys = {
        "strategy", "direction", "legs", "price", "max_profit", "max_loss", "breakevens",
        "greeks", "underlying", "position", "size", "conviction", "stars", "pop", "ev",
        "vehicle", "rationale", "idea_id", "horizon_end",
    }  # fmt: skip
    assert out
    assert keys <= set(out[0])
    assert set(out[0]["legs"][0]) == {
        "root", "expiry", "strike", "right", "quantity", "bid", "ask", "mid", "iv", "delta"
    }  # fmt: skip
    assert {"net", "side", "fill"} <= set(out[0]["price"])
    text = json.dumps(out, allow_nan=False)
    assert '"inf"' in text  # the long call's unbounded max profit


def test_idea_id_is_deterministic() -> None:
    at = et(2024, 4, 1, 11, 0)
    a = trade_ideas(inputs(at), IdeaParams()).ideas[0]
    b = trade_ideas(inputs(at), IdeaParams()).ideas[0]
    assert a.idea_id == b.idea_id
    assert len(a.idea_id) == 16


def test_bad_inputs_name_what_is_wrong() -> None:
    at = et(2024, 4, 1, 11, 0)
    good = inputs(at)
    with pytest.raises(SchemaError, match="delta"):
        dataclasses.replace(good, contracts=good.contracts.drop("delta"))
    with pytest.raises(SchemaError, match="atr"):
        dataclasses.replace(good, atr=0.0)
    with pytest.raises(SchemaError, match="ts_event"):
        dataclasses.replace(good, ts_event=dt.datetime(2024, 4, 1, 11))  # noqa: DTZ001
    with pytest.raises(SchemaError, match="wins"):
        dataclasses.replace(good, track_record={"long_call": (5, 3)})
    with pytest.raises(SchemaError, match="companion_spot"):
        dataclasses.replace(good, companion_spot=-1.0)
    with pytest.raises(SchemaError, match="spot"):
        dataclasses.replace(good, spot=float("nan"))
    with pytest.raises(ValueError, match="sector score"):
        SectorData(score=1.5, description="x")


def test_params_refuse_inconsistent_values() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="iv_tolerance"):
        IdeaParams.model_validate({"density": {"iv_tolerance": (0.05, 0.001)}})
    with pytest.raises(ValidationError, match="extra"):
        IdeaParams.model_validate({"acount_usd": 1.0})
    with pytest.raises(ValidationError):
        IdeaParams(fill="last")  # type: ignore[arg-type]
