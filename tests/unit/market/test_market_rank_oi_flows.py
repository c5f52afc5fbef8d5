"""IV rank/percentile, OI by DTE, per-strike flows, charm rows and estimate ratios."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal
from pydantic import ValidationError

from eots.chain.schema import RIGHTS
from eots.flows import FLOW_SCHEMA
from eots.market import (
    STRIKE_FLOW_SCHEMA,
    ContextParams,
    Estimate,
    iv_percentile,
    iv_rank,
    oi_by_dte,
    ratio_estimate,
    strike_flows,
)
from eots.market.flow_history import CHARM_SCHEMA, STRIKE_FLOW_COLUMNS, charm_rows


def test_iv_rank_and_percentile_known_values() -> None:
    history = [0.10, 0.12, 0.14, 0.16, 0.18, 0.20]
    assert iv_rank(history, 0.15) == pytest.approx(0.5)
    assert iv_percentile(history, 0.15) == pytest.approx(3 / 6)
    assert iv_rank(history, 0.05) == 0.0  # a new low
    assert iv_percentile(history, 0.25) == 1.0


def test_iv_rank_undefined_is_nan() -> None:
    assert math.isnan(iv_rank([], 0.2))
    assert math.isnan(iv_rank([0.2, 0.2], 0.2))  # a single distinct value
    assert math.isnan(iv_percentile([float("nan")], 0.2))
    assert math.isnan(iv_percentile([0.1], float("nan")))


def test_oi_by_dte_calendar_days_and_drops_past_expiries() -> None:
    session = dt.date(2024, 3, 13)
    frame = pl.DataFrame(
        {
            "expiry": [dt.date(2024, 3, 12), session, session, dt.date(2024, 4, 19)],
            "right": ["C", "C", "P", "P"],
            "open_interest": [99, 10, 20, 5],
        }
    )
    assert oi_by_dte(frame, session).rows() == [(0, 30, 10, 20, 2), (37, 5, 0, 5, 1)]


def test_oi_by_dte_chain_enum_and_string_rights_agree() -> None:
    # the chain's RIGHTS enum is compared as it is, other dtypes as strings: same sums, with
    # null rights and null open interest counted as contracts but in no side
    session = dt.date(2024, 3, 15)
    frame = pl.DataFrame(
        {
            "expiry": [session, session, session, dt.date(2024, 3, 22), dt.date(2024, 3, 22)],
            "right": ["C", "P", None, "C", "P"],
            "open_interest": [10, None, 4, 7, 3],
        }
    )
    want = [(0, 14, 10, 0, 3), (7, 10, 7, 3, 2)]
    assert oi_by_dte(frame, session).rows() == want
    as_enum = frame.with_columns(pl.col("right").cast(RIGHTS))
    assert_frame_equal(oi_by_dte(as_enum, session), oi_by_dte(frame, session), check_exact=True)
    as_cat = frame.with_columns(pl.col("right").cast(pl.Categorical))
    assert oi_by_dte(as_cat, session).rows() == want


def test_strike_flows_sums_known_values_nan_when_none_known() -> None:
    nan = float("nan")
    flows = pl.DataFrame(
        {
            "root": ["SPXW"] * 3,
            "expiry": [dt.date(2024, 3, 15)] * 3,
            "strike": [100.0, 100.0, 105.0],
            "right": ["C", "P", "C"],
            "symbol": ["a", "b", "c"],
            "volm_bs": [2.0, nan, nan],
            "value_bs": [200.0, 50.0, nan],
        }
    ).with_columns(pl.col("right").cast(pl.Enum(["C", "P"])))
    full = flows.with_columns(
        [pl.lit(nan).alias(c) for c in FLOW_SCHEMA.names() if c not in flows.columns]
    )
    out = strike_flows(full)
    assert out.schema == STRIKE_FLOW_SCHEMA
    rows = {r["strike"]: r for r in out.iter_rows(named=True)}
    assert rows[100.0]["volm_bs"] == 2.0
    assert rows[100.0]["value_bs"] == 250.0
    assert math.isnan(rows[105.0]["volm_bs"])
    assert (rows[100.0]["n_contracts_unknown"], rows[105.0]["n_contracts_unknown"]) == (1, 1)


def _estimate(value: float, *, ok: bool = True) -> Estimate:
    return Estimate(value=value, n_obs=20, required=20, sufficient=ok, source="t")


def test_ratio_estimate_neutral_unless_both_sufficient_and_positive() -> None:
    assert ratio_estimate(_estimate(3.0), _estimate(2.0), what="x").value == 1.5
    thin = ratio_estimate(_estimate(3.0), _estimate(2.0, ok=False), what="x")
    assert (thin.value, thin.sufficient, thin.source) == (1.0, False, "neutral")
    zero = ratio_estimate(_estimate(3.0), _estimate(0.0), what="x")
    assert (zero.value, zero.sufficient) == (1.0, False)


def test_context_params_bars_needed_and_validation() -> None:
    params = ContextParams()
    assert params.daily_bars_needed == 14 + 20 - 1
    assert params.iv_sessions_needed == 252
    assert ContextParams(rv_windows=(20, 10, 10)).rv_windows == (10, 20)
    with pytest.raises(ValidationError):
        ContextParams(rv_windows=(1,))
    with pytest.raises(ValidationError):
        ContextParams(unknown=1)  # type: ignore[call-arg]


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 80), nan_share=st.sampled_from([0.0, 0.3]))
def test_strike_flows_equal_a_group_by_and_ignore_row_order(
    seed: int, n: int, nan_share: float
) -> None:
    rng = np.random.default_rng(seed)
    k = np.arange(n)
    flows = pl.DataFrame(
        {
            "root": ["SPXW" if i % 3 else "SPX" for i in k],
            "expiry": [dt.date(2024, 3, 15)] * n,
            "strike": (5000 + 5 * (k // 6)).astype(float),
            "right": pl.Series(["C" if i % 2 else "P" for i in k], dtype=pl.Enum(["C", "P"])),
        }
    ).unique(subset=["root", "expiry", "strike", "right"], maintain_order=True)
    m = flows.height
    values = {}
    for c in STRIKE_FLOW_COLUMNS:
        v = rng.normal(0, 10, m)
        v[rng.random(m) < nan_share] = np.nan
        values[c] = v
    flows = flows.with_columns(**{c: pl.Series(c, v) for c, v in values.items()})
    got = strike_flows(flows)
    keyed = flows.sort(["root", "expiry", "strike", "right"])
    assert_frame_equal(strike_flows(keyed, key_sorted=True), got, check_exact=True)
    shuffled = flows.sample(fraction=1.0, shuffle=True, seed=seed)
    assert_frame_equal(strike_flows(shuffled), got, check_exact=True)
    known = [pl.col(c).fill_nan(None) for c in STRIKE_FLOW_COLUMNS]
    reference = (
        flows.group_by("strike")
        .agg(
            *(
                pl.when(x.count() > 0).then(x.sum()).otherwise(float("nan")).alias(c)
                for x, c in zip(known, STRIKE_FLOW_COLUMNS, strict=True)
            ),
            n_contracts=pl.len(),
            n_contracts_unknown=pl.col("volm_bs").is_nan().sum(),
        )
        .sort("strike")
        .select([pl.col(c).cast(t) for c, t in STRIKE_FLOW_SCHEMA.items()])
    )
    assert_frame_equal(got, reference, check_exact=False, rel_tol=1e-12, abs_tol=1e-9)


@pytest.mark.parametrize("missing", [None, float("nan")])
def test_strike_flows_refuses_a_missing_strike(missing: float | None) -> None:
    flows = pl.DataFrame(
        {"strike": [100.0, missing], "volm_bs": [1.0, 2.0]}, schema_overrides={"strike": pl.Float64}
    )
    with pytest.raises(ValueError, match="1 null or NaN of 2"):
        strike_flows(flows)


def _charm_by_expression(priced: pl.DataFrame, ts: dt.datetime) -> pl.DataFrame:
    """``charm_rows`` as the polars expression it was defined by."""
    oi = pl.col("open_interest").cast(pl.Int64)
    rows = priced.select(
        pl.lit(ts).cast(pl.Datetime("us", "UTC")).alias("ts"),
        "root",
        "expiry",
        "strike",
        "right",
        "charm",
        oi.alias("open_interest"),
        (pl.col("charm") * oi * pl.col("multiplier")).alias("charmxoi"),
    )
    return rows.select([pl.col(c).cast(t) for c, t in CHARM_SCHEMA.items()])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 100_000), nulls=st.sampled_from([0.0, 0.2]))
def test_charm_rows_equal_the_expression(seed: int, nulls: float) -> None:
    # the arrays fast path (no nulls) and the expression path (nulls) give the definition's rows
    rng = np.random.default_rng(seed)
    n = 30
    charm = rng.normal(0, 0.01, n)
    charm[rng.random(n) < 0.2] = np.nan  # no IV
    oi = rng.integers(0, 5000, n).astype(float)
    priced = pl.DataFrame(
        {
            "root": ["SPXW"] * n,
            "expiry": [dt.date(2024, 3, 15)] * n,
            "strike": 5000.0 + 5 * np.arange(n),
            "right": pl.Series(["C", "P"] * (n // 2), dtype=RIGHTS),
            "charm": [None if rng.random() < nulls else v for v in charm.tolist()],
            "open_interest": [None if rng.random() < nulls else v for v in oi.tolist()],
            "multiplier": rng.choice([100.0, 10.0], n),
        },
        schema_overrides={"charm": pl.Float64, "open_interest": pl.Float64},
    )
    ts = dt.datetime(2024, 3, 13, 18, 1, 2, 345678, tzinfo=dt.UTC)
    got = charm_rows(priced, ts)
    assert got.schema == CHARM_SCHEMA
    assert_frame_equal(got, _charm_by_expression(priced, ts), check_exact=True)
