"""E-SDAG's intraday skew piece: one IV per expiry and stamp read as arrays equals the group-by.

The array path applies the group-by path's operations in its order to the same values (the mean of
one value is the value), so the pieces are equal exactly; a stamp listing an expiry twice, or a
NaN change, goes to the group-by.
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

from eots.adaptive import skew
from eots.adaptive.params import ESdagParams
from eots.chain.schema import UTC_US
from eots.market import TERM_HISTORY_SCHEMA

T0 = dt.datetime(2024, 3, 13, 15, 0, tzinfo=dt.UTC)
KEYS = ["expiry", "settlement"]
#: The random histories both properties draw (``_history``'s arguments).
HISTORIES = {
    "seed": st.integers(0, 10_000),
    "stamps": st.integers(1, 8),
    "expiries": st.integers(1, 12),
    "twice": st.booleans(),
    "nulls": st.booleans(),
}


def _history(seed: int, stamps: int, expiries: int, twice: bool, nulls: bool) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    pieces = []
    for s in range(stamps):
        n = max(expiries - int(rng.integers(0, 2)), 1)  # the last expiry may be missing
        iv = rng.uniform(0.1, 0.4, n)
        ivs: list[float | None] = iv.tolist()
        if nulls:
            ivs[0] = None
        piece = pl.DataFrame(
            {
                "ts_event": [T0 + dt.timedelta(minutes=s)] * n,
                "session": [T0.date()] * n,
                "expiry": [dt.date(2024, 3, 15) + dt.timedelta(days=i) for i in range(n)],
                "settlement": ["AM" if i % 3 == 0 else "PM" for i in range(n)],
                "atm_iv": ivs,
            },
            schema_overrides={"ts_event": UTC_US, "atm_iv": pl.Float64},
        )
        if twice:
            piece = pl.concat([piece, piece.head(1).with_columns(atm_iv=pl.lit(0.3))])
        pieces.append(piece)
    stacked = pl.concat(pieces)
    missing = [c for c in TERM_HISTORY_SCHEMA if c not in stacked.columns]
    return stacked.with_columns(pl.lit(None).alias(c) for c in missing).select(
        [pl.col(c).cast(t) for c, t in TERM_HISTORY_SCHEMA.items()]
    )


def _grouped(history: pl.DataFrame, as_of: dt.datetime) -> pl.DataFrame | None:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(skew, "_one_per_key", lambda *_: None)
        return skew._intraday(history, as_of, KEYS, ESdagParams())[0]


@settings(max_examples=30, deadline=None)
@given(**HISTORIES)
def test_array_path_equals_the_group_by(
    seed: int, stamps: int, expiries: int, twice: bool, nulls: bool
) -> None:
    history = _history(seed, stamps, expiries, twice, nulls)
    as_of = T0 + dt.timedelta(minutes=stamps - 1)
    got, n = skew._intraday(history, as_of, KEYS, ESdagParams())
    want = _grouped(history, as_of)
    assert n == min(stamps, ESdagParams().intraday_lookback + 1)
    if got is None or want is None:
        assert got is None
        assert want is None
        return
    # a null piece (a null IV at either end) is 1 after the join, as a missing row
    want = want.drop_nulls(skew.INTRADAY_PIECE)
    got = got.drop_nulls(skew.INTRADAY_PIECE)
    assert_frame_equal(got.sort(KEYS), want.sort(KEYS), check_exact=True)


def test_intraday_piece_by_hand_and_a_later_stamp_ignored() -> None:
    history = _history(1, 3, 2, twice=False, nulls=False)
    as_of = T0 + dt.timedelta(minutes=1)  # the third stamp is after as_of
    got, n = skew._intraday(history, as_of, KEYS, ESdagParams())
    assert n == 2
    assert got is not None

    def iv(minute: int) -> dict[object, float]:
        at = history.filter(pl.col("ts_event") == T0 + dt.timedelta(minutes=minute))
        return dict(zip(at.get_column("expiry").to_list(), at.get_column("atm_iv"), strict=True))

    then, now = iv(0), iv(1)
    for expiry, piece in got.select("expiry", skew.INTRADAY_PIECE).iter_rows():
        assert piece == min(max(1.0 + (now[expiry] / then[expiry] - 1.0), 0.5), 2.0)
    assert got.height == len(set(then) & set(now))


def test_a_nan_change_takes_the_group_by() -> None:
    history = _history(2, 2, 3, twice=False, nulls=False).with_columns(
        atm_iv=pl.when(pl.col("expiry") == dt.date(2024, 3, 15)).then(0.0).otherwise("atm_iv")
    )  # 0 / 0 at the first expiry
    as_of = T0 + dt.timedelta(minutes=1)
    got, _ = skew._intraday(history, as_of, KEYS, ESdagParams())
    want = _grouped(history, as_of)
    assert got is not None
    assert want is not None
    assert_frame_equal(got.sort(KEYS), want.sort(KEYS), check_exact=True)


def _term(history: pl.DataFrame, seed: int, extra: bool) -> pl.DataFrame:
    """The latest stamp's term (``TERM_SCHEMA``), plus an expiry of its own if ``extra``."""
    from eots.market import TERM_SCHEMA

    latest = history.filter(pl.col("ts_event") == pl.col("ts_event").max()).unique(
        KEYS, keep="first", maintain_order=True
    )
    term = latest.select(TERM_SCHEMA.names()).with_columns(
        atm_iv=pl.Series(np.random.default_rng(seed).uniform(0.1, 0.4, latest.height)),
        t_years=(pl.col("expiry") - T0.date()).dt.total_days().cast(pl.Float64) / 365.0 + 0.001,
    )
    if extra:
        term = pl.concat([term, term.tail(1).with_columns(expiry=pl.date(2030, 1, 1))])
    return term


@settings(max_examples=30, deadline=None)
@given(**HISTORIES, extra=st.booleans(), nan=st.booleans())
def test_expiry_skew_on_arrays_equals_the_join(
    seed: int, stamps: int, expiries: int, twice: bool, nulls: bool, extra: bool, nan: bool
) -> None:
    """``expiry_skew`` matches the intraday piece to the term on packed keys, as the join does."""
    history = _history(seed, stamps, expiries, twice, nulls)
    if nan:  # 0 / 0 at the first expiry: the group-by path
        history = history.with_columns(
            atm_iv=pl.when(pl.col("expiry") == dt.date(2024, 3, 15)).then(0.0).otherwise("atm_iv")
        )
    term = _term(history, seed, extra)
    context = types.SimpleNamespace(term_intraday=history)
    as_of = T0 + dt.timedelta(minutes=stamps - 1)
    got, got_reports = skew.expiry_skew(term, context, as_of, KEYS, ESdagParams())  # type: ignore[arg-type]
    with pytest.MonkeyPatch.context() as m:
        m.setattr(skew, "_piece_on", lambda *_: None)
        want, want_reports = skew.expiry_skew(term, context, as_of, KEYS, ESdagParams())  # type: ignore[arg-type]
    assert got_reports == want_reports
    assert_frame_equal(got.sort(KEYS), want.sort(KEYS), check_exact=True)
