"""Each adaptive helper on constructed inputs with answers worked out by hand."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from eots.adaptive import ADagParams, AdaptiveParams, DTdpiParams, ESdagParams, Vri2Params
from eots.adaptive.charm import PAST_COLUMN, charm_acceleration, charm_past
from eots.adaptive.clustering import clustered
from eots.adaptive.conviction import conviction, stars
from eots.adaptive.decay import DECAY_COLUMN, recency_multiplier
from eots.adaptive.dte import dte_scale
from eots.adaptive.gaussian import dynamic_gaussian_width
from eots.adaptive.methodology import methodology_weights
from eots.adaptive.regime import adaptive_alpha, volatility_regime
from eots.adaptive.skew import INTRADAY_PIECE, TERM_PIECE, expiry_skew
from eots.adaptive.surface import surface_dynamics
from eots.adaptive.term_factor import term_structure_factor
from eots.adaptive.time_profile import adaptive_time_weight
from eots.adaptive.vol_context import adaptive_thresholds, vol_context_weight
from eots.chain.schema import UTC_US
from eots.core.time import ET
from eots.market import TERM_SCHEMA
from eots.metrics import BaseMetricParams
from eots.metrics.params import AlignmentCoefficients
from unit.adaptive.adaptive_context import context, known, unknown
from unit.adaptive.working_case import column

AS_OF = dt.datetime(2024, 3, 13, 15, 0, tzinfo=ET)
UTC = dt.UTC
EXPIRY = dt.date(2024, 3, 15)


def _ts(minutes_before: int) -> dt.datetime:
    return (AS_OF - dt.timedelta(minutes=minutes_before)).astimezone(UTC)


# --- A-DAG -----------------------------------------------------------------------------------


def test_regime_known_atr_ratio_gives_expected_factor() -> None:
    ctx = context(AS_OF, atr_ratio=known(1.5))
    out = volatility_regime(ctx, ADagParams())
    assert out.value == pytest.approx(1.5)
    assert not out.report.neutral
    both = volatility_regime(
        context(AS_OF, atr_ratio=known(1.5), iv_ratio=known(1.2)), ADagParams()
    )
    assert both.value == pytest.approx(1.1 * 1.25)
    capped = volatility_regime(context(AS_OF, atr_ratio=known(4.0)), ADagParams())
    assert capped.value == 2.0


def test_regime_without_history_is_neutral_and_flagged() -> None:
    for ctx in (None, context(AS_OF, atr_ratio=unknown(1.7), iv_ratio=unknown(1.4))):
        out = volatility_regime(ctx, ADagParams())
        assert out.value == 1.0
        assert out.report.neutral
        assert out.report.active


def test_adaptive_alpha_scales_aligned_up_and_opposed_down() -> None:
    a = adaptive_alpha(2.0, AlignmentCoefficients())
    assert (a.aligned, a.opposed, a.neutral) == pytest.approx((2.6, 0.35, 1.0))


def test_dte_scale_buckets_reproduce_the_original_map() -> None:
    dte = np.array([0, 1, 7, 8, 14, 15, 30, 31, 400, -1])
    out = dte_scale(ADagParams(), dte).value.v.tolist()
    assert out == pytest.approx([1.5, 1.0, 1.0, 0.9, 0.9, 0.8, 0.8, 0.7, 0.7, 1.0])
    off = dte_scale(ADagParams(factors={"dte_scaling": False}), dte)
    assert not off.report.active
    assert off.value.v.tolist() == [1.0] * 10


def _increments(rows: list[tuple[int, float, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ts": [_ts(m) for m, _, _ in rows],
            "root": ["SPXW"] * len(rows),
            "expiry": [EXPIRY] * len(rows),
            "strike": [k for _, k, _ in rows],
            "right": ["C"] * len(rows),
            "volm": [v for _, _, v in rows],
        },
        schema_overrides={"ts": UTC_US, "right": pl.Enum(["C", "P"])},
    )


def test_decay_recent_flow_weighs_more_and_even_flow_is_neutral() -> None:
    # Three stamps (ages 0, 1, 2); weights 1, .5, .25 with delta = 0.5; mean weight 7/12.
    rows = [
        (0, 100.0, 10.0),  # strike 100: all volume in the latest increment
        (10, 100.0, 0.0),
        (20, 100.0, 0.0),
        (0, 105.0, 5.0),  # strike 105: even volume
        (10, 105.0, 5.0),
        (20, 105.0, 5.0),
        (20, 110.0, 8.0),  # strike 110: all volume in the oldest increment
        (-5, 110.0, 1e6),  # after as_of: must be ignored
    ]
    ctx = context(AS_OF, flow_increments=_increments(rows))
    keyed, report = recency_multiplier(ctx, AS_OF, ADagParams(temporal_decay_factor=0.5))
    assert keyed is not None
    assert not report.neutral
    got = dict(keyed.select("strike", DECAY_COLUMN).iter_rows())
    assert got[100.0] == pytest.approx(12 / 7)
    assert got[105.0] == pytest.approx(1.0)
    assert got[110.0] == pytest.approx(0.25 * 12 / 7)


def test_decay_with_one_increment_is_neutral_and_flagged() -> None:
    ctx = context(AS_OF, flow_increments=_increments([(0, 100.0, 10.0)]))
    keyed, report = recency_multiplier(ctx, AS_OF, ADagParams())
    assert keyed is None
    assert report.neutral
    assert report.value == 1.0


# --- E-SDAG ----------------------------------------------------------------------------------


def _record(method: str, n: int, right: bool, start: dt.datetime) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ts": [start + dt.timedelta(minutes=i) for i in range(n)],
            "method": [method] * n,
            "signal": [1.0] * n,
            "forward_return": [0.01 if right else -0.01] * n,
        },
        schema_overrides={"ts": UTC_US},
    )


def test_methodology_weights_follow_hit_rates_once_enough_outcomes() -> None:
    start = (AS_OF - dt.timedelta(days=1)).astimezone(UTC)
    record = pl.concat(
        [
            _record("multiplicative", 12, right=True, start=start),
            _record("directional", 12, right=False, start=start),
            _record("weighted", 3, right=False, start=start),  # too few: initial share
            _record("volatility_focused", 30, right=False, start=AS_OF.astimezone(UTC)),  # future
        ]
    )
    weights, reports = methodology_weights(record, AS_OF, ESdagParams(), window=20)
    # multiplicative x2, directional x0, weighted and vf x1: 0.8, 0, 0.3, 0.1 over 1.2
    assert weights == pytest.approx(
        {
            "multiplicative": 0.8 / 1.2,
            "directional": 0.0,
            "weighted": 0.3 / 1.2,
            "volatility_focused": 0.1 / 1.2,
        }
    )
    neutral = {r.factor: r.neutral for r in reports}
    assert neutral == {
        "weight_multiplicative": False,
        "weight_directional": False,
        "weight_weighted": True,
        "weight_volatility_focused": True,
    }


def test_methodology_weights_without_record_are_initial_and_flagged() -> None:
    weights, reports = methodology_weights(None, AS_OF, ESdagParams(), window=20)
    assert weights == pytest.approx(
        {"multiplicative": 0.4, "directional": 0.2, "weighted": 0.3, "volatility_focused": 0.1}
    )
    assert all(r.neutral for r in reports)


def test_methodology_window_keeps_only_the_latest_outcomes() -> None:
    start = (AS_OF - dt.timedelta(days=1)).astimezone(UTC)
    late = start + dt.timedelta(hours=1)
    record = pl.concat(
        [
            _record("multiplicative", 30, right=False, start=start),
            _record("multiplicative", 10, right=True, start=late),
        ]
    )
    weights, _ = methodology_weights(record, AS_OF, ESdagParams(), window=10)
    assert weights["multiplicative"] == pytest.approx(0.8 / 1.4)  # hit rate 1 over the last 10


@pytest.mark.parametrize(
    ("z", "score", "direction", "n_stars"),
    [
        ((0.5, 0.5, 0.5, 0.5), 0.7, 1.0, 4),
        ((-0.5, -0.5, -0.5, -0.5), 0.7, -1.0, 4),
        ((0.5, -0.5, 0.5, 0.0), 0.25 * 0.375 + 0.1, 1.0, 1),
        ((0.0, 0.0, 0.0, 0.0), 0.0, 0.0, 0),
        ((1.0, 1.0, 1.0, 1.0), 1.0, 1.0, 5),
    ],
)
def test_conviction_known_answers(
    z: tuple[float, ...], score: float, direction: float, n_stars: int
) -> None:
    p = ESdagParams()
    got_score, got_direction = conviction([column([v]) for v in z], p)
    assert got_score.v[0] == pytest.approx(score)
    assert got_direction.v[0] == direction
    assert stars(got_score, p).to_list() == [n_stars]


def test_conviction_is_null_when_a_method_is_missing() -> None:
    p = ESdagParams()
    score, direction = conviction([column([1.0, 1.0]), column([None, 0.5])], p)
    assert score.null.tolist() == [True, False]
    assert direction.null.tolist() == [True, False]
    assert stars(score, p).to_list() == [None, 5]  # 0.75 + 0.2 full-agreement bonus


def _term(ivs: list[tuple[float, float]], settlement: str = "PM") -> pl.DataFrame:
    rows = {
        "expiry": [dt.date(2024, 3, 13) + dt.timedelta(days=int(d)) for d, _ in ivs],
        "settlement": [settlement] * len(ivs),
        "expiry_ts": [AS_OF + dt.timedelta(days=d) for d, _ in ivs],
        "t_years": [d / 365 for d, _ in ivs],
        "forward": [5000.0] * len(ivs),
        "atm_iv": [iv for _, iv in ivs],
        "total_variance": [iv * iv * d / 365 for d, iv in ivs],
        "strike_below": [5000.0] * len(ivs),
        "strike_above": [5005.0] * len(ivs),
        "atm_method": ["interpolated"] * len(ivs),
    }
    return pl.DataFrame(rows).select([pl.col(c).cast(t) for c, t in TERM_SCHEMA.items()])


def test_skew_term_piece_and_intraday_change_known_answers() -> None:
    term = _term([(2.0, 0.24), (30.0, 0.20), (60.0, 0.20)])
    then = _term([(2.0, 0.20), (30.0, 0.20), (60.0, 0.20)]).with_columns(
        ts_event=pl.lit(_ts(30)).cast(UTC_US), session=pl.lit(AS_OF.date())
    )
    now = term.with_columns(ts_event=pl.lit(_ts(0)).cast(UTC_US), session=pl.lit(AS_OF.date()))
    future = term.with_columns(
        atm_iv=pl.lit(0.9), ts_event=pl.lit(_ts(-30)).cast(UTC_US), session=pl.lit(AS_OF.date())
    )
    history = pl.concat([then, now, future], how="diagonal_relaxed")
    ctx = context(AS_OF, term_intraday=history)
    per_expiry, reports = expiry_skew(term, ctx, AS_OF, ["expiry", "settlement"], ESdagParams())
    row = per_expiry.sort("expiry").row(0, named=True)
    assert row[TERM_PIECE] == pytest.approx(1 + 0.5 * (0.24 / 0.20 - 1))  # 1.1
    assert row[INTRADAY_PIECE] == pytest.approx(1 + 1.0 * (0.24 / 0.20 - 1))  # 1.2
    assert per_expiry.sort("expiry").row(1, named=True)[INTRADAY_PIECE] == pytest.approx(1.0)
    assert not any(r.neutral for r in reports)
    _, alone = expiry_skew(term, None, AS_OF, ["expiry", "settlement"], ESdagParams())
    assert [r.neutral for r in alone] == [False, False, True]


# --- D-TDPI ----------------------------------------------------------------------------------


def test_time_weight_expiry_day_afternoon_gets_the_expiration_profile() -> None:
    friday = dt.datetime(2024, 3, 15, 15, 0, tzinfo=ET)  # third Friday, p = 5.5 / 6.5
    p = 5.5 / 6.5
    out = adaptive_time_weight(friday, friday.date(), 0.0, BaseMetricParams(), DTdpiParams())
    assert out.value == pytest.approx(2.0 + (p - 0.75) / 0.25 * 0.5)
    assert "expiration" in out.report.reason
    normal = adaptive_time_weight(AS_OF, AS_OF.date(), 0.05, BaseMetricParams(), DTdpiParams())
    assert normal.value == pytest.approx(1.5 + (p - 0.75) / 0.25 * 0.3)
    heavy = adaptive_time_weight(AS_OF, AS_OF.date(), 0.4, BaseMetricParams(), DTdpiParams())
    assert heavy.value == pytest.approx(out.value)  # most OI expiring today: expiration profile
    pre = adaptive_time_weight(
        dt.datetime(2024, 3, 13, 8, 0, tzinfo=ET),
        AS_OF.date(),
        0.0,
        BaseMetricParams(),
        DTdpiParams(),
    )
    assert pre.value == 0.8


def test_gaussian_width_follows_the_atr_ratio_within_range() -> None:
    assert dynamic_gaussian_width(context(AS_OF, atr_ratio=known(1.5)), DTdpiParams()).value == (
        pytest.approx(-0.625)
    )
    assert dynamic_gaussian_width(context(AS_OF, atr_ratio=known(0.2)), DTdpiParams()).value == (
        pytest.approx(-0.3)
    )
    neutral = dynamic_gaussian_width(None, DTdpiParams())
    assert neutral.value == -0.5
    assert neutral.report.neutral


def test_clustering_flags_piles_and_their_neighbours() -> None:
    dte = np.array([0, 1, 2, 3, 10, 40])
    oi = np.array([10.0, 10.0, 10.0, 90.0, 10.0, 10.0])  # mean 23.33: 3 is a pile (> 35)
    assert clustered(dte, oi, DTdpiParams()).tolist() == [False, True, True, True, False, False]


def _charm(rows: list[tuple[int, float, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "ts": [_ts(m) for m, _, _ in rows],
            "root": ["SPXW"] * len(rows),
            "expiry": [EXPIRY] * len(rows),
            "strike": [k for _, k, _ in rows],
            "right": ["C"] * len(rows),
            "charmxoi": [v for _, _, v in rows],
        },
        schema_overrides={"ts": UTC_US, "right": pl.Enum(["C", "P"])},
    )


def test_charm_rising_history_gives_acceleration_above_one() -> None:
    history = _charm(
        [
            (30, 100.0, -100.0),
            (20, 100.0, -110.0),
            (10, 100.0, -120.0),
            (0, 100.0, -999.0),
            (30, 105.0, -120.0),
            (20, 105.0, -110.0),
            (10, 105.0, -100.0),
        ]
    )
    keyed, report = charm_past(context(AS_OF, charm_history=history), AS_OF, DTdpiParams())
    assert keyed is not None
    assert not report.neutral
    now = pl.DataFrame({"strike": [100.0, 105.0], "now": [-150.0, -100.0]})
    joined = now.join(keyed.select("strike", PAST_COLUMN), on="strike", maintain_order="left")
    accel = charm_acceleration(
        column(joined.get_column("now").to_list()),
        column(joined.get_column(PAST_COLUMN).to_list()),
        DTdpiParams(),
    )
    got = dict(zip(joined.get_column("strike").to_list(), accel.v.tolist(), strict=True))
    assert got[100.0] == pytest.approx(1 + (150 / 110 - 1) * 1.05)
    assert got[105.0] == 1.0  # ratio 100/110 < 1.1


def test_charm_thin_history_is_neutral_and_flagged() -> None:
    history = _charm([(10, 100.0, -100.0), (0, 100.0, -100.0)])
    keyed, report = charm_past(context(AS_OF, charm_history=history), AS_OF, DTdpiParams())
    assert keyed is None
    assert report.neutral


# --- VRI 2.0 ---------------------------------------------------------------------------------


def test_term_factor_flat_is_neutral_and_backwardation_amplifies() -> None:
    flat = term_structure_factor(_term([(2.0, 0.2), (10.0, 0.2), (45.0, 0.2)]), Vri2Params())
    assert flat.value == pytest.approx(1.0)
    inverted = term_structure_factor(_term([(7.0, 0.20), (30.0, 0.16)]), Vri2Params())
    assert inverted.value == pytest.approx(1 + 0.3 * (0.20 / 0.16 - 1))
    contango = term_structure_factor(_term([(7.0, 0.12), (30.0, 0.16)]), Vri2Params())
    assert contango.value < 1.0


def test_surface_dynamics_known_answer_and_look_ahead_ignored() -> None:
    series = pl.DataFrame(
        {
            "ts_event": [_ts(20), _ts(10), _ts(0), _ts(-10)],
            "session": [AS_OF.date()] * 4,
            "spot": [5000.0] * 4,
            "atm_iv": [0.20, 0.20, 0.22, 0.90],
            "cm_method": ["interpolated"] * 4,
            "n_expiries": [10] * 4,
        },
        schema_overrides={"ts_event": UTC_US},
    )
    out = surface_dynamics(context(AS_OF, iv_intraday=series), AS_OF, Vri2Params())
    assert out.value == pytest.approx(1.02)
    thin = surface_dynamics(context(AS_OF, iv_intraday=series.head(1)), AS_OF, Vri2Params())
    assert thin.value == 1.0
    assert thin.report.neutral


def test_adaptive_thresholds_shift_with_the_iv_ratio() -> None:
    ctx = context(AS_OF, iv_ratio=known(1.5), iv_percentile=known(0.72))
    (lo, hi), reports = adaptive_thresholds(ctx, Vri2Params())
    assert (lo, hi) == pytest.approx((0.35, 0.75))
    assert not any(r.neutral for r in reports)
    assert vol_context_weight(ctx, (lo, hi), Vri2Params()).value == 1.0
    assert vol_context_weight(ctx, (0.3, 0.7), Vri2Params()).value == 1.1
    none = vol_context_weight(None, (0.3, 0.7), Vri2Params())
    assert none.value == 1.0
    assert none.report.neutral


def test_params_reject_bad_ranges() -> None:
    with pytest.raises(ValueError, match="negative widths"):
        DTdpiParams(gaussian_width_range=(-0.3, 0.2))
    with pytest.raises(ValueError, match="thresholds"):
        ESdagParams(conviction_score_thresholds=(0.5, 0.3, 0.7, 0.9))
    with pytest.raises(ValueError, match="extra"):
        AdaptiveParams.model_validate({"a_dag": {"nope": 1}})
    assert math.isclose(AdaptiveParams().a_dag.temporal_decay_factor, 0.85)
