"""The lifecycle on hand-built scenarios, snapshot by snapshot, with hand-computed prices."""

from __future__ import annotations

import dataclasses
import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eots.core.errors import ReplayError
from eots.core.types import Settlement
from eots.ideas.model import Direction
from eots.tracking import (
    Book,
    EntryFilled,
    Event,
    EvidenceItem,
    ExitReason,
    Expired,
    FillModel,
    IdeaClosed,
    IdeaProposed,
    Marked,
    OutcomeScored,
    PartialExit,
    Settled,
    SettlementPrint,
    Status,
    StopAdjusted,
    StopHit,
    TargetHit,
    TimeExit,
    TrackingParams,
    TrailAdvanced,
    WeightGroup,
    advance,
    event_from_json,
    event_to_json,
    fold,
)
from tracking_builders import (
    AM_OPEN,
    EXPIRY,
    PM_CLOSE,
    T0,
    at,
    idea,
    leg,
    marks,
    quotes,
    session,
    spread_quotes,
)

FULL = TrackingParams(partial_fraction=0.0)


def _kinds(events: tuple[Event, ...]) -> list[str]:
    return [type(e).__name__ for e in events]


def _open(params: TrackingParams = FULL) -> Book:
    book, _ = advance(Book(), marks(T0, spread_quotes((10.0, 10.4), (6.0, 6.3))), (idea(),), params)
    return book


def test_scenario_target_hit_pnl_equals_hand_computation() -> None:
    book = Book()
    book, ev = advance(book, marks(T0, spread_quotes((10.0, 10.4), (6.0, 6.3))), (idea(),), FULL)
    assert _kinds(ev) == ["IdeaProposed", "EntryFilled", "Marked"]
    fill = ev[1]
    assert isinstance(fill, EntryFilled)
    # buy the 5000 call at its ask 10.40, sell the 5010 call at its bid 6.00: 4.40 x 100
    assert fill.price.bid_ask == pytest.approx(440.0)
    assert fill.price.mid == pytest.approx(405.0)  # 10.20 - 6.15
    # two legs: f = 0.4 of the half spread: (10.20 + 0.4 * 0.20) - (6.15 - 0.4 * 0.15)
    assert fill.price.spread_fraction == pytest.approx(419.0)
    mark = ev[2]
    assert isinstance(mark, Marked)
    assert mark.marks[0].mfe == pytest.approx(-70.0)  # sell 10.00, buy back 6.30: 370 - 440

    book, ev = advance(book, marks(at(30), spread_quotes((13.0, 13.4), (6.8, 7.1))), (), FULL)
    assert _kinds(ev) == ["Marked"]  # 13.00 - 7.10 = 590 < 600 target

    book, ev = advance(book, marks(at(60), spread_quotes((15.0, 15.4), (8.2, 8.5))), (), FULL)
    assert _kinds(ev) == ["TargetHit", "Marked", "IdeaClosed", "OutcomeScored"]
    hit = ev[0]
    assert isinstance(hit, TargetHit)
    assert hit.price.bid_ask == pytest.approx(650.0)  # sell 15.00, buy back 8.50
    scored = ev[3]
    assert isinstance(scored, OutcomeScored)
    out = scored.outcome
    assert out is not None
    assert out.pnl_bidask == pytest.approx(650.0 - 440.0)
    assert out.pnl_mid == pytest.approx((15.2 - 8.35) * 100 - 405.0)
    assert out.pnl_spread_fraction == pytest.approx((15.12 - 8.41) * 100 - 419.0)
    assert out.r_multiple == pytest.approx(210.0 / 440.0)
    assert out.mfe == pytest.approx(210.0)
    assert out.mae == pytest.approx(-70.0)
    assert out.minutes_held == pytest.approx(60.0)
    assert out.minutes_to_target == pytest.approx(60.0)
    assert out.minutes_to_stop is None
    assert out.exit_reason is ExitReason.TARGET
    assert book.positions == {}
    assert book.outcomes == (out,)


