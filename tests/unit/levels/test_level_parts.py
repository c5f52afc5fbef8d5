"""Hand-built known answers for the level parts: walls, clusters, interaction, persistence,
thresholds, strength and conviction bounds."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from eots.levels import (
    Evidence,
    KeyLevels,
    Level,
    LevelKind,
    LevelParams,
    SessionSummary,
    Timeframe,
    gamma_walls,
    positioning_change,
)
from eots.levels.clusters import cluster_groups, cluster_level
from eots.levels.conviction import MetricGrid, alignment, alignments, conviction, metric_weights
from eots.levels.interaction import bar_interaction, path_interaction
from eots.levels.params import ConvictionParams, MultiTimeframeParams, WallParams
from eots.levels.persistence import carry_forward
from eots.levels.strength import sr_strength
from eots.levels.thresholds import condition_factor, conviction_threshold, mspi_threshold
from eots.levels.timeframes import intraday_levels, strike_mspi
from eots.levels.wall_levels import wall_levels

T0 = dt.datetime(2024, 3, 13, 15, 0, tzinfo=dt.UTC)


def _level(price: float, kind: LevelKind = LevelKind.SUPPORT, **kw: object) -> Level:
    base: dict[str, object] = {
        "price": price,
        "kind": kind,
        "timeframe": Timeframe.INTRADAY,
        "strength": 0.5,
        "first_seen": T0,
        "last_seen": T0,
    }
    base.update(kw)
    return Level(**base)  # type: ignore[arg-type]


def _by_strike(rows: list[tuple[float, float, float, float]]) -> pl.DataFrame:
    """(strike, net_gex, dex, gex_volm)."""
    f = pl.DataFrame(rows, schema=["strike", "net_gex", "dex", "gex_volm"], orient="row")
    return f.with_columns(abs_gex=pl.col("net_gex").abs())


def _keys(levels: list[Level]) -> list[tuple[str, float]]:
    return [(lv.kind.value, lv.price) for lv in levels]


def test_wall_levels_known_walls_secondary_floor_and_neutral_strength() -> None:
    f = _by_strike(
        [
            (4900.0, -10.0, 0.0, 0.0),  # put wall
            (4950.0, -7.0, 0.0, 0.0),  # runner-up: C = 0.8*0.7 = 0.56 < 0.6: dropped
            (5000.0, 2.0, 0.0, 0.0),
            (5050.0, 9.5, 0.0, 0.0),  # runner-up call wall: 0.8*0.95 = 0.76 -> secondary
            (5100.0, 10.0, 0.0, 0.0),  # call wall
        ]
    )
    walls = gamma_walls(f, 5000.0, runners_up=2)
    pos = positioning_change(f, None, None)
    out = wall_levels(walls, f, pos, (None, None), T0, WallParams())
    kinds = _keys(out)
    assert ("call_wall", 5100.0) in kinds
    assert ("put_wall", 4900.0) in kinds
    assert ("secondary_call_wall", 5050.0) in kinds
    assert ("secondary_put_wall", 4950.0) not in kinds
    cw = next(lv for lv in out if lv.kind is LevelKind.CALL_WALL)
    # No DEX anywhere, neutral positioning and flow: strength = 0.8 * 1 (gamma share only).
    assert cw.strength == pytest.approx(0.8)
    assert cw.value("positioning") == 0.5
    assert cw.value("flow") == 0.5


def test_wall_levels_positioning_growth_and_adverse_flow_move_strength() -> None:
    now = _by_strike([(5000.0, 10.0, 5.0, -10.0), (4900.0, -4.0, 5.0, 0.0)])
    prior = now.with_columns(net_gex=pl.when(pl.col("strike") == 5000.0).then(5.0).otherwise(-4.0))
    walls = gamma_walls(now, 4950.0, runners_up=0)
    pos = positioning_change(now, prior, None)
    cw = wall_levels(walls, now, pos, (4950.0, None), T0, WallParams())[0]
    p = 0.5 + 0.5 * math.tanh(0.5)
    fl = 0.5 + 0.5 * math.tanh(-1.0)
    assert cw.value("positioning") == pytest.approx(p)
    assert cw.value("flow") == pytest.approx(fl)
    assert cw.value("moved_from") == 4950.0
    assert cw.strength == pytest.approx(min(1.0, 1.0 * (0.5 + 0.4 * p + 0.6 * fl)))


def test_positioning_change_joins_strikes_missing_on_either_side() -> None:
    now = pl.DataFrame({"strike": [100.0, 105.0], "net_gex": [5.0, 2.0], "dex": [1.0, 3.0]})
    ref = pl.DataFrame({"strike": [95.0, 100.0], "net_gex": [1.0, 3.0], "dex": [2.0, 1.0]})
    out = positioning_change(now, ref, now)
    assert out.get_column("strike").to_list() == [95.0, 100.0, 105.0]
    assert out.get_column("d_net_gex_session").to_list() == [-1.0, 2.0, 2.0]
    assert out.get_column("d_dex_session").to_list() == [-2.0, 0.0, 3.0]
    assert out.get_column("d_net_gex_update").to_list() == [0.0, 0.0, 0.0]


def test_cluster_groups_measured_from_first_member_not_chained() -> None:
    assert cluster_groups([100.0, 101.5, 103.0, 104.0], 2.0) == [[0, 1], [2, 3]]
    assert cluster_groups([5.0, 1.0, 2.0], 1.0) == [[1, 2], [0]]


def test_cluster_level_zone_noisy_or_and_confluence() -> None:
    members = [
        _level(100.0, strength=0.5),
        _level(102.0, strength=0.5, timeframe=Timeframe.DAILY),
    ]
    c = cluster_level(members, T0, MultiTimeframeParams())
    assert (c.low, c.high, c.price) == (100.0, 102.0, 101.0)
    assert c.strength == pytest.approx(0.75)
    assert c.timeframe is Timeframe.MULTI
    assert c.value("confluence") == pytest.approx(0.8)


def test_path_interaction_counts_on_a_hand_built_path() -> None:
    # L = 100, tol = 0.2: approach from above, bounce (hold), come back, pass through (breach),
    # come back up through from below (breach), end inside the band (no test).
    p = np.array([104, 102, 100.1, 103, 101, 99.9, 97, 99, 100.0, 102, 100.05])
    got = path_interaction(100.0, p.astype(float), 2.0, 0.1)
    assert (got.tests, got.holds, got.breaches) == (3, 1, 2)


def test_path_interaction_jump_across_without_sample_in_band_is_a_breach() -> None:
    got = path_interaction(100.0, np.array([101.0, 99.0]), 1.0, 0.1)
    assert (got.tests, got.holds, got.breaches) == (1, 0, 1)
    assert got.reaction_atr == pytest.approx(-1.0)


def test_bar_interaction_counts_and_reactions() -> None:
    bars = pl.DataFrame(
        {
            "open": [102.0, 101.0, 99.0, 110.0],
            "high": [103.0, 101.5, 101.0, 111.0],
            "low": [99.8, 99.0, 98.0, 109.0],
            "close": [102.5, 99.5, 100.5, 110.5],
        }
    )
    got = bar_interaction(100.0, bars, 1.0, 0.0)
    # bar 0: from above, held (+2.5); bar 1: from above, breached (-0.5);
    # bar 2: from below, closed above: breached (-0.5); bar 3: no test.
    assert (got.tests, got.holds, got.breaches) == (3, 1, 2)
    assert got.reaction_atr == pytest.approx((2.5 - 0.5 - 0.5) / 3)
    assert got.factor(3) == pytest.approx(0.5 + 0.5 * (1 - 2) / 3)


def test_carry_forward_keeps_first_seen_counts_updates_and_resets_moved_levels() -> None:
    p = LevelParams()
    t1, t2, t3 = T0, T0 + dt.timedelta(minutes=5), T0 + dt.timedelta(minutes=10)

    def levels_at(ts: dt.datetime, wall: float) -> KeyLevels:
        return KeyLevels(
            as_of=ts,
            spot=5000.0,
            levels=(),
            conviction_threshold=0.7,
            mspi_threshold=0.3,
            metric_weights=(),
            positioning=pl.DataFrame(),
        )

    first = carry_forward(
        [_level(5100.0, LevelKind.CALL_WALL), _level(4900.0, LevelKind.PUT_WALL)], None, 1.0, t1
    )
    prev = dataclasses.replace(levels_at(t1, 5100.0), levels=tuple(first))
    second = carry_forward(
        [
            _level(5100.4, LevelKind.CALL_WALL, first_seen=t2, last_seen=t2),
            _level(4925.0, LevelKind.PUT_WALL, first_seen=t2, last_seen=t2),
        ],
        prev,
        1.0,
        t2,
    )
    assert [(lv.updates, lv.first_seen) for lv in second] == [(2, t1), (1, t2)]
    prev2 = dataclasses.replace(levels_at(t2, 5100.0), levels=tuple(second))
    third = carry_forward([_level(5100.0, LevelKind.CALL_WALL)], prev2, 1.0, t3)
    assert (third[0].updates, third[0].first_seen, third[0].last_seen) == (3, t1, t3)
    # A same-timeframe level of another kind at the same price does not match.
    other = carry_forward(
        [_level(5100.0, LevelKind.RESISTANCE, first_seen=t3, last_seen=t3)], prev2, 1.0, t3
    )
    assert other[0].updates == 1
    assert other[0].first_seen == t3
    # A new level built from older data (a prior session) keeps that data's time.
    older = carry_forward([_level(4800.0, LevelKind.PUT_WALL)], prev2, 1.0, t3)
    assert (older[0].updates, older[0].first_seen, older[0].last_seen) == (1, T0, t3)
    with pytest.raises(ValueError, match="previous levels"):
        carry_forward([], prev2, 1.0, t1)
    assert p.multi_timeframe.match_atr == 0.05


def test_thresholds_scale_with_iv_rank_and_stay_clipped() -> None:
    p = LevelParams()
    assert condition_factor(0.5, p.thresholds) == 1.0
    assert condition_factor(float("nan"), p.thresholds) == 1.0
    assert mspi_threshold(0.3, condition_factor(1.0, p.thresholds)) == pytest.approx(0.36)
    assert conviction_threshold(10.0, p.conviction_framework) == 0.95
    assert conviction_threshold(0.1, p.conviction_framework) == 0.5


def test_metric_weights_neutral_prior_then_track_record() -> None:
    cp = ConvictionParams(metrics=("mspi", "sai"))
    assert metric_weights(["sai", "mspi"], None, cp) == (("mspi", 0.5), ("sai", 0.5))
    record = pl.DataFrame(
        {
            "scope": ["metric", "metric"],
            "name": ["mspi", "sai"],
            "n": [80, 80],
            "hits": [70.0, 40.0],
        }
    )
    w = dict(metric_weights(["sai", "mspi"], record, cp))
    mspi, sai = (70 + 10) / 100, (40 + 10) / 100
    assert w["mspi"] == pytest.approx(mspi / (mspi + sai))


def test_alignment_signed_and_magnitude_metrics() -> None:
    sm = pl.DataFrame({"strike": [95.0, 100.0, 105.0], "mspi": [1.0, 0.5, -1.0], "sai": [1, 0, 1]})
    grid = MetricGrid(sm, ["mspi", "sai"])
    w = (("mspi", 0.5), ("sai", 0.5))
    assert alignment(_level(95.0), 100.0, grid, w) == pytest.approx(1.0)
    assert alignment(_level(105.0, LevelKind.SUPPORT), 100.0, grid, w) == pytest.approx(0.0)
    assert alignment(_level(105.0, LevelKind.RESISTANCE), 100.0, grid, w) == pytest.approx(1.0)
    assert alignment(_level(101.0), 100.0, grid, w) == pytest.approx(0.5 * 0.5 - 0.5 * 1.0)
    assert math.isnan(alignment(_level(100.0), 100.0, MetricGrid(None, []), w))


_KINDS = [LevelKind.SUPPORT, LevelKind.RESISTANCE, LevelKind.PUT_WALL, LevelKind.ZERO_GAMMA]


@given(
    values=st.lists(
        st.tuples(st.floats(-3, 3) | st.just(math.nan), st.floats(-1, 1) | st.just(math.nan)),
        min_size=1,
        max_size=8,
    ),
    prices=st.lists(
        st.tuples(st.floats(80.0, 130.0), st.sampled_from(_KINDS)), min_size=0, max_size=6
    ),
    saturation=st.sampled_from([1.0, 0.25]),
)
def test_alignments_are_alignment_of_each_level(
    values: list[tuple[float, float]],
    prices: list[tuple[float, LevelKind]],
    saturation: float,
) -> None:
    strikes = [95.0 + 5.0 * i for i in range(len(values))]
    sm = pl.DataFrame(
        {"strike": strikes, "mspi": [v[0] for v in values], "sai": [v[1] for v in values]}
    )
    grid = MetricGrid(sm, ["mspi", "sai"])
    w = (("mspi", 0.3), ("absent", 0.2), ("sai", 0.5))
    levels = [_level(p, k) for p, k in prices]
    got = alignments(levels, 100.0, grid, w, saturation).tolist()
    want = [alignment(lv, 100.0, grid, w, saturation) for lv in levels]
    assert len(got) == len(want)
    for g, e in zip(got, want, strict=True):
        assert (math.isnan(g) and math.isnan(e)) or g == e


def test_metric_grid_sorts_strikes_only_when_needed() -> None:
    cols = {"mspi": [0.5, -1.0, None, 0.25], "n": [1, 2, 3, 4]}
    ordered = MetricGrid(
        pl.DataFrame({"strike": [90.0, 95.0, 100.0, 105.0], **cols}), ["mspi", "n"]
    )
    shuffled = pl.DataFrame({"strike": [90.0, 95.0, 100.0, 105.0], **cols})[[2, 0, 3, 1]]
    other = MetricGrid(shuffled, ["mspi", "n"])
    np.testing.assert_array_equal(ordered.strikes, other.strikes)
    for m in ("mspi", "n"):
        np.testing.assert_array_equal(ordered.values[m], other.values[m])
    assert ordered.at(96.0) == other.at(96.0)


def test_strike_mspi_keeps_a_sorted_frame_and_sorts_any_other() -> None:
    sm = pl.DataFrame({"strike": [90.0, 95.0, 100.0, 105.0], "mspi": [0.5, None, -0.75, 0.25]})
    want = pl.DataFrame({"strike": [90.0, 100.0, 105.0], "mspi": [0.5, -0.75, 0.25]})
    assert_frame_equal(strike_mspi(sm), want)
    assert_frame_equal(strike_mspi(sm[[3, 1, 0, 2]]), want)
    twice = pl.DataFrame({"strike": [100.0, 90.0, 100.0], "mspi": [0.25, 0.5, -0.75]})
    assert_frame_equal(
        strike_mspi(twice), pl.DataFrame({"strike": [90.0, 100.0], "mspi": [0.5, -0.75]})
    )


def test_intraday_levels_keep_the_largest_mspi_per_side_within_the_band() -> None:
    p = LevelParams.model_validate({"multi_timeframe": {"max_per_side": 2, "band_pct": 0.1}})
    mspi = pl.DataFrame(
        {
            "strike": [80.0, 95.0, 97.0, 99.0, 101.0, 103.0, 105.0],
            "mspi": [0.9, 0.4, 0.7, 0.5, -0.3, -0.6, -0.1],
        }
    )
    got = intraday_levels(mspi, 100.0, 0.2, T0, p)
    assert _keys(got) == [
        ("support", 97.0),
        ("support", 99.0),
        ("resistance", 103.0),
        ("resistance", 101.0),
    ]
    assert [lv.value("mspi") for lv in got] == [0.7, 0.5, -0.6, -0.3]
    assert all(isinstance(lv.price, float) for lv in got)


unit = st.floats(0.0, 1.0)


@given(mspi=st.floats(-5, 5), persistence=unit, interaction=unit, conf=unit, peak=st.booleans())
def test_strength_is_the_weighted_sum_of_its_factors(
    mspi: float, persistence: float, interaction: float, conf: float, peak: bool
) -> None:
    lv = _level(
        100.0, timeframe=Timeframe.DAILY, evidence=Evidence.of(mspi=mspi, persistence=persistence)
    )
    p = MultiTimeframeParams()
    s, factors = sr_strength(lv, interaction, peak, conf, p)
    expected = (
        p.weight_mspi * min(1.0, abs(mspi))
        + p.weight_persistence * persistence
        + p.weight_interaction * interaction
        + p.weight_peak * float(peak)
        + p.weight_confluence * conf
    )
    assert s == pytest.approx(expected, abs=1e-12)  # the weights sum to 1: never clamped
    assert dict(factors) == {"peak": float(peak), "confluence": conf}


@pytest.mark.parametrize(
    ("change", "delta"),
    [
        ({"mspi": 0.0}, -0.35 * 0.6),
        ({"updates": 1}, -0.25 * (6 - 1) / 12),
        ({"interaction": 0.0}, -0.20 * 0.4),
        ({"peak": False}, -0.10),
        ({"confluence": 0.0}, -0.10 * 0.8),
    ],
)
def test_strength_intraday_known_answer_and_each_factor_counts(
    change: dict[str, object], delta: float
) -> None:
    args: dict[str, object] = {
        "mspi": 0.6,
        "updates": 6,
        "interaction": 0.4,
        "peak": True,
        "confluence": 0.8,
    }
    full = 0.35 * 0.6 + 0.25 * 6 / 12 + 0.20 * 0.4 + 0.10 * 1.0 + 0.10 * 0.8

    def strength(a: dict[str, object]) -> float:
        lv = _level(100.0, updates=a["updates"], evidence=Evidence.of(mspi=float(a["mspi"])))  # type: ignore[arg-type]
        conf = float(a["confluence"])  # type: ignore[arg-type]
        inter = float(a["interaction"])  # type: ignore[arg-type]
        return sr_strength(lv, inter, bool(a["peak"]), conf, MultiTimeframeParams())[0]

    assert strength(args) == pytest.approx(full)
    assert strength({**args, **change}) == pytest.approx(full + delta)


@pytest.mark.parametrize(
    ("change", "delta"),
    [
        ({"align": 0.0}, -0.4 * 0.6),
        ({"rate": 0.5}, -0.3 * 0.1),
        ({"interaction": 0.5}, +0.3 * 0.1),
        ({"updates": 12}, 0.3 * (1.0 - 3 / 12)),
    ],
)
def test_conviction_known_answer_and_each_factor_counts(
    change: dict[str, float], delta: float
) -> None:
    base = {"align": 0.6, "rate": 0.7, "interaction": 0.4, "updates": 3}

    def score(a: dict[str, float]) -> float:
        lv = _level(
            100.0, updates=int(a["updates"]), evidence=Evidence.of(interaction=a["interaction"])
        )
        return conviction(lv, a["align"], {"support": a["rate"]}, 12, ConvictionParams())[0]

    # every component informative: 0.4 max(0, A) + 0.3 max(0, 2 H - 1) + 0.3 persistence with
    # H = (0.7 + 0.4) / 2 = 0.55 and persistence 3 / 12
    full = 0.4 * 0.6 + 0.3 * 0.1 + 0.3 * 0.25
    assert score(base) == pytest.approx(full)
    assert score({**base, **change}) == pytest.approx(full + delta)


def test_level_refuses_scores_outside_unit_interval() -> None:
    with pytest.raises(ValueError, match="strength"):
        _level(100.0, strength=1.5)


def test_evidence_is_typed_ordered_and_refuses_repeated_or_empty_names() -> None:
    e = Evidence.of(mspi=0.4, count=3) + Evidence.pairs([("n", 5)])
    assert e.names == ("mspi", "count", "n")
    assert [type(v) for _, v in e] == [float, float, float]
    assert e.value("count") == 3.0
    assert e.value("absent") is None
    assert len(e) == 3
    with pytest.raises(ValueError, match="'mspi' given twice"):
        e + Evidence.of(mspi=0.1)
    with pytest.raises(ValueError, match="non-empty evidence name"):
        Evidence.pairs([("", 1.0)])
    lv = _level(100.0, evidence=e)
    assert lv.value("n") == 5.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.items = ()  # type: ignore[misc]


def test_positioning_without_references_equals_the_joined_form(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import eots.levels.positioning as positioning

    rng = np.random.default_rng(3)
    now = pl.DataFrame(
        {
            "strike": np.arange(4000.0, 4200.0, 5.0),
            "net_gex": rng.standard_normal(40) * 1e9,
            "dex": rng.standard_normal(40) * 1e10,
        }
    )
    shortcut = positioning_change(now, None, now.clear())
    monkeypatch.setattr(positioning, "increasing_floats", lambda _strike: None)
    joined = positioning_change(now, None, now.clear())
    assert shortcut.schema == joined.schema
    assert shortcut.equals(joined)


def test_positioning_without_references_keeps_the_join_for_unsorted_or_repeated_strikes() -> None:
    now = pl.DataFrame(
        {"strike": [105.0, 100.0, 100.0], "net_gex": [1.0, 2.0, 3.0], "dex": [0.0] * 3}
    )
    out = positioning_change(now, None, None)
    assert out.get_column("strike").is_sorted()
    # a repeated strike goes through the joins as before (its rows multiply there: 1 + 2 ** 3)
    assert out.height == 9
    assert out.get_column("d_net_gex_session").is_nan().all()


def _summary(i: int, mspi: list[float], *, tz: dt.tzinfo = dt.UTC) -> SessionSummary:
    strikes = [95.0, 100.0, 105.0, 110.0][: len(mspi)]
    return SessionSummary(
        session=dt.date(2024, 3, 1) + dt.timedelta(days=i),
        ts_event=dt.datetime(2024, 3, 1, 20, 0, tzinfo=dt.UTC).astimezone(tz)
        + dt.timedelta(days=i),
        content_hash=f"h{i}",
        spot=100.0,
        strikes=pl.DataFrame(
            {
                "strike": strikes,
                "net_gex": [0.0] * len(mspi),
                "dex": [0.0] * len(mspi),
                "mspi": mspi,
            }
        ),
        call_wall=105.0,
        put_wall=95.0,
        abs_gamma=100.0,
        zero_gamma=float("nan"),
    )


def _stacked_per_summary(sessions: list[SessionSummary]) -> pl.DataFrame:
    """The stacking written as before: one select and one time literal per summary."""
    return pl.concat(
        [
            s.strikes.select("strike", "mspi").with_columns(seen=pl.lit(s.ts_event))
            for s in sessions
        ],
        how="vertical_relaxed",
    )


def test_recurring_stack_is_the_per_summary_stack() -> None:
    from eots.levels.timeframes import _stacked_mspi, recurring_levels

    rng = np.random.default_rng(2)
    same = [_summary(i, list(rng.uniform(-1.0, 1.0, 4))) for i in range(6)]
    narrow = dataclasses.replace(
        same[2], strikes=same[2].strikes.with_columns(pl.col("mspi").cast(pl.Float32))
    )
    mixed = [*same[:2], narrow, *same[3:]]  # one Float32 MSPI: the relaxed concat casts it
    zones = [*same[:3], _summary(3, [0.5, -0.6, 0.7, 0.1], tz=dt.timezone(dt.timedelta(hours=-4)))]
    for sessions in (same, mixed, zones, same[:1]):
        assert_frame_equal(_stacked_mspi(sessions), _stacked_per_summary(sessions))
        levels = recurring_levels(sessions, Timeframe.DAILY, 0.3, 2, T0)
        assert all(lv.first_seen <= T0 for lv in levels)
