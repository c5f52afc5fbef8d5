"""Missing inputs: proxies are used and noted; unknown values give NaN with a reason, never 0.

An absent input column is an error naming the stage and the column (``StageInputError``).
"""

from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import eots.metrics as m
from eots.core.errors import SchemaError, StageInputError
from eots.market.term import KnownTerm
from eots.metrics import BaseMetricParams, MetricInputs, NormalisationScope, base_metrics
from eots.metrics.params import GammaBasis, SdagParams
from unit.metrics.test_base_metrics_golden import AS_OF, INPUTS, chain


def test_exports_are_stable() -> None:
    assert "base_metrics" in m.__all__
    assert all(hasattr(m, name) for name in m.__all__)


def test_no_flow_columns_uses_proxies_and_notes_them() -> None:
    out = base_metrics(chain(flows=False), INPUTS)
    notes = dict(out.notes)
    assert "proxy dxvolm" in " ".join(msg for k, msg in out.notes if k == "dag")
    assert "tdpi" in notes
    assert out.contracts.get_column("dag_flow").to_list() == ["proxy"] * 3
    # proxy DAG: alpha is always aligned; r = |dxvolm|/|dxoi|; n(gxvolm)
    g = [0.8, 0.6, 0.2]
    expected = [
        4 * 1 * (1 + 1.3 * 8 / 50) * (g[0] / 0.8),
        4 * -1 * (1 + 1.3 * 6 / 40) * (g[1] / 0.8),
        2 * 1 * (1 + 1.3 * 2 / 20) * (g[2] / 0.8),
    ]
    assert out.contracts.get_column("dag_custom").to_list() == pytest.approx(expected)
    flows = out.strikes.get_column("net_volume_pressure").to_list()
    assert all(math.isnan(x) for x in flows)
    assert any(k == "flow_columns" for k, _ in out.notes)


def test_direct_flow_row_unknown_is_nan_not_zero() -> None:
    frame = chain().with_columns(
        deltas_buy=pl.Series([float("nan"), -5.0, 4.0]),
    )
    out = base_metrics(frame, INPUTS).contracts
    assert math.isnan(out.get_column("dag_custom")[0])
    assert out.get_column("dag_flow").to_list() == ["missing", "direct", "direct"]
    filled = base_metrics(frame, INPUTS, BaseMetricParams(proxy_fill_missing_rows=True))
    assert filled.contracts.get_column("dag_flow").to_list() == ["proxy", "direct", "direct"]


def test_absent_exposure_column_is_an_error_naming_stage_and_column() -> None:
    with pytest.raises(StageInputError, match=r"stage 'metrics'.*'charmxoi'") as caught:
        base_metrics(chain().drop("charmxoi"), INPUTS)
    assert isinstance(caught.value, ValueError)
    assert caught.value.stage == "metrics"
    assert caught.value.missing == ("charmxoi",)


@pytest.mark.parametrize("column", ["t_years", "iv", "delta", "volume", "multiplier", "vommaxvolm"])
def test_every_absent_chain_or_exposure_input_is_an_error(column: str) -> None:
    with pytest.raises(StageInputError, match=column):
        base_metrics(chain().drop(column), INPUTS)


def test_dealer_gamma_basis_requires_the_dealer_sign() -> None:
    params = BaseMetricParams(sdag=SdagParams(gamma_basis=GammaBasis.DEALER))
    frame = chain()
    if "dealer_sign" in frame.columns:
        frame = frame.drop("dealer_sign")
    with pytest.raises(StageInputError, match="dealer_sign"):
        base_metrics(frame, INPUTS, params)


def test_unknown_exposure_values_give_nan_with_reason() -> None:
    out = base_metrics(chain().with_columns(charmxoi=pl.lit(float("nan"))), INPUTS)
    assert all(math.isnan(x) for x in out.contracts.get_column("tdpi").to_list())
    messages = dict(out.notes)
    assert "tdpi" in messages
    # MSPI drops the missing component and renormalises the rest
    assert "tdpi" not in out.mspi_weights
    assert sum(out.mspi_weights.values()) == pytest.approx(1.0)
    assert not any(math.isnan(x) for x in out.contracts.get_column("mspi").to_list())


def test_missing_key_column_raises() -> None:
    with pytest.raises(SchemaError, match="strike"):
        base_metrics(chain().drop("strike"), INPUTS)