def test_partial_exit_then_extended_target() -> None:
    params = TrackingParams()  # partial 0.5, extended target 2x
    book = _open(params)
    book, ev = advance(book, marks(at(60), spread_quotes((15.0, 15.4), (8.2, 8.5))), (), params)
    assert _kinds(ev) == ["PartialExit", "StopAdjusted", "Marked"]
    part, adj = ev[0], ev[1]
    assert isinstance(part, PartialExit)
    assert isinstance(adj, StopAdjusted)
    assert part.fraction == pytest.approx(0.5)
    assert adj.new_stop == pytest.approx(440.0)  # breakeven
    assert adj.new_target == pytest.approx(440.0 + 2 * (600.0 - 440.0))
    # 740 < 760: nothing; the trail (0.5 x 160 = 80 below 740 = 660) advances
    book, ev = advance(book, marks(at(70), spread_quotes((15.9, 16.0), (8.4, 8.5))), (), params)
    assert _kinds(ev) == ["TrailAdvanced", "Marked"]
    book, ev = advance(book, marks(at(80), spread_quotes((16.5, 16.6), (8.6, 8.7))), (), params)
    assert _kinds(ev) == ["TargetHit", "Marked", "IdeaClosed", "OutcomeScored"]
    out = ev[-1].outcome  # type: ignore[union-attr]
    assert out is not None
    assert out.pnl_bidask == pytest.approx(0.5 * 650.0 + 0.5 * 780.0 - 440.0)


def test_trailing_stop_without_atr_then_hit() -> None:
    params = TrackingParams()
    book = _open(params)
    book, _ = advance(book, marks(at(60), spread_quotes((15.0, 15.4), (8.2, 8.5))), (), params)
    book, ev = advance(book, marks(at(70), spread_quotes((15.5, 15.6), (8.4, 8.5))), (), params)
    trail = ev[0]
    assert isinstance(trail, TrailAdvanced)
    assert trail.distance == pytest.approx(0.5 * (600.0 - 440.0))
    assert trail.new_stop == pytest.approx(700.0 - 80.0)
    book, ev = advance(book, marks(at(80), spread_quotes((14.6, 14.7), (8.4, 8.5))), (), params)
    stop = ev[0]
    assert isinstance(stop, StopHit)
    assert stop.trailing
    out = ev[-1].outcome  # type: ignore[union-attr]
    assert out is not None
    assert out.exit_reason is ExitReason.TRAIL
    assert out.pnl_bidask == pytest.approx(0.5 * 650.0 + 0.5 * 610.0 - 440.0)


def test_trailing_distance_adapts_to_atr() -> None:
    params = TrackingParams()
    book = _open(params)
    book, _ = advance(book, marks(at(60), spread_quotes((15.0, 15.4), (8.2, 8.5))), (), params)
    # ATR 2 $ x |delta| 20 x 1.5 = 60 $ below the 700 value
    q = spread_quotes((15.5, 15.6), (8.4, 8.5))
    book, ev = advance(book, marks(at(70), q, atr=2.0), (), params)
    trail = ev[0]
    assert isinstance(trail, TrailAdvanced)
    assert trail.distance == pytest.approx(60.0)
    assert trail.new_stop == pytest.approx(640.0)


@pytest.mark.parametrize(
    ("long", "short"),
    [((10.0, 10.4), (6.5, 6.3)), ((None, 10.4), (6.0, 6.3)), ((10.0, None), (6.0, 6.3))],
    ids=["crossed", "missing-bid", "missing-ask"],
)
def test_crossed_or_missing_quote_blocks_the_fill(
    long: tuple[float | None, float | None], short: tuple[float, float]
) -> None:
    frame = quotes([("SPXW", 5000.0, "C", *long), ("SPXW", 5010.0, "C", *short)])
    book, ev = advance(Book(), marks(T0, frame), (idea(),), FULL)
    assert _kinds(ev) == ["IdeaProposed", "Marked"]
    assert book.positions["idea-1"].status is Status.PROPOSED
    book, ev = advance(book, marks(at(5), spread_quotes((10.1, 10.5), (6.0, 6.3))), (), FULL)
    fill = ev[0]
    assert isinstance(fill, EntryFilled)
    assert fill.price.bid_ask == pytest.approx(450.0)  # the later snapshot's asks/bids


