"""Dealer feedback: off means off; on, vol is damped above the flip and walls hold.

Kernel tests use fixed shocks and hand-made gamma profiles, so each feedback term can be switched
off on its own (the "delete a factor" checks), and the walls (reflection with a finite depth) are
checked against a by-hand reference. The statistical tests use the small listing with
``flow_reaction = 0`` (put buying after declines would tie the flip's position to recent
volatility, a real-world confound that is not what these tests are about).

Vol split: 12 sessions, ~4,000 non-event minutes scored against the true zero-gamma level, each
return standardised by the true pre-feedback vol, 95 % session bootstrap of ln(rv_below /
rv_above) (`flip_vol_split`). Measured: feedback 0, seeds 3 and 4: 0.019 [-0.026, 0.071] and
-0.050 [-0.107, 0.041]. Feedback 0.8 (with the walls), seeds 1-8: 0.37, 0.38, 0.29, 0.41, 0.20,
0.15, 0.41, 0.79, 5 of 8 intervals excluding 0 (power about 0.6; the walls confine the path
away from deep negative gamma); the test uses seed 4, 0.410 [0.128, 0.715].

Walls: 40 sessions (seed 3), `wall_holds` (true walls against distance-matched random levels,
difference with a 95 % session bootstrap). Measured, seeds 3-7: at 0, differences -0.048,
-0.028, 0.004, -0.044, -0.023, every interval containing 0 (seed 3: 18.4 % vs 23.1 %, n = 49,
[-0.132, 0.030]); at 0.8, 0.310, 0.289, 0.328, 0.299, 0.245 with lower bounds 0.12-0.19, 5 of 5
excluding 0 (seed 3: 79.5 % vs 48.5 %, n = 39, [0.172, 0.450]); bootstrap sd about 0.07, so a
true difference of 0.25 is detected with power near 1. About 3 s of CPU per 40-session run.
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
    Barriers,
    PathState,
    Shocks,
    WallBook,
    path_block,
    profile_walls,
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
    split, _ = _stats(0.8, 4)
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
        _profile(0.0),
        call_wall=call_wall,
        put_wall=put_wall,
        call_wall_share=share,
        put_wall_share=share,
    )


BARRIER_ONLY = SimulatorParams(
    gamma_feedback=0.8, feedback_vol_gain=0.0, feedback_lag=0.0, pin_strength=0.0, vol_of_vol=0.0
)
SD = 0.12 * math.sqrt(1 / (252 * 390))


def _barrier_run(
    params: SimulatorParams, barriers: Barriers, n: int = N, sign: float = 1.0
) -> np.ndarray:
    rng = np.random.default_rng(7)
    shocks = Shocks(
        price=sign * rng.standard_normal(n),
        vol=rng.standard_normal(n),
        high=1.0 - rng.uniform(size=n),
        low=1.0 - rng.uniform(size=n),
    )
    start = dataclasses.replace(START, barriers=barriers)
    state, block = path_block(
        start, _profile(0.0), shocks, params, vol_level=0.12, vol_multiplier=1.0
    )
    LEFT[sign] = state.barriers
    return np.vstack([block.open, block.close, block.high, block.low])


LEFT: dict[float, Barriers] = {}  # the barriers a _barrier_run ended with, by shock sign


def _reference(
    barriers: Barriers, n: int = N, sign: float = 1.0
) -> tuple[np.ndarray, float, float]:
    """The walls by hand: plain steps, reflected while depth is left (the module docstring)."""
    z = sign * np.random.default_rng(7).standard_normal(n)
    u, call_left, put_left = math.log(5000.0), barriers.above_depth, barriers.below_depth
    closes = []
    for zi in z:
        r = SD * zi - 0.5 * SD * SD
        over = u + r - barriers.above
        if call_left > 0 and over > call_left:
            call_left = 0.0
        elif call_left > 0 and over > 0:
            call_left, r = call_left - over, r - 2 * over
        under = barriers.below - (u + r)
        if put_left > 0 and under > put_left:
            put_left = 0.0
        elif put_left > 0 and under > 0:
            put_left, r = put_left - under, r + 2 * under
        u += r
        closes.append(math.exp(u))
    return np.array(closes), call_left, put_left


def test_walls_reflect_the_overshoot_and_use_up_their_depth() -> None:
    # These shocks fall to 4937 (minute 175) after a first high of 5000.57.
    b = Barriers(above=math.log(5000.3), above_depth=1e-5, below=math.log(4990.0), below_depth=0.05)
    _, c, hi, lo = _barrier_run(BARRIER_ONLY, b)
    expected, call_left, put_left = _reference(b)
    np.testing.assert_allclose(c, expected, rtol=1e-12)
    assert 0.0 < put_left < 0.05  # the put wall was hit and still stands
    assert call_left == 0.0  # the call wall gave way
    assert (LEFT[1.0].above_depth, LEFT[1.0].below_depth) == pytest.approx((call_left, put_left))
    assert lo.min() >= 4990.0 - 1e-9
    assert hi.max() > 5000.3
    # Delete the term (no walls): the plain step, which goes through the put wall.
    _, c0, _, lo0 = _barrier_run(BARRIER_ONLY, NO_BARRIERS)
    np.testing.assert_allclose(
        np.log(c0),
        math.log(5000.0)
        + np.cumsum(SD * np.random.default_rng(7).standard_normal(N) - 0.5 * SD * SD),
        rtol=1e-12,
    )
    assert lo0.min() < 4990.0 * 0.99


def test_call_wall_reflects_a_rising_path_and_the_put_wall_gives_way() -> None:
    # The mirrored shocks: a first low of 4999.43, then a rise to about 5063.
    b = Barriers(above=math.log(5010.0), above_depth=0.05, below=math.log(4999.7), below_depth=1e-5)
    _, c, hi, lo = _barrier_run(BARRIER_ONLY, b, sign=-1.0)
    expected, call_left, put_left = _reference(b, sign=-1.0)
    np.testing.assert_allclose(c, expected, rtol=1e-12)
    assert 0.0 < call_left < 0.05
    assert put_left == 0.0
    assert (LEFT[-1.0].above_depth, LEFT[-1.0].below_depth) == pytest.approx((call_left, put_left))
    assert hi.max() <= 5010.0 + 1e-9
    assert lo.min() < 4999.7
    _, _, hi0, _ = _barrier_run(BARRIER_ONLY, NO_BARRIERS, sign=-1.0)
    assert hi0.max() > 5010.0 * 1.01


def test_walls_carry_their_depth_from_block_to_block() -> None:
    b = Barriers(above=float("nan"), above_depth=0.0, below=math.log(4990.0), below_depth=0.05)
    rng = np.random.default_rng(7)
    shocks = Shocks(
        price=rng.standard_normal(N),
        vol=rng.standard_normal(N),
        high=1.0 - rng.uniform(size=N),
        low=1.0 - rng.uniform(size=N),
    )
    state = dataclasses.replace(START, barriers=b)
    closes = []
    for k in range(0, N, 50):
        part = Shocks(
            price=shocks.price[k : k + 50],
            vol=shocks.vol[k : k + 50],
            high=shocks.high[k : k + 50],
            low=shocks.low[k : k + 50],
        )
        state, block = path_block(
            state, _profile(0.0), part, BARRIER_ONLY, vol_level=0.12, vol_multiplier=1.0
        )
        closes.append(block.close)
    expected, _, put_left = _reference(b)
    np.testing.assert_allclose(np.concatenate(closes), expected, rtol=1e-12)
    assert 0.0 < state.barriers.below_depth == pytest.approx(put_left)


def test_strong_walls_keep_a_random_walk_inside() -> None:
    b = Barriers(above=math.log(5015.0), above_depth=1.0, below=math.log(4985.0), below_depth=1.0)
    _, _, hi, lo = _barrier_run(BARRIER_ONLY, b, n=2000)
    _, _, hi0, lo0 = _barrier_run(BARRIER_ONLY, NO_BARRIERS, n=2000)
    assert np.mean((hi0 > 5015.0) | (lo0 < 4985.0)) > 0.5  # it leaves the range most minutes
    assert hi.max() <= 5015.0 + 1e-9
    assert lo.min() >= 4985.0 - 1e-9


def test_wall_depth_scales_with_feedback_and_wall_share() -> None:
    params = SimulatorParams(gamma_feedback=0.5, wall_depth=0.006, wall_share_scale=0.04)
    walls = profile_walls(_wall_profile(5010.0, 4990.0, share=0.01), params)
    np.testing.assert_allclose(
        walls, [[math.log(5010.0), 0.5 * 0.006 * 0.25], [math.log(4990.0), 0.5 * 0.006 * 0.25]]
    )
    capped = profile_walls(_wall_profile(5010.0, 4990.0, share=0.5), params)
    assert capped[0][1] == pytest.approx(0.003)
    # A call wall below spot and a put wall above it are walls too (a floor and a ceiling).
    book = WallBook()
    book.add(profile_walls(_wall_profile(4990.0, 5010.0), params))
    b = book.current(math.log(5000.0))
    assert (b.above, b.below) == (math.log(5010.0), math.log(4990.0))
    off = SimulatorParams(gamma_feedback=0.0)
    assert profile_walls(_wall_profile(5010.0, 4990.0), off) == ()
    assert profile_walls(_wall_profile(float("nan"), 5000.0), params) == ()  # none, at spot
    none = WallBook()
    none.add(())
    assert not none.current(math.log(5000.0)).active


def test_walls_are_ignored_without_feedback() -> None:
    off = SimulatorParams(gamma_feedback=0.0)
    b = Barriers(above=math.log(5002.0), above_depth=1.0, below=math.log(4998.0), below_depth=1.0)
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