def test_atr_and_iv_fallbacks_are_noted() -> None:
    out = base_metrics(chain(), MetricInputs(as_of=AS_OF, spot=100.0))
    text = " ".join(msg for _, msg in out.notes)
    assert "ATR proxy" in text
    assert "underlying IV" in text
    # ATM IV at the forward 100: the out-of-the-money (K >= F: call) IV 0.20; with one expiry the
    # 30-day constant-maturity IV is that IV held flat
    atr = 100.0 * 0.20 * math.sqrt(1 / 252)
    prox = out.contracts.get_column("strike_proximity")[2]
    assert prox == pytest.approx(math.exp(-0.5 * (5 / atr) ** 2))


def test_naive_as_of_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        MetricInputs(as_of=dt.datetime(2024, 3, 13, 12), spot=100.0)  # noqa: DTZ001


def test_zero_dte_scope_without_0dte_contracts_is_nan_and_noted() -> None:
    params = BaseMetricParams(normalisation_scope=NormalisationScope.ZERO_DTE)
    out = base_metrics(chain(), INPUTS, params)
    assert out.contracts.get_column("mspi").is_nan().all()
    assert any(k == "scope" for k, _ in out.notes)
    same_day = chain().with_columns(expiry=pl.lit(dt.date(2024, 3, 13)))
    out = base_metrics(same_day, INPUTS, params)
    assert out.contracts.get_column("mspi").is_finite().all()


def test_per_expiry_scope_groups_strikes_by_expiry() -> None:
    two = pl.concat([chain(), chain().with_columns(expiry=pl.lit(dt.date(2024, 3, 22)))])
    params = BaseMetricParams(normalisation_scope=NormalisationScope.PER_EXPIRY)
    out = base_metrics(two, INPUTS, params)
    assert out.strikes.height == 4
    first = out.contracts.get_column("mspi").to_list()
    assert first[:3] == pytest.approx(first[3:])


def test_real_snapshots_give_finite_metrics() -> None:
    root = os.environ.get("EOTS_REAL_DATA")
    if not root:
        pytest.skip("EOTS_REAL_DATA is not set: point it at shared/data/chains to run this test")
    try:
        from eots.sources import load_chain
    except ImportError as e:
        pytest.skip(f"eots.sources.load_chain is not available yet: {e}")
    import json

    from eots.pipeline import analyze

    manifest = json.loads((Path(root) / "manifest.json").read_text())
    picked = [
        e for e in manifest if e["underlying"] in ("SPX", "SPY") and "nogreeks" not in e["id"]
    ]
    if not picked:
        pytest.skip("no SPX/SPY snapshot in the manifest")
    for entry in picked[:4]:
        try:
            snapshot = load_chain(Path(root) / entry["file"])
        except Exception:  # loading is tested elsewhere; intended refusals are skipped here
            continue
        analysis = analyze(snapshot)
        out = base_metrics(
            analysis.contracts, MetricInputs(as_of=analysis.as_of, spot=snapshot.spot)
        )
        live = out.contracts.filter(pl.col("exposure_ok"))
        for name in ("dag_custom", "sdag_multiplicative", "tdpi", "vri", "mspi", "sai", "ssi"):
            values = live.get_column(name)
            assert values.is_finite().all(), (entry["id"], name)
        largest = out.strikes.get_column("mspi").drop_nans().abs().max()
        assert isinstance(largest, float), (entry["id"], largest)
        assert largest <= 1.0 + 1e-12


def test_known_term_is_reused_on_equal_rows_and_gives_the_same_metrics() -> None:
    contracts = chain()
    inputs = MetricInputs(as_of=AS_OF, spot=100.0)  # ATR and IVs from the chain's term
    fresh = base_metrics(contracts, inputs)
    known = KnownTerm.of(contracts, 100.0)
    reused = base_metrics(contracts, inputs, known_term=known)
    assert reused.term is known.term
    assert fresh.term is not None
    assert_frame_equal(reused.contracts, fresh.contracts, check_exact=True)
    assert reused.notes == fresh.notes
    assert reused.atr == fresh.atr


def test_known_term_of_other_rows_is_not_used() -> None:
    contracts = chain()
    other = contracts.with_columns(iv=pl.col("iv") * 1.5)
    inputs = MetricInputs(as_of=AS_OF, spot=100.0)
    fresh = base_metrics(contracts, inputs)
    got = base_metrics(contracts, inputs, known_term=KnownTerm.of(other, 100.0))
    assert_frame_equal(got.contracts, fresh.contracts, check_exact=True)
    assert got.atr == fresh.atr
    assert got.atr != base_metrics(other, inputs).atr
