"""adaptive_metrics on synthetic sessions: neutrality, signs, sums, history, no look-ahead."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from eots.adaptive import (
    ADAPTIVE_CONTRACT_COLUMNS,
    AdaptiveMetrics,
    AdaptiveParams,
    adaptive_metrics,
)
from eots.adaptive.frame import ADAPTIVE_SCHEMA, ADAPTIVE_STRIKE_SCHEMA
from eots.chain import ChainSnapshot
from eots.core.errors import SchemaError, StageInputError
from eots.history import AsOfReader, ContextParams, MarketContext, market_context
from eots.metrics import (
    CONTRACT_METRIC_COLUMNS,
    FLOW_LABEL_COLUMNS,
    BaseMetricParams,
    BaseMetrics,
    MetricInputs,
    base_metrics,
)
from eots.metrics.params import FlowRatioShape
from eots.pipeline import History, analyze
from eots.storage import SnapshotStore
from unit.history.context_store import fill, session_snapshots

CONTEXT = ContextParams(
    intraday_snapshots=5,
    iv_rank_min_sessions=2,
    iv_average_sessions=2,
    atr_period=2,
    atr_average_sessions=2,
)
HISTORY_FACTORS = {
    ("a_dag", "regime_factor"),
    ("a_dag", "alpha"),
    ("a_dag", "decay"),
    ("e_sdag", "intraday_skew_factor"),
    ("d_tdpi", "gaussian_width"),
    ("d_tdpi", "charm_acceleration"),
    ("vri_2_0", "iv_threshold_low"),
    ("vri_2_0", "iv_threshold_high"),
    ("vri_2_0", "vol_context_weight"),
    ("vri_2_0", "surface_factor"),
}


@dataclasses.dataclass(frozen=True)
class Case:
    contracts: pl.DataFrame
    inputs: MetricInputs
    base: BaseMetrics
    context: MarketContext | None


@pytest.fixture(scope="module")
def snapshots() -> list[ChainSnapshot]:
    return session_snapshots()


@pytest.fixture(scope="module")
def store(
    tmp_path_factory: pytest.TempPathFactory, snapshots: list[ChainSnapshot]
) -> SnapshotStore:
    return fill(tmp_path_factory.mktemp("adaptive"), snapshots)


def _case(snapshot: ChainSnapshot, ctx: MarketContext | None, params: BaseMetricParams) -> Case:
    history = History(flows=ctx.flows_by_contract) if ctx is not None else History()
    metrics = analyze(snapshot, history=history).metrics
    # the frame base_metrics ran on: the in-scope contracts with their flow columns
    computed = set(CONTRACT_METRIC_COLUMNS) | set(FLOW_LABEL_COLUMNS)
    frame = metrics.contracts.drop([c for c in metrics.contracts.columns if c in computed])
    inputs = MetricInputs(as_of=snapshot.ts_event, spot=snapshot.spot)
    return Case(
        contracts=frame, inputs=inputs, base=base_metrics(frame, inputs, params), context=ctx
    )


@pytest.fixture(scope="module")
def bare(snapshots: list[ChainSnapshot]) -> Case:
    return _case(snapshots[-2], None, BaseMetricParams())


@pytest.fixture(scope="module")
def rich(store: SnapshotStore, snapshots: list[ChainSnapshot]) -> Case:
    as_of = snapshots[-2].ts_event  # Tue 14:30 ET, three prior sessions
    ctx = market_context(AsOfReader(store, None, as_of), "SPX", as_of, CONTEXT)
    return _case(snapshots[-2], ctx, BaseMetricParams())


def _run(case: Case, params: AdaptiveParams | None = None, **kw: object) -> AdaptiveMetrics:
    return adaptive_metrics(case.base, case.contracts, case.context, case.inputs, params, **kw)  # type: ignore[arg-type]


def test_adaptive_without_history_every_history_factor_is_neutral_and_flagged(bare: Case) -> None:
    out = _run(bare)
    reports = {(r.metric, r.factor): r for r in out.factors}
    assert set(reports) >= HISTORY_FACTORS
    for key in HISTORY_FACTORS:
        assert reports[key].neutral, key
        assert reports[key].active, key
    assert all(r.neutral for r in out.factors if r.factor.startswith("weight_"))
    c = out.contracts.filter(pl.col("a_dag").is_not_nan())
    for col in (
        "a_dag_regime_factor",
        "a_dag_decay",
        "d_tdpi_charm_acceleration",
        "e_sdag_intraday_skew_factor",
        "vri_2_0_surface_factor",
        "vri_2_0_vol_context_weight",
    ):
        assert c.get_column(col).unique().to_list() == [1.0], col
    assert c.get_column("d_tdpi_gaussian_width").unique().to_list() == [-0.5]
    assert out.methodology_weights == pytest.approx(
        {"multiplicative": 0.4, "directional": 0.2, "weighted": 0.3, "volatility_focused": 0.1}
    )


def test_adaptive_output_columns_and_row_alignment(bare: Case) -> None:
    out = _run(bare)
    assert out.contracts.height == bare.base.contracts.height
    assert out.contracts.columns[-len(ADAPTIVE_CONTRACT_COLUMNS) :] == list(
        ADAPTIVE_CONTRACT_COLUMNS
    )
    assert out.contracts.get_column("strike").equals(bare.base.contracts.get_column("strike"))
    assert (
        out.strikes.get_column("strike").to_list()
        == bare.base.strikes.get_column("strike").to_list()
    )


def test_adaptive_metrics_agree_in_sign_with_base_metrics(bare: Case, rich: Case) -> None:
    for case in (bare, rich):
        out = _run(case)
        both = pl.concat(
            [case.base.contracts, out.contracts.select(ADAPTIVE_CONTRACT_COLUMNS)], how="horizontal"
        )
        live = both.filter(pl.col("exposure_ok") & pl.col("dag_custom").is_not_nan())
        assert live.height > 100
        for new, old in [
            ("a_dag", "dag_custom"),
            ("d_tdpi", "tdpi"),
            *(
                (f"e_sdag_{m}", f"sdag_{m}")
                for m in ("multiplicative", "directional", "volatility_focused")
            ),
        ]:
            bad = live.filter(pl.col(new).sign() != pl.col(old).sign())
            assert bad.height == 0, (new, bad.select(new, old).head())
        # e_sdag_weighted adds w2 D to w1 G skew: its sign follows base only with skew 1 (below)
        # VRI 2.0 uses the vega flow where VRI uses the vomma flow
        expected = (
            pl.col("vannaxoi").sign()
            * pl.col("vxoi").sign()
            * pl.col("vri_2_0_norm_vega_flow").sign()
        )
        assert live.filter(pl.col("vri_2_0").sign() != expected).height == 0


def test_adaptive_with_every_factor_off_reduces_to_the_base_formulas(bare: Case) -> None:
    params = AdaptiveParams.model_validate(
        {
            "a_dag": {
                "flow_ratio": FlowRatioShape.RAW,
                "factors": dict.fromkeys(
                    ("volatility_regime", "dte_scaling", "temporal_decay", "volume_weighting"),
                    False,
                ),
            },
            "e_sdag": {
                "factors": dict.fromkeys(("smile", "term_structure", "intraday_skew"), False)
            },
        }
    )
    out = _run(bare, params)
    base = bare.base.contracts
    for new, old in [
        ("a_dag", "dag_custom"),
        ("e_sdag_multiplicative", "sdag_multiplicative"),
        ("e_sdag_weighted", "sdag_weighted"),
        ("e_sdag_directional", "sdag_directional"),
    ]:
        assert_frame_equal(
            out.contracts.select(pl.col(new).alias("x")),
            base.select(pl.col(old).alias("x")),
            rel_tol=1e-12,
        )
    assert {r.factor for r in out.factors if not r.active} >= {
        "regime_factor",
        "dte_scale",
        "decay",
    }


def test_adaptive_strike_sums_conviction_and_stars(rich: Case) -> None:
    out = _run(rich)
    c, s = out.contracts, out.strikes
    for name in ("a_dag", "e_sdag_composite", "d_tdpi", "vri_2_0"):
        total = c.get_column(name).fill_nan(None).sum()
        assert s.get_column(name).fill_nan(None).sum() == pytest.approx(total, rel=1e-9, abs=1e-9)
    for frame in (c, s):
        score = frame.get_column("sdag_conviction_score").drop_nans()
        assert score.is_between(0.0, 1.0).all()
        assert frame.get_column("sdag_conviction_stars").drop_nulls().is_between(0, 5).all()
    assert s.get_column("sdag_conviction_stars").max() >= 1  # type: ignore[operator]


def test_adaptive_with_history_activates_the_history_factors(rich: Case) -> None:
    out = _run(rich)
    reports = {(r.metric, r.factor): r for r in out.factors}
    active = [k for k in HISTORY_FACTORS if not reports[k].neutral]
    assert set(active) >= {
        ("a_dag", "regime_factor"),
        ("a_dag", "decay"),
        ("e_sdag", "intraday_skew_factor"),
        ("d_tdpi", "gaussian_width"),
        ("d_tdpi", "charm_acceleration"),
        ("vri_2_0", "vol_context_weight"),
        ("vri_2_0", "surface_factor"),
    }, [(k, reports[k].reason) for k in HISTORY_FACTORS if reports[k].neutral]
    c = out.contracts.filter(pl.col("a_dag").is_not_nan())
    assert c.get_column("a_dag_decay").n_unique() > 10
    assert c.get_column("a_dag_regime_factor").unique().to_list() != [1.0]


def test_adaptive_no_look_ahead_with_later_snapshots_in_the_store(
    tmp_path: Path, store: SnapshotStore, snapshots: list[ChainSnapshot], rich: Case
) -> None:
    as_of = rich.inputs.as_of
    truncated = fill(tmp_path / "truncated", snapshots, until=as_of)
    ctx = market_context(AsOfReader(truncated, None, as_of), "SPX", as_of, CONTEXT)
    full = _run(rich)
    cut = _run(dataclasses.replace(rich, context=ctx))
    assert_frame_equal(full.contracts, cut.contracts)
    assert_frame_equal(full.strikes, cut.strikes)
    assert full.factors == cut.factors


def test_adaptive_track_record_changes_the_composite_weights(bare: Case) -> None:
    start = bare.inputs.as_of.astimezone(dt.UTC) - dt.timedelta(days=2)
    record = pl.DataFrame(
        {
            "ts": [start + dt.timedelta(minutes=i) for i in range(20)],
            "method": ["weighted"] * 20,
            "signal": [1.0] * 20,
            "forward_return": [0.002] * 20,
        }
    )
    out = _run(bare, track_record=record)
    assert out.methodology_weights["weighted"] == pytest.approx(0.6 / 1.3)
    c = out.contracts.filter(pl.col("e_sdag_composite").is_not_nan())
    expected = sum(
        out.methodology_weights[m] * c.get_column(f"e_sdag_{m}")
        for m in ("multiplicative", "directional", "weighted", "volatility_focused")
    )
    assert (c.get_column("e_sdag_composite") - expected).abs().max() < 1e-6 * c.get_column(  # type: ignore[operator]
        "e_sdag_composite"
    ).abs().max()


def test_adaptive_disabled_metric_is_nan_and_reported_inactive(bare: Case) -> None:
    out = _run(bare, AdaptiveParams.model_validate({"vri_2_0": {"enabled": False}}))
    assert out.contracts.get_column("vri_2_0").is_nan().all()
    assert all(not r.active for r in out.factors if r.metric == "vri_2_0")
    assert out.contracts.get_column("a_dag").is_not_nan().any()


def test_adaptive_rejects_a_later_context_and_a_foreign_frame(bare: Case, rich: Case) -> None:
    assert rich.context is not None
    later = dataclasses.replace(
        bare,
        context=dataclasses.replace(
            rich.context,
            as_of=bare.inputs.as_of + dt.timedelta(minutes=1),
        ),
    )
    with pytest.raises(ValueError, match="look-ahead"):
        _run(later)
    with pytest.raises(SchemaError, match="rows"):
        adaptive_metrics(bare.base, bare.contracts.head(5), None, bare.inputs, None)


def test_adaptive_rejects_inputs_without_a_declared_column(bare: Case) -> None:
    no_key = bare.contracts.drop("expiry")
    with pytest.raises(StageInputError, match=r"stage 'adaptive'.*exposure frame.*'expiry'"):
        adaptive_metrics(bare.base, no_key, None, bare.inputs, None)
    base = dataclasses.replace(bare.base, contracts=bare.base.contracts.drop("gamma_coeff"))
    with pytest.raises(StageInputError, match=r"stage 'adaptive'.*metric frame.*'gamma_coeff'"):
        adaptive_metrics(base, bare.contracts, None, bare.inputs, None)


def test_adaptive_output_frames_follow_their_declared_schemas(bare: Case) -> None:
    out = _run(bare)
    assert out.contracts.select(ADAPTIVE_SCHEMA.names()).schema == ADAPTIVE_SCHEMA
    keys = [c for c in out.strikes.columns if c not in ADAPTIVE_STRIKE_SCHEMA]
    assert keys == ["strike"]
    assert out.strikes.select(ADAPTIVE_STRIKE_SCHEMA.names()).schema == ADAPTIVE_STRIKE_SCHEMA
