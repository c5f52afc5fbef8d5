"""The vectorised ATM term structure against a straightforward per-expiry loop (hypothesis).

``atm_iv_term`` brackets every expiry's forward at once (segment reductions over the pairs of
all expiries); ``_reference_term`` below walks the expiries one by one with plain Python, as the
definition in ``eots.market.term`` reads. Both must agree bit for bit on random chains: expiries
with one strike, with calls or puts missing, NaN / null / non-positive IVs, missing forwards,
expired rows, duplicate quotes and shuffled rows. ``constant_maturity_iv`` is pinned the same way.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from eots.chain.schema import SETTLEMENTS, UTC_US
from eots.market.term import (
    TERM_SCHEMA,
    CmMethod,
    _pair_order,
    atm_iv_term,
    constant_maturity_iv,
)

SPOT = 100.0
_DAY0 = dt.date(2024, 3, 15)
_IVS = st.one_of(
    st.floats(0.01, 3.0),
    st.sampled_from([float("nan"), 0.0, -0.2, float("inf"), None]),
)
_STRIKES = [80.0, 90.0, 95.0, 99.5, 100.0, 100.5, 105.0, 110.0, 125.0]


@st.composite
def _expiry(draw: st.DrawFn, index: int) -> list[dict[str, Any]]:
    """Rows of one settlement instant: 1-6 strikes, each with a call, a put, both or duplicates."""
    expiry = _DAY0 + dt.timedelta(days=7 * index)
    settlement = draw(st.sampled_from(["AM", "PM"]))
    hour = 14 if settlement == "AM" else 21
    t = draw(st.one_of(st.floats(1e-4, 3.0), st.sampled_from([0.0, -0.01])))
    forward = draw(
        st.one_of(st.floats(75.0, 130.0), st.sampled_from([*_STRIKES, float("nan"), None]))
    )
    strikes = draw(st.lists(st.sampled_from(_STRIKES), min_size=1, max_size=6, unique=True))
    rows: list[dict[str, Any]] = []
    for k in strikes:
        rights = draw(st.sampled_from([["C"], ["P"], ["C", "P"], ["C", "P", "C"], ["P", "P"]]))
        for right in rights:
            # a later row of the strike may carry another forward: the first row's is used
            fwd = forward if not rows or draw(st.booleans()) else draw(st.floats(75.0, 130.0))
            rows.append(
                {
                    "expiry": expiry,
                    "settlement": settlement,
                    "expiry_ts": dt.datetime.combine(expiry, dt.time(hour), tzinfo=dt.UTC),
                    "strike": k,
                    "right": right,
                    "t_years": t,
                    "forward": fwd,
                    "iv": draw(_IVS),
                }
            )
    return rows


@st.composite
def _chains(draw: st.DrawFn) -> pl.DataFrame:
    n = draw(st.integers(1, 6))
    rows = [row for i in range(n) for row in draw(_expiry(i))]
    rows = draw(st.permutations(rows))
    schema = {
        "expiry": pl.Date(),
        "settlement": SETTLEMENTS,
        "expiry_ts": UTC_US,
        "strike": pl.Float64(),
        "right": pl.Enum(["C", "P"]),
        "t_years": pl.Float64(),
        "forward": pl.Float64(),
        "iv": pl.Float64(),
    }
    return pl.DataFrame(rows, schema=schema, orient="row")


def _usable(iv: float | None) -> bool:
    return iv is not None and math.isfinite(iv) and iv > 0


def _reference_row(
    strikes: list[float], ivs: list[float], forward: float
) -> tuple[float, float | None, float | None, str]:
    """ATM IV of one expiry: bracket the forward with the nearest strikes having an IV."""
    lo = max((i for i, k in enumerate(strikes) if k <= forward and _usable(ivs[i])), default=None)
    hi = min((i for i, k in enumerate(strikes) if k >= forward and _usable(ivs[i])), default=None)
    if lo is not None and hi is not None:
        variance = ivs[lo] ** 2
        if strikes[hi] > strikes[lo]:
            x = math.log(forward / strikes[lo]) / math.log(strikes[hi] / strikes[lo])
            variance = (1 - x) * ivs[lo] ** 2 + x * ivs[hi] ** 2
        return math.sqrt(variance), strikes[lo], strikes[hi], "interpolated"
    if lo is not None:
        return ivs[lo], strikes[lo], None, "nearest"
    if hi is not None:
        return ivs[hi], None, strikes[hi], "nearest"
    return math.nan, None, None, "nearest"


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else math.nan


def _reference_term(priced: pl.DataFrame, spot: float) -> pl.DataFrame:
    """The per-expiry loop: OTM IV per strike (mean of duplicates), then ``_reference_row``."""
    rows = [
        r
        for r in priced.iter_rows(named=True)
        if r["t_years"] is not None and r["t_years"] > 0 and _usable(r["iv"])
    ]
    out = []
    for ts in sorted({r["expiry_ts"] for r in rows}):
        mine = [r for r in rows if r["expiry_ts"] == ts]
        strikes = sorted({r["strike"] for r in mine})
        ivs, forwards = [], []
        for k in strikes:
            at_k = [r for r in mine if r["strike"] == k]
            fwd = at_k[0]["forward"]
            fwd = fwd if fwd is not None and math.isfinite(fwd) else spot
            call = _mean([r["iv"] for r in at_k if r["right"] == "C"])
            put = _mean([r["iv"] for r in at_k if r["right"] == "P"])
            otm, itm = (call, put) if k >= fwd else (put, call)
            ivs.append(otm if math.isfinite(otm) else itm)
            forwards.append(fwd)
        atm, below, above, method = _reference_row(strikes, ivs, forwards[0])
        first = mine[0]
        out.append(
            {
                "expiry": first["expiry"],
                "settlement": first["settlement"],
                "expiry_ts": ts,
                "t_years": first["t_years"],
                "forward": forwards[0],
                "atm_iv": atm,
                "strike_below": below,
                "strike_above": above,
                "atm_method": method,
            }
        )
    out.sort(key=lambda r: (r["t_years"], r["expiry_ts"]))
    # total variance as the module defines it: a Polars column expression
    variance = pl.col("atm_iv") ** 2 * pl.col("t_years")
    schema = {c: dtype for c, dtype in TERM_SCHEMA.items() if c != "total_variance"}
    frame = pl.DataFrame(out, schema=schema, orient="row").with_columns(total_variance=variance)
    return frame.select(TERM_SCHEMA.names())


@settings(max_examples=300, deadline=None)
@given(priced=_chains())
def test_atm_iv_term_equals_the_per_expiry_loop_bit_for_bit(priced: pl.DataFrame) -> None:
    assert_frame_equal(atm_iv_term(priced, SPOT), _reference_term(priced, SPOT), check_exact=True)


def _reference_cm(points: list[tuple[float, float]], days: float) -> tuple[float, CmMethod, int]:
    """Constant-maturity IV by a walk over the usable expiries sorted by time."""
    usable = sorted(((t, v) for t, v in points if t > 0 and _usable(v)), key=lambda p: p[0])
    if not usable:
        return math.nan, CmMethod.NONE, 0
    target, n = days / 365.0, len(usable)
    for t, v in usable:
        if abs(t - target) <= 1e-9:
            return v, CmMethod.EXACT, n
    if target < usable[0][0]:
        return usable[0][1], CmMethod.FLAT_SHORT, n
    if target > usable[-1][0]:
        return usable[-1][1], CmMethod.FLAT_LONG, n
    i = next(k for k in range(1, n) if usable[k][0] > target)
    (t1, v1), (t2, v2) = usable[i - 1], usable[i]
    w1, w2 = v1**2 * t1, v2**2 * t2
    w = w1 + (w2 - w1) * (target - t1) / (t2 - t1)
    return math.sqrt(max(w, 0.0) / target), CmMethod.INTERPOLATED, n


@settings(max_examples=300, deadline=None)
@given(
    points=st.lists(
        st.tuples(
            st.one_of(st.floats(-0.1, 2.0), st.sampled_from([7 / 365, 30 / 365, 0.0])),
            st.one_of(st.floats(-0.5, 3.0), st.sampled_from([float("nan"), float("inf")])),
        ),
        max_size=8,
        unique_by=lambda p: p[0],
    ),
    days=st.one_of(st.floats(0.5, 800.0), st.sampled_from([7.0, 30.0])),
)
def test_constant_maturity_iv_equals_the_walk_over_expiries(
    points: list[tuple[float, float]], days: float
) -> None:
    term = pl.DataFrame(
        {"t_years": [t for t, _ in points], "atm_iv": [v for _, v in points]},
        schema={"t_years": pl.Float64(), "atm_iv": pl.Float64()},
    )
    cm = constant_maturity_iv(term, days)
    iv, method, n = _reference_cm(points, days)
    assert (cm.method, cm.n_expiries, cm.days) == (method, n, days)
    assert cm.iv == iv or (math.isnan(cm.iv) and math.isnan(iv))


@settings(max_examples=200, deadline=None)
@given(
    keys=st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from([*_STRIKES, float("nan")])), max_size=40
    ),
    presort=st.booleans(),
)
def test_pair_order_is_the_lexsort_of_settlement_and_strike(
    keys: list[tuple[int, float]], presort: bool
) -> None:
    # presorted: strikes ascend within each settlement but settlements interleave (AM / PM
    # roots listed by date), the shortcut's case; else any order (the lexsort fallback)
    if presort:
        keys = sorted(keys, key=lambda p: p[1] if p[1] == p[1] else math.inf)
    settle = np.array([s for s, _ in keys], dtype=np.int64)
    strike = np.array([k for _, k in keys], dtype=np.float64)
    np.testing.assert_array_equal(_pair_order(settle, strike), np.lexsort((strike, settle)))