def test_unlisted_leg_blocks_the_fill() -> None:
    frame = quotes([("SPXW", 5000.0, "C", 10.0, 10.4)])
    _, ev = advance(Book(), marks(T0, frame), (idea(),), FULL)
    assert _kinds(ev) == ["IdeaProposed", "Marked"]


def test_entry_waits_for_next_snapshot_when_configured() -> None:
    params = TrackingParams(partial_fraction=0.0, entry_on_proposal=False)
    q = spread_quotes((10.0, 10.4), (6.0, 6.3))
    book, ev = advance(Book(), marks(T0, q), (idea(),), params)
    assert _kinds(ev) == ["IdeaProposed", "Marked"]
    _, ev = advance(book, marks(at(1), q), (), params)
    assert isinstance(ev[0], EntryFilled)


def test_position_stop_hit() -> None:
    book = _open()
    _, ev = advance(book, marks(at(10), spread_quotes((8.0, 8.4), (5.4, 5.6))), (), FULL)
    stop = ev[0]
    assert isinstance(stop, StopHit)
    assert stop.trigger == "position"
    assert not stop.trailing
    assert stop.price.bid_ask == pytest.approx(240.0)
    out = ev[-1].outcome  # type: ignore[union-attr]
    assert out is not None
    assert out.pnl_bidask == pytest.approx(-200.0)
    assert out.minutes_to_stop == pytest.approx(10.0)


