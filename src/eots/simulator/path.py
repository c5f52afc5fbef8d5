"""The underlying's price path, one step a minute, with dealer-hedging feedback.

Trading time: a minute is ``dt = 1 / (252 * 390)`` years. With ``f = gamma_feedback``, the
dealer gamma share ``x(S)`` of `eots.simulator.dealer` (> 0 where dealers are long gamma) and
``x' = dx / d ln S`` read off the profile grid, the log return of minute ``t`` is::

    sigma_t = exp(l_t) * event_multiplier              realised vol before feedback
    s_t     = sigma_t * exp(-gain * f * x(S_t)) * sqrt(dt)
    r_t     = s_t * z_t - s_t**2 / 2                    diffusion (a martingale in price)
              + f * pin_strength * s_t**2 * x'(S_t)     drift up the net-gamma profile (pinning)
              - f * lag * x(S_{t-1}) * r_{t-1}          lagged hedge flow: reversal where dealers
                                                        are long gamma, momentum where short

then the walls: resting liquidity at the large-gamma strikes. A minute that would close beyond a
standing wall closes as far inside it instead (reflection) and its bar's extreme is capped at
the wall; each reflection uses up the overshoot ``e`` (log return) of the wall's *depth*::

    D = f * wall_depth * min(1, share / wall_share_scale)

with ``share`` the strike's net dealer gamma over the gross (of the profile that made it a
wall). The call wall and the put wall of every refreshed profile (every ``block_minutes``)
join the session's walls (`WallBook`) and stand until their depth is used up: a wall holds
from whichever side spot is on (a ceiling above spot, a floor below it). A block reflects at
the nearest standing wall above spot and the nearest below it (`Barriers`). When an overshoot
exceeds what is left, that wall gives way for the rest of the session and the minute closes
where it would have. With ``f = 0`` there are no walls.

and the log realised vol ``l`` is an Ornstein-Uhlenbeck process around the regime's level,
``l_{t+1} = l_t + k (mu - l_t) + vol_of_vol sqrt(dt) w_t`` with ``k = ln 2 / half-life``, its
shocks ``w`` independent of the price shocks ``z``. With ``f = 0`` every feedback term and the
walls vanish: the path is a stochastic-volatility walk that ignores positioning (and, since ``w``
and ``z`` are independent, realised vol is unrelated to where spot is).

Each minute's bar has the open and close of the step and a high and low drawn from the exact law
of the extremes of a Brownian bridge between them with variance ``s_t**2`` (in log price).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from eots.simulator.dealer import GammaProfile
from eots.simulator.params import SimulatorParams

FloatArray = NDArray[np.float64]

MINUTES_PER_SESSION = 390
TRADING_DAYS = 252.0
MINUTE_YEARS = 1.0 / (TRADING_DAYS * MINUTES_PER_SESSION)


@dataclass(frozen=True, slots=True, kw_only=True)
class Barriers:
    """The walls a block reflects at (module docstring): log levels and the depth left."""

    above: float  # ln of the nearest standing wall above spot (NaN: none)
    above_depth: float  # its depth left, log return, >= 0
    below: float  # ln of the nearest standing wall below spot (NaN: none)
    below_depth: float

    @property
    def active(self) -> bool:
        """Whether either wall stands."""
        return self.above_depth > 0 or self.below_depth > 0


NO_BARRIERS = Barriers(above=float("nan"), above_depth=0.0, below=float("nan"), below_depth=0.0)


def profile_walls(
    profile: GammaProfile, params: SimulatorParams
) -> tuple[tuple[float, float], ...]:
    """Return ``(ln level, depth)`` of the call and put walls of ``profile`` (depth > 0 only).

    Examples
    --------
    A call wall holding 1 % of the gross dealer gamma (half the full-share scale of 2 %) at
    feedback 0.5 with ``wall_depth = 0.008`` gets ``0.5 * 0.008 * 0.5``, a put wall with 30 %
    the full ``0.5 * 0.008``:

    >>> import numpy as np
    >>> from eots.simulator.dealer import GammaProfile
    >>> prof = GammaProfile(spot=100.0, grid=np.array([99.0, 101.0]),
    ...     net_usd_per_pct=np.zeros(2), gross_usd_per_pct=1.0, zero_gamma=float("nan"),
    ...     call_wall=101.0, put_wall=99.0, call_wall_share=0.01, put_wall_share=0.3)
    >>> [(round(float(np.exp(u)), 6), round(d, 9))
    ...  for u, d in profile_walls(prof, SimulatorParams(gamma_feedback=0.5, wall_depth=0.008))]
    [(101.0, 0.002), (99.0, 0.004)]
    """
    f = params.gamma_feedback
    if f <= 0 or params.wall_depth <= 0:
        return ()
    top = f * params.wall_depth
    out = []
    for level, share in (
        (profile.call_wall, profile.call_wall_share),
        (profile.put_wall, profile.put_wall_share),
    ):
        if math.isfinite(level) and level > 0 and share > 0 and level != profile.spot:
            out.append((math.log(level), top * min(1.0, share / params.wall_share_scale)))
    return tuple(out)


class WallBook:
    """The session's standing walls and the depth each has left (module docstring).

    Every wall of a refreshed profile joins at full depth (once per strike); a block uses the
    nearest standing wall above spot and the nearest below it (further ones are shielded).

    Examples
    --------
    >>> book = WallBook()
    >>> book.add(((1.0, 0.5), (-1.0, 0.5)))
    >>> book.add(((2.0, 0.5), (1.0, 9.0)))  # 1.0 is in already: its depth stays
    >>> b = book.current(0.0)
    >>> (b.above, b.above_depth, b.below, b.below_depth)
    (1.0, 0.5, -1.0, 0.5)
    >>> book.spend(Barriers(above=1.0, above_depth=0.0, below=-1.0, below_depth=0.2))
    >>> b = book.current(0.0)  # the wall at 1 gave way: the one at 2 takes over
    >>> (b.above, b.above_depth, b.below, b.below_depth)
    (2.0, 0.5, -1.0, 0.2)
    """

    def __init__(self) -> None:
        self._left: dict[float, float] = {}  # ln level -> depth left

    def add(self, walls: tuple[tuple[float, float], ...]) -> None:
        """Add ``(ln level, depth)`` walls unless their levels are in already."""
        for level, depth in walls:
            self._left.setdefault(level, depth)

    def current(self, u: float) -> Barriers:
        """Return the nearest standing walls above and below log spot ``u``."""
        up = [k for k, d in self._left.items() if d > 0 and k > u]
        down = [k for k, d in self._left.items() if d > 0 and k < u]
        above = min(up) if up else float("nan")
        below = max(down) if down else float("nan")
        return Barriers(
            above=above,
            above_depth=self._left[above] if up else 0.0,
            below=below,
            below_depth=self._left[below] if down else 0.0,
        )

    def spend(self, barriers: Barriers) -> None:
        """Record the depth ``barriers`` (a block's, after the path) have left."""
        for level, depth in (
            (barriers.above, barriers.above_depth),
            (barriers.below, barriers.below_depth),
        ):
            if level in self._left:
                self._left[level] = depth


@dataclass(frozen=True, slots=True, kw_only=True)
class PathState:
    """What the path carries from one minute to the next."""

    spot: float  # $, unrounded
    log_vol: float  # ln of the annualised realised vol before feedback and events
    last_return: float  # log return of the previous minute (0 at a session open)
    last_share: float  # x at the start of the previous minute
    barriers: Barriers = NO_BARRIERS  # the session's walls and the depth they have left


@dataclass(frozen=True, slots=True, kw_only=True)
class PathBlock:
    """Minutes of path: per-minute open/close/high/low ($, unrounded) and the feedback inputs."""

    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    share: FloatArray  # x(S) at each minute's start
    step_sd: FloatArray  # s_t, log-return sd of the minute after feedback
    realised_vol: FloatArray  # exp(l_t) at each minute's start, annualised decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class Shocks:
    """The random numbers of a block of minutes (standard normals and uniforms, one per minute)."""

    price: FloatArray
    vol: FloatArray
    high: FloatArray  # uniforms in (0, 1]
    low: FloatArray


def draw_shocks(rng: np.random.Generator, minutes: int) -> Shocks:
    """Draw the shocks of ``minutes`` minutes (price, vol, bar extremes)."""
    z = rng.standard_normal((2, minutes))
    u = 1.0 - rng.uniform(size=(2, minutes))
    return Shocks(price=z[0], vol=z[1], high=u[0], low=u[1])


def path_block(
    state: PathState,
    profile: GammaProfile,
    shocks: Shocks,
    params: SimulatorParams,
    *,
    vol_level: float,
    vol_multiplier: float,
) -> tuple[PathState, PathBlock]:
    """Advance the path by ``len(shocks.price)`` minutes (formulas in the module docstring).

    Parameters
    ----------
    state
        Path state at the block's start.
    profile
        Dealer gamma profile refreshed at the block's start (read at each minute's spot).
    shocks
        The block's random numbers (`draw_shocks`).
    params
        Feedback strength, gains and the vol process.
    vol_level
        The regime's realised vol, annualised decimal (the OU mean is its log).
    vol_multiplier
        Event-day multiplier of realised vol (1 on ordinary days).
    """
    f = params.gamma_feedback
    u_grid = np.log(profile.grid)
    share = profile.share
    slope = np.gradient(share, u_grid)
    k = math.log(2.0) / (params.vol_half_life_days * MINUTES_PER_SESSION)
    mu = math.log(vol_level)
    vov = params.vol_of_vol * math.sqrt(MINUTE_YEARS)
    root_dt = math.sqrt(MINUTE_YEARS)
    n = len(shocks.price)
    opens, closes, shares, sds, vols = (np.empty(n) for _ in range(5))
    spot, log_vol = state.spot, state.log_vol
    r_prev, x_prev = state.last_return, state.last_share
    walls = _Walls(state.barriers, n) if f > 0 and state.barriers.active else None
    for i in range(n):
        u = math.log(spot)
        x = float(np.interp(u, u_grid, share)) if f > 0 else 0.0
        sd = (
            math.exp(log_vol)
            * vol_multiplier
            * root_dt
            * math.exp(-params.feedback_vol_gain * f * x)
        )
        r = sd * float(shocks.price[i]) - 0.5 * sd * sd
        if f > 0:
            r += f * params.pin_strength * sd * sd * float(np.interp(u, u_grid, slope))
            r -= f * params.feedback_lag * x_prev * r_prev
            if walls is not None:
                r = walls.reflect(i, u, r)
        opens[i], shares[i], sds[i], vols[i] = spot, x, sd, math.exp(log_vol)
        spot = spot * math.exp(r)
        closes[i] = spot
        r_prev, x_prev = r, x
        log_vol += k * (mu - log_vol) + vov * float(shocks.vol[i])
    high, low = _extremes(opens, closes, sds, shocks)
    barriers = state.barriers
    if walls is not None:
        high, low = walls.cap(high, low, np.vstack([opens, closes]))
        barriers = walls.left()
    block = PathBlock(
        open=opens, high=high, low=low, close=closes, share=shares, step_sd=sds, realised_vol=vols
    )
    return PathState(
        spot=spot, log_vol=log_vol, last_return=r_prev, last_share=x_prev, barriers=barriers
    ), block


class _Walls:
    """The barriers' working state through a block: depth left and which minutes they capped."""

    def __init__(self, barriers: Barriers, minutes: int) -> None:
        self.above, self.below = barriers.above, barriers.below
        self.above_depth, self.below_depth = barriers.above_depth, barriers.below_depth
        self.cap_high = np.zeros(minutes, dtype=np.bool_)
        self.cap_low = np.zeros(minutes, dtype=np.bool_)

    def reflect(self, i: int, u: float, r: float) -> float:
        """Return minute ``i``'s return after the walls (from log spot ``u``), using depth."""
        if self.above_depth > 0:
            over = u + r - self.above
            if over > self.above_depth:
                self.above_depth = 0.0  # the wall gives way
            else:
                self.cap_high[i] = True
                if over > 0:
                    self.above_depth -= over
                    r -= 2.0 * over
        if self.below_depth > 0:
            under = self.below - (u + r)
            if under > self.below_depth:
                self.below_depth = 0.0
            else:
                self.cap_low[i] = True
                if under > 0:
                    self.below_depth -= under
                    r += 2.0 * under
        return r

    def cap(
        self, high: FloatArray, low: FloatArray, ends: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Cap the bars' extremes at the walls in the minutes they stood.

        Never inside the bar's open and close (``ends``, shape (2, minutes)): in a corridor
        narrower than a minute's move, one wall's reflection can carry the close past the other.
        """
        hi = np.where(self.cap_high, np.minimum(high, math.exp(self.above)), high)
        lo = np.where(self.cap_low, np.maximum(low, math.exp(self.below)), low)
        return np.maximum(hi, ends.max(axis=0)), np.minimum(lo, ends.min(axis=0))

    def left(self) -> Barriers:
        """Return the barriers with the depth they have left."""
        return Barriers(
            above=self.above,
            above_depth=self.above_depth,
            below=self.below,
            below_depth=self.below_depth,
        )


def _extremes(
    opens: FloatArray, closes: FloatArray, sds: FloatArray, shocks: Shocks
) -> tuple[FloatArray, FloatArray]:
    a, b = np.log(opens), np.log(closes)
    spread_hi = np.sqrt((b - a) ** 2 - 2.0 * sds**2 * np.log(shocks.high))
    spread_lo = np.sqrt((b - a) ** 2 - 2.0 * sds**2 * np.log(shocks.low))
    high: FloatArray = np.exp(0.5 * (a + b + spread_hi))
    low: FloatArray = np.exp(0.5 * (a + b - spread_lo))
    return np.maximum(high, np.maximum(opens, closes)), np.minimum(low, np.minimum(opens, closes))


__all__ = [
    "MINUTES_PER_SESSION",
    "MINUTE_YEARS",
    "NO_BARRIERS",
    "TRADING_DAYS",
    "Barriers",
    "PathBlock",
    "PathState",
    "Shocks",
    "WallBook",
    "draw_shocks",
    "path_block",
    "profile_walls",
]
