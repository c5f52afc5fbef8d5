"""Risk-neutral density: a flat-vol world must give the lognormal, PoP and EV by closed form."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

from eots.greeks import black_scholes as bs
from eots.ideas.density import Density, NoDensity, SmileQuotes, pop_ev, risk_neutral_density
from eots.ideas.params import DensityRules

F = 5000.0
T = 7 / 365
SIG = 0.2


def quotes(
    strikes: np.ndarray, iv: np.ndarray | float = SIG, half_spread: float = 0.1
) -> SmileQuotes:
    k = np.concatenate([strikes, strikes])
    call = np.concatenate([np.ones(len(strikes), bool), np.zeros(len(strikes), bool)])
    vol = np.broadcast_to(np.asarray(iv, dtype=float), strikes.shape)
    vols = np.concatenate([vol, vol])
    return SmileQuotes(
        strike=k,
        is_call=call,
        iv=vols,
        delta=bs.delta(call, F, k, T, vols, 0.0, 0.0),
        vega=bs.vega(call, F, k, T, vols, 0.0, 0.0),
        half_spread=np.full(len(k), half_spread),
    )


def flat() -> Density:
    d = risk_neutral_density(quotes(np.arange(4500.0, 5505.0, 5.0)), F, T, DensityRules())
    assert isinstance(d, Density)
    return d


def lognormal_above(x: float) -> float:
    sd = SIG * math.sqrt(T)
    return float(norm.cdf((math.log(F / x) - sd * sd / 2) / sd))


def test_flat_smile_gives_the_lognormal() -> None:
    d = flat()
    assert d.mean() == pytest.approx(F, rel=1e-6)
    for x in (4800.0, 4950.0, 5000.0, 5075.0, 5200.0):
        assert 1 - d.cdf(np.array([x]))[0] == pytest.approx(lognormal_above(x), abs=2e-4)
    assert d.negative_mass < 1e-6


def test_pop_of_a_long_call_is_the_lognormal_probability_beyond_breakeven() -> None:
    d = flat()
    k, premium = 5050.0, 20.0

    def value(s: np.ndarray) -> np.ndarray:
        return 100 * np.maximum(s - k, 0.0)

    pe = pop_ev(d, value, 100 * premium, (k + premium,), 1.0)
    assert pe.pop == pytest.approx(lognormal_above(k + premium), abs=2e-4)


def test_ev_at_the_model_price_is_zero_and_net_of_the_spread_otherwise() -> None:
    d = flat()
    k = 5025.0
    fair = float(bs.price(True, F, k, T, SIG, 0.0, 0.0))

    def value(s: np.ndarray) -> np.ndarray:
        return 100 * np.maximum(s - k, 0.0)

    at_mid = pop_ev(d, value, 100 * fair, (k + fair,), 1.0)
    assert at_mid.ev == pytest.approx(0.0, abs=0.25)  # $ per unit; the call is worth ~$2,000
    at_ask = pop_ev(d, value, 100 * (fair + 0.5), (k + fair + 0.5,), 1.0)
    assert at_ask.ev == pytest.approx(-50.0, abs=0.25)


def test_discount_applies_to_the_expected_value_only() -> None:
    d = flat()
    k = 5000.0
    fair = float(bs.price(True, F, k, T, SIG, 0.0, 0.0))

    def value(s: np.ndarray) -> np.ndarray:
        return 100 * np.maximum(s - k, 0.0)

    pe = pop_ev(d, value, 100 * fair * 0.99, (k + fair * 0.99,), 0.99)
    assert pe.ev == pytest.approx(0.0, abs=0.25)


def test_skewed_smile_keeps_the_forward_and_reprices_quotes() -> None:
    strikes = np.arange(4500.0, 5505.0, 5.0)
    iv = 0.2 - 0.8 * np.log(strikes / F) + 2.0 * np.log(strikes / F) ** 2
    d = risk_neutral_density(quotes(strikes, iv, half_spread=0.05), F, T, DensityRules())
    assert isinstance(d, Density)
    assert d.mean() == pytest.approx(F, rel=2e-5)
    for k in (4900.0, 5000.0, 5100.0):
        vol = float(0.2 - 0.8 * math.log(k / F) + 2.0 * math.log(k / F) ** 2)
        model = float(bs.price(True, F, k, T, vol, 0.0, 0.0))
        from_density = float(d.mass @ np.maximum(d.grid - k, 0.0))
        assert from_density == pytest.approx(model, abs=0.1)


def test_uninformative_far_wings_are_left_out_of_the_fit() -> None:
    strikes = np.arange(4500.0, 5505.0, 5.0)
    flat_quotes = quotes(strikes)
    junk = np.abs(flat_quotes.delta) < 0.01  # minimum-tick wings: their IVs are noise
    noisy = SmileQuotes(
        strike=flat_quotes.strike,
        is_call=flat_quotes.is_call,
        iv=np.where(junk, 0.9, SIG),
        delta=flat_quotes.delta,
        vega=flat_quotes.vega,
        half_spread=flat_quotes.half_spread,
    )
    assert junk.sum() > 20
    d = risk_neutral_density(noisy, F, T, DensityRules())
    assert isinstance(d, Density)
    assert 1 - d.cdf(np.array([5075.0]))[0] == pytest.approx(lognormal_above(5075.0), abs=1e-3)
    raw = risk_neutral_density(noisy, F, T, DensityRules(min_fit_delta=0.0))
    assert not isinstance(raw, Density) or abs(raw.mean() - F) > 1.0


def test_too_few_quotes_give_no_density_with_reason() -> None:
    d = risk_neutral_density(quotes(np.array([4990.0, 5000.0, 5010.0])), F, T, DensityRules())
    assert isinstance(d, NoDensity)
    assert "quotes" in d.reason


def test_arbitrage_in_the_smile_gives_no_density() -> None:
    strikes = np.arange(4800.0, 5205.0, 5.0)
    zigzag = np.where(np.arange(len(strikes)) % 2 == 0, 0.12, 0.35)
    d = risk_neutral_density(quotes(strikes, zigzag, half_spread=0.001), F, T, DensityRules())
    assert isinstance(d, NoDensity)
    assert "arbitrage" in d.reason


def test_expired_series_gives_no_density() -> None:
    d = risk_neutral_density(quotes(np.arange(4900.0, 5100.0, 5.0)), F, 0.0, DensityRules())
    assert isinstance(d, NoDensity)


def test_tails_beyond_a_narrow_grid_keep_the_total_probability() -> None:
    d = risk_neutral_density(
        quotes(np.arange(4500.0, 5505.0, 5.0)), F, T, DensityRules(tail_sd=3.0)
    )
    assert isinstance(d, Density)
    assert d.left_tail > 1e-4
    assert d.right_tail > 1e-4
    assert d.mass.sum() + d.left_tail + d.right_tail == pytest.approx(1.0, abs=1e-9)
    edge = d.grid[-1] + (d.grid[1] - d.grid[0]) / 2
    assert d.right_tail == pytest.approx(lognormal_above(edge), rel=0.05)