def _bars(rows: list[tuple[float, float, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ts": [at(m) for m, _, _ in rows],
            "high": [h for _, h, _ in rows],
            "low": [lo for _, _, lo in rows],
            "close": [(h + lo) / 2 for _, h, lo in rows],
        },
        schema={
            "ts": pl.Datetime("us", "UTC"),
            "high": pl.Float64,
            "low": pl.Float64,
            "close": pl.Float64,
        },
    )


def test_underlying_stop_on_a_bar_between_snapshots_exits_at_next_quotes() -> None:
    book = _open()
    bars = _bars([(1, 5003.0, 5000.0), (2, 5001.0, 4989.5), (3, 5020.0, 4995.0)])
    q = spread_quotes((10.0, 10.4), (6.0, 6.3))
    _, ev = advance(book, marks(at(5), q, spot=5001.0, bars=bars), (), FULL)
    stop = ev[0]
    assert isinstance(stop, StopHit)
    assert stop.trigger == "underlying"
    assert stop.ts_trigger == at(2)
    assert stop.price.bid_ask == pytest.approx(370.0)  # this snapshot's bid/ask


def test_bar_touching_both_counts_as_stop() -> None:
    book = _open()
    bars = _bars([(1, 5016.0, 4989.0)])
    q = spread_quotes((10.0, 10.4), (6.0, 6.3))
    _, ev = advance(book, marks(at(5), q, bars=bars), (), FULL)
    assert isinstance(ev[0], StopHit)


def test_underlying_target_on_snapshot_spot() -> None:
    book = _open()
    q = spread_quotes((11.0, 11.4), (6.0, 6.3))
    _, ev = advance(book, marks(at(5), q, spot=5016.0), (), FULL)
    hit = ev[0]
    assert isinstance(hit, TargetHit)
    assert hit.trigger == "underlying"


def test_time_exit_at_horizon_end() -> None:
    q = spread_quotes((10.0, 10.4), (6.0, 6.3))
    book, _ = advance(Book(), marks(T0, q), (idea(horizon_end=at(90)),), FULL)
    book, ev = advance(book, marks(at(60), q), (), FULL)
    assert _kinds(ev) == ["Marked"]
    _, ev = advance(book, marks(at(90), spread_quotes((11.0, 11.2), (6.0, 6.3))), (), FULL)
    ex = ev[0]
    assert isinstance(ex, TimeExit)
    assert ex.price.bid_ask == pytest.approx(470.0)
    out = ev[-1].outcome  # type: ignore[union-attr]
    assert out is not None
    assert out.exit_reason is ExitReason.TIME


def test_pm_settlement_at_the_close_print() -> None:
    book = _open()
    gone = quotes([])
    book, ev = advance(book, marks(PM_CLOSE, gone, spot=5007.0), (), FULL)
    assert _kinds(ev) == ["Marked"]  # no print yet: waits, no exit on missing quotes
    pm = SettlementPrint(underlying="SPX", session=EXPIRY, style=Settlement.PM, price=5007.0)
    later = PM_CLOSE + dt.timedelta(minutes=5)
    _, ev = advance(book, marks(later, gone, settlements=(pm,)), (), FULL)
    settled = ev[0]
    assert isinstance(settled, Settled)
    assert settled.style is Settlement.PM
    assert settled.ts_trigger == PM_CLOSE
    assert settled.price.bid_ask == pytest.approx(700.0)  # 5000 call 7 in the money, 5010 out
    assert settled.price.mid == pytest.approx(700.0)
    out = ev[-1].outcome  # type: ignore[union-attr]
    assert out is not None
    assert out.pnl_bidask == pytest.approx(260.0)
    assert out.exit_reason is ExitReason.SETTLEMENT


def test_am_series_settles_at_the_opening_print_not_the_close() -> None:
    day_before = dt.datetime(2024, 3, 14, 19, 0, tzinfo=dt.UTC)
    legs = (
        leg("SPX", 5000.0, "C", 1, 10.0, 10.4, expiry_ts=AM_OPEN),
        leg("SPX", 5010.0, "C", -1, 6.0, 6.3, expiry_ts=AM_OPEN),
    )
    q = quotes([("SPX", 5000.0, "C", 10.0, 10.4), ("SPX", 5010.0, "C", 6.0, 6.3)])
    book, ev = advance(
        Book(), marks(day_before, q), (idea(legs=legs, ts=day_before, horizon_end=AM_OPEN),), FULL
    )
    assert isinstance(ev[1], EntryFilled)
    pm_prev = SettlementPrint(
        underlying="SPX", session=EXPIRY - dt.timedelta(days=1), style=Settlement.PM, price=5020.0
    )
    pm_same = SettlementPrint(underlying="SPX", session=EXPIRY, style=Settlement.PM, price=5020.0)
    after_open = AM_OPEN + dt.timedelta(minutes=15)
    book, ev = advance(
        book, marks(after_open, quotes([]), settlements=(pm_prev, pm_same)), (), FULL
    )
    assert _kinds(ev) == ["Marked"]  # no special opening quotation yet
    soq = SettlementPrint(underlying="SPX", session=EXPIRY, style=Settlement.AM, price=5012.0)
    _, ev = advance(
        book, marks(after_open + dt.timedelta(minutes=1), quotes([]), settlements=(soq,)), (), FULL
    )
    settled = ev[0]
    assert isinstance(settled, Settled)
    assert settled.style is Settlement.AM
    assert settled.settlement_price == 5012.0
    assert settled.price.bid_ask == pytest.approx(1200.0 - 200.0)


def test_unfilled_idea_expires_at_horizon() -> None:
    frame = quotes([("SPXW", 5000.0, "C", 10.0, 10.4)])
    book, _ = advance(Book(), marks(T0, frame), (idea(horizon_end=at(30)),), FULL)
    book, ev = advance(book, marks(at(30), frame), (), FULL)
    assert isinstance(ev[0], Expired)
    assert book.positions == {}
    assert "idea-1" in book.closed_ids
    # a re-proposal of a finished idea is ignored
    _, ev = advance(book, marks(at(31), frame), (idea(horizon_end=at(60)),), FULL)
    assert _kinds(ev) == ["Marked"]


def test_snapshot_at_or_before_last_processed_is_ignored() -> None:
    book = _open()
    again, ev = advance(book, marks(T0, spread_quotes((20.0, 20.4), (6.0, 6.3))), (), FULL)
    assert ev == ()
    assert again is book
    _, ev = advance(book, marks(T0 - dt.timedelta(minutes=1), quotes([])), (), FULL)
    assert ev == ()


def test_look_ahead_inputs_are_refused() -> None:
    q = spread_quotes((10.0, 10.4), (6.0, 6.3))
    with pytest.raises(ReplayError, match="from after"):
        advance(Book(), marks(T0, q), (idea(ts=at(1)),), FULL)
    late = EvidenceItem(group=WeightGroup.LEVEL_KIND, name="call_wall", hit=True, observed_at=at(1))
    with pytest.raises(ReplayError, match="evidence level_kind/call_wall"):
        advance(Book(), marks(T0, q, evidence=(late,)), (), FULL)
    with pytest.raises(ReplayError, match="bar at"):
        advance(Book(), marks(T0, q, bars=_bars([(1, 5000.0, 4999.0)])), (), FULL)
    with pytest.raises(ReplayError, match="lack columns"):
        advance(Book(), marks(T0, q.drop("ask")), (), FULL)


def _scenario() -> list[tuple[dt.datetime, pl.DataFrame, tuple[object, ...], float]]:
    base = spread_quotes((10.0, 10.4), (6.0, 6.3))
    return [
        (T0, base, (idea("a"), idea("b", stop=380.0)), 5002.0),
        (at(10), spread_quotes((12.0, 12.3), (6.5, 6.8)), (idea("c", ts=at(10)),), 5004.0),
        (at(20), spread_quotes((9.0, 9.4), (5.8, 6.0)), (), 4998.0),
        (at(30), spread_quotes((15.0, 15.4), (8.2, 8.5)), (idea("d", ts=at(30)),), 5008.0),
        (at(40), spread_quotes((15.5, 15.6), (8.4, 8.5)), (), 5009.0),
        (at(50), spread_quotes((14.6, 14.7), (8.4, 8.5)), (), 5007.0),
        (at(60), spread_quotes((17.0, 17.2), (8.6, 8.8)), (), 5011.0),
    ]


def _run(steps: list, book: Book | None = None) -> tuple[Book, list[Event]]:  # type: ignore[type-arg]
    book = book or Book()
    log: list[Event] = []
    for ts, q, new, spot in steps:
        evidence = (
            EvidenceItem(group=WeightGroup.LEVEL_KIND, name="call_wall", hit=True, observed_at=ts),
        )
        book, ev = advance(book, marks(ts, q, spot=spot, evidence=evidence), new, TrackingParams())
        log += ev
    return book, log


def test_fold_of_the_events_equals_the_advanced_book() -> None:
    book, log = _run(_scenario())
    assert len({type(e) for e in log}) >= 9
    assert fold(log) == book
    # and through the storage serialisation
    assert fold(event_from_json(event_to_json(e)) for e in log) == book


def test_restart_in_the_middle_gives_the_same_log() -> None:
    steps = _scenario()
    _, uninterrupted = _run(steps)
    _, first = _run(steps[:3])
    restored = fold(event_from_json(event_to_json(e)) for e in first)
    # a restart replays from the beginning: processed snapshots are skipped (de-duplicated)
    _, rest = _run(steps, restored)
    assert [event_to_json(e) for e in first + rest] == [event_to_json(e) for e in uninterrupted]


def test_every_event_carries_snapshot_time_and_fingerprint() -> None:
    _, log = _run(_scenario())
    times = {ts for ts, *_ in _scenario()}
    assert all(e.ts_event in times and e.fingerprint == "cfg-test" for e in log)
    proposed = [e for e in log if isinstance(e, IdeaProposed)]
    assert [e.idea_id for e in proposed] == ["a", "b", "c", "d"]
    assert sum(isinstance(e, IdeaClosed) for e in log) >= 2


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (idea(legs=()), "no legs"),
        (idea(target=200.0, stop=250.0), "position target 200.0 not above its stop 250.0"),
        (idea(plan=(5000.0, 4990.0, 4990.0)), "underlying plan target = stop"),
        (idea(horizon_end=T0), "horizon_end"),
    ],
    ids=["no-legs", "target-below-stop", "flat-plan", "horizon"],
)
def test_ideas_that_cannot_be_tracked_are_refused(bad: object, message: str) -> None:
    q = spread_quotes((10.0, 10.4), (6.0, 6.3))
    with pytest.raises(ReplayError, match=f"idea-1.*{message}"):
        advance(Book(), marks(T0, q), (bad,), FULL)  # type: ignore[arg-type]


