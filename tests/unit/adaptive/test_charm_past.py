"""``charm_past``: the aligned NumPy path equals the general group-by path.

Within 1e-12 relative: the NumPy path adds the three values in time order, the group-by in its own
order, so the last bit of a mean may differ (each path is deterministic).
"""

from __future__ import annotations

import datetime as dt
import types

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from eots.adaptive import charm
from eots.adaptive.params import DTdpiParams
from eots.chain.schema import RIGHTS, UTC_US
from eots.market import CHARM_SCHEMA

T0 = dt.datetime(2024, 3, 13, 15, 0, tzinfo=dt.UTC)
KEY = ["root", "expiry", "strike", "right"]


def _history(seed: int, n: int, stamps: int, shuffle_one: bool) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    k = np.arange(n)
    base = pl.DataFrame(
        {
            "root": ["SPXW"] * n,
            "expiry": [dt.date(2024, 3, 15)] * n,
            "strike": (5000 + 5 * (k // 2)).astype(float),
            "right": pl.Series(["C" if i % 2 else "P" for i in k], dtype=RIGHTS),
        }
    )
    pieces = []
    for s in range(stamps):
        v = rng.normal(0, 100, n)
        v[rng.random(n) < 0.2] = np.nan
        piece = base.with_columns(
            ts=pl.lit(T0 + dt.timedelta(minutes=s)).cast(UTC_US),
            charm=pl.Series(v / 100),
            open_interest=pl.lit(100, dtype=pl.Int64),
            charmxoi=pl.Series(v),
        )
        if shuffle_one and s == 1:
            piece = piece.sample(fraction=1.0, shuffle=True, seed=seed)
        pieces.append(piece.select(list(CHARM_SCHEMA)))
    return pl.concat(pieces)


def _general(history: pl.DataFrame, as_of: dt.datetime) -> pl.DataFrame | None:
    """``charm_past`` forced onto the group-by path."""
    ctx = types.SimpleNamespace(charm_history=history)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(charm, "aligned", lambda *_: False)
        return charm.charm_past(ctx, as_of, DTdpiParams())[0]  # type: ignore[arg-type]


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 60),
    stamps=st.integers(3, 6),
    shuffle_one=st.booleans(),
)
def test_aligned_path_equals_the_group_by(
    seed: int, n: int, stamps: int, shuffle_one: bool
) -> None:
    history = _history(seed, n, stamps, shuffle_one)
    as_of = T0 + dt.timedelta(minutes=stamps)  # every stamp is past; the latest 3 are used
    ctx = types.SimpleNamespace(charm_history=history)
    got, report = charm.charm_past(ctx, as_of, DTdpiParams())  # type: ignore[arg-type]
    want = _general(history, as_of)
    assert got is not None
    assert want is not None
    anyorder = history.sample(fraction=1.0, shuffle=True, seed=seed)  # unsorted: the general path
    mixed, _ = charm.charm_past(types.SimpleNamespace(charm_history=anyorder), as_of, DTdpiParams())  # type: ignore[arg-type]
    assert mixed is not None
    # a shuffle can leave a short history aligned (n = 1): then the aligned path's null rows stay
    mixed = mixed.drop_nulls(charm.PAST_COLUMN)
    assert_frame_equal(mixed.sort(KEY), want.sort(KEY), check_exact=False, rel_tol=1e-12, abs_tol=0)
    # the aligned path keeps every contract (a null mean where the group-by has no row)
    assert got.height == n or shuffle_one
    got = got.drop_nulls(charm.PAST_COLUMN)
    assert_frame_equal(got.sort(KEY), want.sort(KEY), check_exact=False, rel_tol=1e-12, abs_tol=0)
    assert not report.neutral


def test_mean_of_the_last_three_known_values_only() -> None:
    history = _history(1, 4, 4, shuffle_one=False)
    values = history.get_column("charmxoi").to_numpy().reshape(4, 4)
    as_of = T0 + dt.timedelta(minutes=3)  # stamps 0, 1, 2 are past; 3 is "now"
    got, _ = charm.charm_past(
        types.SimpleNamespace(charm_history=history),  # type: ignore[arg-type]
        as_of,
        DTdpiParams(),
    )
    assert got is not None
    past = np.abs(values[:3])
    nulls = got.get_column(charm.PAST_COLUMN).is_null().to_numpy()
    assert nulls.tolist() == (~np.isfinite(past).all(axis=0)).tolist()  # rows in the pieces' order
    got = got.drop_nulls(charm.PAST_COLUMN)
    for row in got.iter_rows(named=True):
        j = int((row["strike"] - 5000) / 5) * 2 + (1 if row["right"] == "C" else 0)
        assert np.isfinite(past[:, j]).all()
        assert row[charm.PAST_COLUMN] == pytest.approx(past[:, j].mean(), rel=1e-15)
    assert got.height == int(np.isfinite(past).all(axis=0).sum())
