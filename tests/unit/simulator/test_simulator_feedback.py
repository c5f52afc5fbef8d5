"""Dealer feedback: off means off, on means damped above the flip and amplified below it.

Kernel tests use fixed shocks and hand-made gamma profiles, so each feedback term can be switched
off on its own (the "delete a factor" checks). The statistical tests simulate 12 sessions of the
small listing with ``flow_reaction = 0`` (put buying after declines would tie the flip's position
to recent volatility, a real-world confound that is not what these tests are about) and score the
~4,000 non-event minutes against the true zero-gamma level, each return standardised by the true
pre-feedback vol, with a 95 % session bootstrap of ln(rv_below / rv_above) (`flip_vol_split`).
Measured (seeds 3 and 4): feedback 0 gives 0.019 [-0.026, 0.071] and -0.050 [-0.107, 0.041];
feedback 0.8 gives 0.307 [0.020, 0.593] and 0.618 [0.340, 0.887]. With a bootstrap sd near 0.07
at 0 and 0.14 at 0.8, a true log ratio of 0.45 is detected with power about 0.9, and the null
interval excludes 0 only 5 % of the time. Wall holds at feedback 0 must agree with the
distance-matched baseline (the null); see docs/simulator.md for walls under feedback.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from eots.greeks import black_scholes as bs
from eots.simulator import ListingSize, SimulatorParams, listing_preset, simulate
from eots.simulator.dealer import GammaProfile, Positions, gamma_profile, grid_gamma
from eots.simulator.path import (
    NO_BARRIERS,
    WALL_REACH,
    Barriers,
    PathState,
    Shocks,
    path_block,
    session_barriers,
)
from eots.simulator.truth import VolSplit, WallHolds, flip_vol_split, wall_holds

N = 200


def _shocks(seed: int = 0) -> Shocks:
    rng = np.random.default_rng(seed)
    return Shocks(
        price=rng.standard_normal(N),
        vol=rng.standard_normal(N),
        high=1.0 - rng.uniform(size=N),
        low=1.0 - rng.uniform(size=N),
    )


def _profile(share: float, slope: float = 0.0) -> GammaProfile:
    grid = 5000.0 * np.linspace(0.9, 1.1, 41)
    net = (share + slope * np.log(grid / 5000.0)) * np.ones(41)
    return GammaProfile(
        spot=5000.0,
        grid=grid,
        net_usd_per_pct=net,
        gross_usd_per_pct=1.0,
        zero_gamma=float("nan"),
        call_wall=float("nan"),
        put_wall=float("nan"),
    )


START = PathState(spot=5000.0, log_vol=math.log(0.12), last_return=0.0, last_share=0.0)


def _run(params: SimulatorParams, profile: GammaProfile) -> np.ndarray:
    _, block = path_block(START, profile, _shocks(), params, vol_level=0.12, vol_multiplier=1.0)
    return np.log(block.close / block.open)


def test_path_without_feedback_ignores_positioning() -> None:
    off = SimulatorParams(gamma_feedback=0.0)
    a, b = _run(off, _profile(0.8, slope=5.0)), _run(off, _profile(-0.8, slope=-5.0))
    np.testing.assert_array_equal(a, b)


def test_path_long_gamma_damps_short_gamma_amplifies() -> None:
    on = SimulatorParams(gamma_feedback=0.8, feedback_lag=0.0, pin_strength=0.0)
    calm, wild = _run(on, _profile(0.5)), _run(on, _profile(-0.5))
    ratio = np.std(wild) / np.std(calm)
    assert ratio == pytest.approx(math.exp(2 * 2.0 * 0.8 * 0.5), rel=0.02)
    no_gain = on.model_copy(update={"feedback_vol_gain": 0.0})
    np.testing.assert_allclose(_run(no_gain, _profile(0.5)), _run(no_gain, _profile(-0.5)))


def test_path_lag_reverses_when_long_gamma_and_trends_when_short() -> None:
    on = SimulatorParams(
        gamma_feedback=1.0, feedback_vol_gain=0.0, pin_strength=0.0, feedback_lag=0.9
    )
    rev, mom = _run(on, _profile(0.8)), _run(on, _profile(-0.8))
    auto = [float(np.corrcoef(r[:-1], r[1:])[0, 1]) for r in (rev, mom)]
    assert auto[0] < -0.4
    assert auto[1] > 0.4
    no_lag = on.model_copy(update={"feedback_lag": 0.0})
    assert (
        abs(float(np.corrcoef(*(_run(no_lag, _profile(0.8))[k : k + N - 1] for k in (0, 1)))[0, 1]))  # type: ignore[call-overload]
        < 0.2
    )


def test_path_pin_drifts_up_the_gamma_profile() -> None:
    on = SimulatorParams(
        gamma_feedback=1.0, feedback_vol_gain=0.0, feedback_lag=0.0, vol_of_vol=0.0
    )
    up, down = _run(on, _profile(0.0, slope=50.0)), _run(on, _profile(0.0, slope=-50.0))
    sd2 = (0.12 * math.sqrt(1 / (252 * 390))) ** 2
    np.testing.assert_allclose(up - down, 2 * 1.5 * sd2 * 50.0 * np.ones(N), rtol=1e-6)
    no_pin = on.model_copy(update={"pin_strength": 0.0})
    np.testing.assert_allclose(
        _run(no_pin, _profile(0.0, slope=50.0)), _run(no_pin, _profile(0.0, slope=-50.0))
    )


def test_grid_gamma_matches_black_scholes() -> None:
    pos = Positions(
        strike=np.array([4900.0, 5000.0, 5100.0]),
        is_call=np.array([True, False, True]),
        t_years=np.array([0.01, 0.1, 0.5]),
        sigma=np.array([0.12, 0.15, 0.2]),
        dealer=np.array([1.0, -2.0, 3.0]),
    )
    grid = np.array([4800.0, 5000.0, 5200.0])
    expected = bs.gamma(
        pos.is_call[None, :],
        grid[:, None],
        pos.strike[None, :],
        pos.t_years[None, :],
        pos.sigma[None, :],
        0.045,
        0.013,
    )
    np.testing.assert_allclose(grid_gamma(grid, pos, rate=0.045, carry=0.013), expected, rtol=1e-12)
    profile = gamma_profile(pos, spot=5000.0, band=0.04, points=41, rate=0.045, carry=0.013)
    g0 = bs.gamma(pos.is_call, 5000.0, pos.strike, pos.t_years, pos.sigma, 0.045, 0.013)
    gross = float(np.abs(pos.dealer * g0).sum() * 100 * 5000.0**2 * 0.01)
    assert profile.gross_usd_per_pct == pytest.approx(gross)
    net = float((pos.dealer * g0).sum() * 100 * 5000.0**2 * 0.01)
    assert profile.net_usd_per_pct[20] == pytest.approx(net)  # spot is the grid's centre
    assert profile.call_wall == 5100.0
    assert profile.put_wall == 5000.0
    per = pos.dealer * g0 * 100 * 5000.0**2 * 0.01
    assert profile.call_wall_share == pytest.approx(max(per[0], per[2]) / gross)
    assert profile.put_wall_share == pytest.approx(-per[1] / gross)


def _stats(feedback: float, seed: int) -> tuple[VolSplit, WallHolds]:
    params = SimulatorParams(
        market=listing_preset(ListingSize.SMALL),
        sessions=12,
        every_minutes=130,
        gamma_feedback=feedback,
        block_minutes=15,
        flow_scale=0.02,
        flow_reaction=0.0,
        profile_band=0.06,
    )
    steps = list(simulate(params, seed))
    return flip_vol_split(steps, standardise=True), wall_holds(steps)


def test_no_feedback_vol_agrees_above_and_below_the_flip() -> None:
    split, walls = _stats(0.0, 4)
    assert split.n_above > 500
    assert split.n_below > 500
    assert split.ci_low < 0.0 < split.ci_high
    assert walls.ci_low < 0.0 < walls.ci_high


def test_strong_feedback_vol_below_the_flip_exceeds_above() -> None:
    split, _ = _stats(0.8, 2)
    assert split.ci_low > 0.0


def test_gamma_peaks_are_the_nearest_local_maxima_around_spot() -> None:
    grid = np.linspace(90.0, 110.0, 21)
    net = np.where(grid < 100, 10.0 - (grid - 95.0) ** 2, 20.0 - (grid - 104.0) ** 2)
    profile = GammaProfile(
        spot=100.0,
        grid=grid,
        net_usd_per_pct=net,
        gross_usd_per_pct=1.0,
        zero_gamma=float("nan"),
        call_wall=float("nan"),
        put_wall=float("nan"),
    )
    assert profile.peaks == (104.0, 95.0)
    negative = dataclasses.replace(profile, net_usd_per_pct=net - 15.0)  # peak below is < 0
    assert negative.peaks[0] == 104.0
    assert math.isnan(negative.peaks[1])
    flat = dataclasses.replace(profile, net_usd_per_pct=grid - 100.0)  # monotone: no peak
    assert all(math.isnan(p) for p in flat.peaks)


def test_path_without_feedback_is_the_exact_lognormal_step() -> None:
    params = SimulatorParams(gamma_feedback=0.0, vol_of_vol=0.0)
    r = _run(params, _profile(0.7, slope=9.0))
    sd = 0.12 * math.sqrt(1 / (252 * 390))
    np.testing.assert_allclose(r, sd * _shocks().price - 0.5 * sd * sd, rtol=1e-9, atol=1e-15)


def _wall_profile(call_wall: float, put_wall: float, share: float = 0.05) -> GammaProfile:
    return dataclasses.replace(
        _profile(0.0), call_wall=call_wall, put_wall=put_wall, call_wall_share=share,
        put_wall_share=share,
    )


BARRIER_ONLY = SimulatorParams(
    gamma_feedback=0.8, feedback_vol_gain=0.0, feedback_lag=0.0, pin_strength=0.0, vol_of_vol=0.0
)


def _barrier_run(params: SimulatorParams, barriers: Barriers, n: int = N) -> np.ndarray:
    rng = np.random.default_rng(7)
    shocks = Shocks(
        price=rng.standard_normal(n),
        vol=rng.standard_normal(n),
        high=1.0 - rng.uniform(size=n),
        low=1.0 - rng.uniform(size=n),
    )
    _, block = path_block(
        START, _profile(0.0), shocks, params, vol_level=0.12, vol_multiplier=1.0, barriers=barriers
    )
    return np.vstack([block.open, block.close, block.high, block.low])


def test_barrier_drift_is_half_the_step_variance_times_the_force() -> None:
    b = session_barriers(_wall_profile(5020.0, 4980.0), BARRIER_ONLY)
    o, c, _, _ = _barrier_run(BARRIER_ONLY, b)
    sd = 0.12 * math.sqrt(1 / (252 * 390))
    rng = np.random.default_rng(7)
    z = rng.standard_normal(N)
    force = np.array([b.force(math.log(x)) for x in o])
    assert np.abs(force).max() > 100.0  # the path does come near the walls
    expected = sd * z - 0.5 * sd * sd + 0.5 * sd * sd * force
    np.testing.assert_allclose(np.log(c / o), expected, rtol=1e-9, atol=1e-15)
    # Delete the term (no barrier): the plain step, which differs.
    o0, c0, _, _ = _barrier_run(BARRIER_ONLY, NO_BARRIERS)
    np.testing.assert_allclose(np.log(c0 / o0), sd * z - 0.5 * sd * sd, rtol=1e-9, atol=1e-15)
    assert not np.allclose(c, c0)


def test_barrier_force_is_minus_the_potential_slope() -> None:
    b = Barriers(call=math.log(5010.0), call_height=3.0, put=math.log(4990.0), put_height=2.0,
                 band=0.001)
    u = np.log(np.linspace(4970.0, 5030.0, 61))
    from scipy.stats import norm

    def v(x: np.ndarray) -> np.ndarray:
        up = 3.0 * norm.cdf((x - b.call) / b.band + WALL_REACH)
        down = 2.0 * norm.cdf((b.put - x) / b.band + WALL_REACH)
        return np.asarray(up + down)

    h = 1e-7
    slope = (v(u + h) - v(u - h)) / (2 * h)
    np.testing.assert_allclose([b.force(x) for x in u], -slope, rtol=1e-5, atol=1e-3)
    at_wall = 3.0 * norm.cdf(WALL_REACH) + 2.0 * norm.cdf(math.log(4990 / 5010) / 0.001 + WALL_REACH)
    assert v(np.array([b.call]))[0] == pytest.approx(at_wall, rel=1e-9)


def test_barrier_keeps_the_path_below_the_call_wall_and_above_the_put_wall() -> None:
    strong = BARRIER_ONLY.model_copy(update={"gamma_feedback": 1.0})
    b = session_barriers(_wall_profile(5015.0, 4985.0), strong)
    assert (b.call_height, b.put_height) == (8.0, 8.0)
    _, _, hi, lo = _barrier_run(strong, b, n=2000)
    _, _, hi0, lo0 = _barrier_run(strong, NO_BARRIERS, n=2000)
    outside0 = np.mean((hi0 > 5015.0) | (lo0 < 4985.0))
    assert outside0 > 0.5  # without the barrier the walk leaves the 0.6 % range most minutes
    assert np.mean((hi > 5015.0) | (lo < 4985.0)) < 0.01
    assert hi.max() < 5015.0 * 1.001  # never more than a band beyond


def test_barrier_heights_scale_with_feedback_and_wall_share_and_need_the_right_side() -> None:
    params = SimulatorParams(gamma_feedback=0.5, wall_barrier=6.0, wall_share_scale=0.04)
    b = session_barriers(_wall_profile(5010.0, 4990.0, share=0.01), params)
    assert b.call_height == pytest.approx(0.5 * 6.0 * 0.25)
    assert b.put_height == pytest.approx(0.5 * 6.0 * 0.25)
    assert (b.call, b.put, b.band) == (math.log(5010.0), math.log(4990.0), params.wall_band)
    capped = session_barriers(_wall_profile(5010.0, 4990.0, share=0.5), params)
    assert capped.call_height == pytest.approx(3.0)
    wrong = session_barriers(_wall_profile(4990.0, 5010.0), params)  # call below, put above
    assert not wrong.active
    assert math.isnan(wrong.call)
    assert session_barriers(_wall_profile(5010.0, 4990.0), SimulatorParams(gamma_feedback=0.0)) == (
        NO_BARRIERS
    )
    nan_walls = session_barriers(_wall_profile(float("nan"), float("nan")), params)
    assert not nan_walls.active


def test_barrier_is_ignored_without_feedback() -> None:
    off = SimulatorParams(gamma_feedback=0.0)
    b = Barriers(call=math.log(5005.0), call_height=9.0, put=math.log(4995.0), put_height=9.0,
                 band=0.001)
    np.testing.assert_array_equal(_barrier_run(off, b), _barrier_run(off, NO_BARRIERS))


def _walls_40(feedback: float) -> WallHolds:
    params = SimulatorParams(
        market=listing_preset(ListingSize.SMALL),
        sessions=40,
        every_minutes=390,
        gamma_feedback=feedback,
        block_minutes=15,
        flow_scale=0.02,
        flow_reaction=0.0,
        profile_band=0.06,
    )
    return wall_holds(list(simulate(params, 3)))


def test_walls_hold_like_random_levels_without_feedback() -> None:
    walls = _walls_40(0.0)
    assert walls.n_walls > 30
    assert walls.ci_low < 0.0 < walls.ci_high


def test_strong_feedback_walls_hold_more_often_than_distance_matched_levels() -> None:
    walls = _walls_40(0.8)
    assert walls.n_walls > 30
    assert walls.wall_rate > 0.6
    assert walls.ci_low > 0.0