def test_params_refuse_bad_values() -> None:
    from pydantic import ValidationError

    from eots.tracking import LearningParams

    with pytest.raises(ValidationError, match=r"spread fractions in 0\.\.1"):
        TrackingParams(spread_fraction_by_legs=(0.5, 1.5))
    with pytest.raises(ValidationError, match="conviction_mapping"):
        LearningParams(conviction_mapping=(0.5, 0.3, 0.3))
    with pytest.raises(ValidationError):
        LearningParams(performance_tracking_window=5000)
    with pytest.raises(ValidationError):
        TrackingParams(unknown=1)
    assert TrackingParams().spread_fraction(7) == 0.3


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), cut=st.integers(1, 29))
def test_fold_and_restart_hold_on_random_sessions(seed: int, cut: int) -> None:
    steps = session(30, seed)
    book, log = Book(), list[Event]()
    for m, new in steps:
        book, ev = advance(book, m, new, TrackingParams())
        log += ev
    assert fold(log) == book
    # restart after `cut` snapshots from the fold of what was logged by then
    first = [e for e in log if e.ts_event < steps[cut][0].ts_event]
    restored = fold(first)
    rest: list[Event] = []
    for m, new in steps:
        restored, ev = advance(restored, m, new, TrackingParams())
        rest += ev
    assert first + rest == log
    assert restored == book


