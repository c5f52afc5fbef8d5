"""ATM IV by expiry (interpolated at the forward in total variance) and constant-maturity IV."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from eots.market import CmMethod, atm_iv_term, constant_maturity_iv, near_the_money
from eots.market.term import KnownTerm

AS_OF = dt.datetime(2024, 3, 13, 18, tzinfo=dt.UTC)


def _priced(rows: list[tuple[dt.date, float, str, float, float, float]]) -> pl.DataFrame:
    """Rows of (expiry, strike, right, t_years, forward, iv)."""
    return pl.DataFrame(
        {
            "expiry": [r[0] for r in rows],
            "settlement": ["PM"] * len(rows),
            "expiry_ts": [dt.datetime.combine(r[0], dt.time(20), tzinfo=dt.UTC) for r in rows],
            "strike": [r[1] for r in rows],
            "right": [r[2] for r in rows],
            "t_years": [r[3] for r in rows],
            "forward": [r[4] for r in rows],
            "iv": [r[5] for r in rows],
        }
    )


E1, E2 = dt.date(2024, 4, 12), dt.date(2024, 5, 17)


def test_atm_iv_interpolates_total_variance_in_log_strike_with_otm_contracts() -> None:
    # K=95: put (OTM) 0.20, call (ITM) 0.50 -> the put is used; K=105: call (OTM) 0.10.
    priced = _priced(
        [
            (E1, 95.0, "P", 0.1, 101.0, 0.20),
            (E1, 95.0, "C", 0.1, 101.0, 0.50),
            (E1, 105.0, "C", 0.1, 101.0, 0.10),
            (E1, 105.0, "P", 0.1, 101.0, 0.90),
        ]
    )
    term = atm_iv_term(priced, 100.0)
    x = math.log(101 / 95) / math.log(105 / 95)
    expected = math.sqrt((1 - x) * 0.04 + x * 0.01)
    assert term.height == 1
    row = term.row(0, named=True)
    assert row["atm_iv"] == pytest.approx(expected)
    assert row["total_variance"] == pytest.approx(expected**2 * 0.1)
    assert (row["strike_below"], row["strike_above"], row["atm_method"]) == (
        95.0,
        105.0,
        "interpolated",
    )


def test_atm_iv_strike_at_forward_is_exact_and_missing_otm_falls_back_to_other_right() -> None:
    priced = _priced(
        [
            (E1, 100.0, "C", 0.1, 100.0, 0.15),
            (E1, 100.0, "P", 0.1, 100.0, 0.15),
            (E2, 95.0, "P", 0.2, 100.0, float("nan")),  # OTM put without IV: the call's is used
            (E2, 95.0, "C", 0.2, 100.0, 0.30),
            (E2, 105.0, "C", 0.2, 100.0, 0.30),
        ]
    )
    term = atm_iv_term(priced, 100.0)
    assert term.get_column("expiry").to_list() == [E1, E2]
    assert term.get_column("atm_iv").to_list() == pytest.approx([0.15, 0.30])


def test_atm_iv_one_sided_strikes_use_nearest_and_say_so() -> None:
    priced = _priced([(E1, 90.0, "P", 0.1, 100.0, 0.25), (E1, 80.0, "P", 0.1, 100.0, 0.35)])
    row = atm_iv_term(priced, 100.0).row(0, named=True)
    assert row["atm_iv"] == pytest.approx(0.25)
    assert row["atm_method"] == "nearest"
    assert row["strike_above"] is None


def test_atm_iv_drops_expired_and_ivless_expiries() -> None:
    priced = _priced(
        [(E1, 100.0, "C", 0.0, 100.0, 0.2), (E2, 100.0, "C", 0.2, 100.0, float("nan"))]
    )
    assert atm_iv_term(priced, 100.0).height == 0


def _term(points: list[tuple[float, float]]) -> pl.DataFrame:
    return pl.DataFrame({"t_years": [d / 365 for d, _ in points], "atm_iv": [v for _, v in points]})


def test_constant_maturity_interpolates_total_variance_in_time() -> None:
    cm = constant_maturity_iv(_term([(40, 0.20), (10, 0.30), (20, 0.10)]), 30)
    # Bracket 20d (0.10) and 40d (0.20): w = (20*0.01 + 40*0.04)/2/365, iv = sqrt(w*365/30).
    assert cm.iv == pytest.approx(math.sqrt(0.9 / 30))
    assert cm.method is CmMethod.INTERPOLATED
    assert not cm.extrapolated
    assert cm.n_expiries == 3


def test_constant_maturity_exact_and_flat_extrapolation_are_flagged() -> None:
    term = _term([(20, 0.10), (40, 0.20)])
    assert constant_maturity_iv(term, 20).method is CmMethod.EXACT
    short = constant_maturity_iv(term, 5)
    long = constant_maturity_iv(term, 90)
    assert (short.iv, short.method, short.extrapolated) == (0.10, CmMethod.FLAT_SHORT, True)
    assert (long.iv, long.method, long.extrapolated) == (0.20, CmMethod.FLAT_LONG, True)


def test_constant_maturity_empty_term_is_nan_none() -> None:
    cm = constant_maturity_iv(_term([]), 30)
    assert math.isnan(cm.iv)
    assert cm.method is CmMethod.NONE
    with pytest.raises(ValueError, match="positive"):
        constant_maturity_iv(_term([(20, 0.1)]), 0)


def test_near_the_money_keeps_k_strikes_around_forward_guess_both_rights() -> None:
    expiry_ts = AS_OF + dt.timedelta(days=365)
    strikes = [float(k) for k in range(80, 125, 5)]
    chain = pl.DataFrame(
        {
            "expiry_ts": [expiry_ts] * (2 * len(strikes)) + [AS_OF],
            "strike": strikes * 2 + [100.0],
            "right": ["C"] * len(strikes) + ["P"] * len(strikes) + ["C"],
        }
    )
    # carry 0.1 for one year: guess 100 * e^0.1 = 110.5 -> nearest 3 strikes 105, 110, 115.
    kept = near_the_money(chain, 100.0, AS_OF, strikes=3, carry=0.1)
    assert sorted(set(kept.get_column("strike").to_list())) == [105.0, 110.0, 115.0]
    assert kept.height == 6  # both rights; the expired row is gone


# --- KnownTerm: a term structure reused only on equal inputs ---------------------------------

_CHAIN = [
    (E1, 95.0, "P", 0.1, 101.0, 0.20),
    (E1, 95.0, "C", 0.1, 101.0, 0.50),
    (E1, 105.0, "C", 0.1, 101.0, 0.10),
    (E1, 105.0, "P", 0.1, 101.0, 0.90),
    (E2, 95.0, "P", 0.2, float("nan"), 0.25),  # no forward: the spot stands in
    (E2, 105.0, "C", 0.2, float("nan"), 0.15),
]


def test_known_term_equals_the_computed_one_and_is_served_on_equal_rows() -> None:
    priced = _priced(_CHAIN)
    known = KnownTerm.of(priced, 100.0)
    assert_frame_equal(known.term, atm_iv_term(priced, 100.0))
    # the same rows in another frame (an extra column, rows filtered by an all-true mask)
    other = priced.with_columns(gamma=pl.lit(0.01)).filter(pl.Series([True] * priced.height))
    assert known.term_of(other, 100.0) is known.term


@pytest.mark.parametrize(
    "change",
    [
        lambda f: f.with_columns(iv=pl.when(pl.col("strike") == 105.0).then(0.12).otherwise("iv")),
        lambda f: f.with_columns(forward=pl.col("forward") + 1.0),
        lambda f: f.with_columns(t_years=pl.col("t_years") * 2),
        lambda f: f.with_columns(strike=pl.col("strike") + 1.0),
        lambda f: f.head(5),  # a contract fewer
        lambda f: f.reverse(),  # the same contracts in another order
        lambda f: f.with_columns(pl.col("right").cast(pl.Categorical)),  # another dtype
    ],
)
def test_known_term_changed_rows_are_not_served(
    change: Callable[[pl.DataFrame], pl.DataFrame],
) -> None:
    priced = _priced(_CHAIN)
    known = KnownTerm.of(priced, 100.0)
    changed = change(priced)
    got = known.term_of(changed, 100.0)
    assert got is not known.term
    assert_frame_equal(got, atm_iv_term(changed, 100.0))


def test_known_term_other_spot_is_not_served() -> None:
    priced = _priced(_CHAIN)
    known = KnownTerm.of(priced, 100.0)
    got = known.term_of(priced, 102.0)  # the E2 forward is the spot: its ATM IV moves
    assert got is not known.term
    assert_frame_equal(got, atm_iv_term(priced, 102.0))
    assert got.get_column("forward").to_list() != known.term.get_column("forward").to_list()


def test_known_term_missing_column_is_computed_and_refused_as_before() -> None:
    priced = _priced(_CHAIN)
    known = KnownTerm.of(priced, 100.0)
    with pytest.raises(pl.exceptions.ColumnNotFoundError):
        known.term_of(priced.drop("forward"), 100.0)
