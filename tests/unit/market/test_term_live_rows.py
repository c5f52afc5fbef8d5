"""The term structure's live rows: NumPy masking equals Polars' filter (NaN, inf, null, zero)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from eots.market.term import TERM_INPUT, _live_rows

SPECIAL = st.sampled_from([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-300, -1.0, 0.2])


@settings(max_examples=80, deadline=None)
@given(
    t=st.lists(st.one_of(st.none(), SPECIAL), max_size=25),
    seed=st.integers(0, 1000),
)
def test_live_rows_equal_the_polars_filter(t: list[float | None], seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = len(t)
    iv = [
        None if rng.random() < 0.2 else float(rng.choice([np.nan, np.inf, 0.0, -0.1, 0.3]))
        for _ in range(n)
    ]
    frame = pl.DataFrame(
        {
            "expiry": [dt.date(2024, 1, 5)] * n,
            "settlement": ["PM"] * n,
            "expiry_ts": [dt.datetime(2024, 1, 5, 21, tzinfo=dt.UTC)] * n,
            "strike": np.arange(n, dtype=np.float64),
            "right": ["C"] * n,
            "forward": np.ones(n),
            "t_years": pl.Series(t, dtype=pl.Float64),
            "iv": pl.Series(iv, dtype=pl.Float64),
        }
    )
    want = frame.select(TERM_INPUT).filter(
        (pl.col("t_years") > 0) & pl.col("iv").is_finite() & (pl.col("iv") > 0)
    )
    got = _live_rows(frame)
    assert got.schema == want.schema
    assert got.equals(want)