def test_neutral_idea_ignores_the_underlying_plan() -> None:
    neutral = dataclasses.replace(idea(), direction=Direction.NEUTRAL)
    q = spread_quotes((10.0, 10.4), (6.0, 6.3))
    book, _ = advance(Book(), marks(T0, q), (neutral,), FULL)
    _, ev = advance(book, marks(at(5), q, spot=4980.0), (), FULL)  # beyond the plan's stop
    assert _kinds(ev) == ["Marked"]
    bullish = _open()
    _, ev = advance(bullish, marks(at(5), q, spot=4980.0), (), FULL)
    assert isinstance(ev[0], StopHit)


def test_extended_target_never_beyond_the_best_value() -> None:
    capped = dataclasses.replace(idea(), max_profit=250.0)
    q = spread_quotes((10.0, 10.4), (6.0, 6.3))
    book, _ = advance(Book(), marks(T0, q), (capped,), TrackingParams())
    _, ev = advance(
        book, marks(at(60), spread_quotes((15.0, 15.4), (8.2, 8.5))), (), TrackingParams()
    )
    adj = ev[1]
    assert isinstance(adj, StopAdjusted)
    assert adj.new_target == pytest.approx(440.0 + 250.0)


def test_bars_before_the_entry_do_not_trigger() -> None:
    q = spread_quotes((10.0, 10.4), (6.0, 6.3))
    book, _ = advance(Book(), marks(T0, q), (idea(ts=T0),), FULL)
    # a bar at the entry time itself (not after it) touching the stop is ignored
    bars = _bars([(0, 5001.0, 4980.0), (3, 5004.0, 5000.0)])
    _, ev = advance(book, marks(at(5), q, bars=bars), (), FULL)
    assert _kinds(ev) == ["Marked"]


