"""The inferred flow computed as NumPy arrays equals the polars expressions, exactly.

Random joined rows (the pair's volumes beside the current quotes and greeks): nulls everywhere, a
volume that went down, contracts new in ``curr``, zero sizes, locked, crossed and zero-bid quotes,
prices at, inside and beyond the quote, zero and negative prices, NaN greeks. Every column of the
two paths' outputs is equal bit for bit; a NaN price takes the expressions (polars orders NaN).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from eots.chain.schema import RIGHTS
from eots.flows import inference
from eots.flows.classify import buy_fraction, buy_fraction_array
from eots.flows.schema import GREEK_FLOWS


def _maybe_null(rng: np.random.Generator, values: np.ndarray, share: float) -> list[object]:
    return [None if rng.random() < share else v for v in values.tolist()]


def _joined(seed: int, n: int, nulls: float) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    bid = rng.choice([0.0, 1.0, 2.0, 5.0], n) + rng.integers(0, 3, n) * 0.05
    ask = bid + rng.choice([-0.1, 0.0, 0.05, 0.1, 0.5], n)  # crossed, locked, normal
    last = np.where(
        rng.random(n) < 0.5,
        rng.choice([0.0, -1.0, 1.0], n),
        bid + (ask - bid) * rng.choice([-0.5, 0.0, 0.3, 0.5, 1.0, 1.5], n),
    )
    volume = rng.integers(0, 50, n)
    prev = volume - rng.choice([0, 0, 0, 1, 7, -3], n)  # -3: the volume went down
    greeks = {g: rng.normal(0, 1, n) for g in GREEK_FLOWS}
    greeks["gamma"][rng.random(n) < 0.2] = np.nan
    return pl.DataFrame(
        {
            "root": ["SPXW"] * n,
            "expiry": [dt.date(2024, 3, 15)] * n,
            "strike": (5000 + 5 * np.arange(n)).astype(float),
            "right": pl.Series(["C"] * n, dtype=RIGHTS),
            "symbol": [f"S{i}" for i in range(n)],
            "bid": _maybe_null(rng, bid, nulls),
            "ask": _maybe_null(rng, ask, nulls),
            "last": _maybe_null(rng, last, nulls),
            "volume": _maybe_null(rng, volume, nulls),
            "multiplier": _maybe_null(rng, np.full(n, 100.0), nulls / 4),
            "_volume_prev": _maybe_null(rng, prev, nulls),
            "_in_prev": _maybe_null(rng, np.ones(n, dtype=bool), 0.2),  # null: new in curr
            **{g: _maybe_null(rng, v, nulls) for g, v in greeks.items()},
        },
        schema_overrides={
            "root": pl.String,
            "expiry": pl.Date,
            "symbol": pl.String,
            "bid": pl.Float64,
            "ask": pl.Float64,
            "last": pl.Float64,
            "volume": pl.Int64,
            "multiplier": pl.Float64,
            "_volume_prev": pl.Int64,
            "_in_prev": pl.Boolean,
            **dict.fromkeys(GREEK_FLOWS, pl.Float64),
        },
    )


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 100_000), n=st.integers(0, 60), nulls=st.sampled_from([0.0, 0.1, 0.4]))
def test_arrays_equal_the_expressions(seed: int, n: int, nulls: float) -> None:
    joined = _joined(seed, n, nulls)
    got = inference._array_flow(joined)
    want = inference._expression_flow(joined)
    assert_frame_equal(got, want, check_exact=True)


def test_a_nan_price_takes_the_expressions() -> None:
    joined = _joined(1, 8, 0.0).with_columns(last=pl.lit(float("nan")))
    assert inference._has_nan(joined, ("last", "bid", "ask"))
    assert not inference._has_nan(_joined(1, 8, 0.3), ("last", "bid", "ask"))


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 100_000))
def test_buy_fraction_array_equals_the_expression(seed: int) -> None:
    joined = _joined(seed, 40, 0.2)
    want = joined.select(buy_fraction(pl.col("last"), pl.col("bid"), pl.col("ask"))).to_series()
    got, known = buy_fraction_array(
        *(joined.get_column(c).to_numpy() for c in ("last", "bid", "ask"))
    )
    assert known.tolist() == want.is_not_null().to_list()
    assert got[known].tolist() == want.drop_nulls().to_list()