def test_an_idea_of_another_underlying_is_refused() -> None:
    spy = dataclasses.replace(idea(), underlying="SPY")
    with pytest.raises(ReplayError, match="underlying SPY, the snapshot's is SPX"):
        advance(Book(), marks(T0, spread_quotes((10.0, 10.4), (6.0, 6.3))), (spy,), FULL)


def test_fill_model_chooses_the_value_that_triggers() -> None:
    q0, q1 = spread_quotes((10.0, 10.4), (6.0, 6.3)), spread_quotes((13.0, 13.4), (6.8, 7.1))
    for model, kinds in (
        (FillModel.BID_ASK, ["Marked"]),  # 590 at bid/ask: below the 600 target
        (FillModel.MID, ["TargetHit", "Marked", "IdeaClosed", "OutcomeScored"]),  # 625 at mid
    ):
        params = TrackingParams(partial_fraction=0.0, fill_model=model)
        book, _ = advance(Book(), marks(T0, q0), (idea(),), params)
        _, ev = advance(book, marks(at(30), q1), (), params)
        assert _kinds(ev) == kinds
        if model is FillModel.MID:
            out = ev[-1].outcome  # type: ignore[union-attr]
            assert out is not None
            assert out.pnl_bidask == pytest.approx(590.0 - 440.0)  # still reported at bid/ask


def test_duplicate_quotes_of_an_open_leg_are_refused() -> None:
    q = spread_quotes((10.0, 10.4), (6.0, 6.3))
    with pytest.raises(ReplayError, match="more than once"):
        advance(Book(), marks(T0, pl.concat([q, q.head(1)])), (idea(),), FULL)


def test_entry_waits_while_the_price_ran_away() -> None:
    # the idea was priced at 440 with max loss 440: tolerance 0.1 -> fill up to 484
    q0 = quotes([("SPXW", 5000.0, "C", 10.0, 10.4)])  # short leg unquoted: no fill
    start, _ = advance(Book(), marks(T0, q0), (idea(),), FULL)
    book, ev = advance(start, marks(at(5), spread_quotes((10.9, 11.0), (6.0, 6.1))), (), FULL)
    assert _kinds(ev) == ["Marked"]  # 500 > 484
    _, ev = advance(book, marks(at(10), spread_quotes((10.7, 10.8), (6.0, 6.1))), (), FULL)
    assert isinstance(ev[0], EntryFilled)  # 480 <= 484
    anyway = TrackingParams(partial_fraction=0.0, entry_tolerance=None)
    _, ev = advance(start, marks(at(5), spread_quotes((10.9, 11.0), (6.0, 6.1))), (), anyway)
    assert isinstance(ev[0], EntryFilled)


def test_an_idea_with_unbounded_profit_reads_back_from_its_json() -> None:
    # a long call's max_profit is +inf and an unknown one NaN: both must survive the log
    for value in (float("inf"), float("nan")):
        proposed = IdeaProposed(
            ts_event=dt.datetime(2024, 3, 11, 14, 30, tzinfo=dt.UTC),
            ts_init=1,
            snapshot_id="s1",
            fingerprint="f",
            idea_id="i1",
            idea=dataclasses.replace(idea(), max_profit=value),
        )
        back = event_from_json(event_to_json(proposed))
        assert isinstance(back, IdeaProposed)
        restored = back.idea.max_profit
        assert restored == value or (restored != restored and value != value)
