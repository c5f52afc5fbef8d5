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

then, while the session's wall barriers stand (`Barriers`, from the walls at its open), a minute
that would close beyond a wall closes as far inside it instead (reflection) and its bar's
extreme is capped at the wall: resting liquidity at the wall absorbs the flow through it. Each
reflection uses up the overshoot ``e`` (log return) of the wall's *depth*::

    D = f * wall_depth * min(1, share / wall_share_scale)

(``share``: the wall strike's net dealer gamma over the gross; the call wall only when above
the open, the put wall only when below it, else ``D = 0``). When an overshoot exceeds what is
left, the wall gives way for the rest of the session and the minute closes where it would have.

and the log realised vol ``l`` is an Ornstein-Uhlenbeck process around the regime's level,
``l_{t+1} = l_t + k (mu - l_t) + vol_of_vol sqrt(dt) w_t`` with ``k = ln 2 / half-life``, its
shocks ``w`` independent of the price shocks ``z``. With ``f = 0`` every feedback term and the walls vanish:
the path is a stochastic-volatility walk that ignores positioning (and, since ``w`` and ``z`` are
independent, realised vol is unrelated to where spot is).

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
    """The session's wall barriers (module docstring): log levels and the depth left."""

    call: float  # ln W_c, the call wall above the open (NaN: none)
    call_depth: float  # depth left at the call wall, log return, >= 0
    put: float  # ln W_p, the put wall below the open (NaN: none)
    put_depth: float  # depth left at the put wall, >= 0

    @property
    def active(self) -> bool:
        """Whether either wall still stands."""
        return self.call_depth > 0 or self.put_depth > 0


NO_BARRIERS = Barriers(call=float("nan"), call_depth=0.0, put=float("nan"), put_depth=0.0)


def session_barriers(profile: GammaProfile, params: SimulatorParams) -> Barriers:
    """Return the barriers at the walls of ``profile`` (the session's open), depths scaled.

    Examples
    --------
    A call wall 1 % above the open holding 1 % of the gross dealer gamma (half the full-share
    scale of 2 %) at feedback 0.5 with ``wall_depth = 0.008``: depth ``0.5 * 0.008 * 0.5``;
    a put wall above the open gets none:

    >>> import numpy as np
    >>> from eots.simulator.dealer import GammaProfile
    >>> prof = GammaProfile(spot=100.0, grid=np.array([99.0, 101.0]),
    ...     net_usd_per_pct=np.zeros(2), gross_usd_per_pct=1.0, zero_gamma=float("nan"),
    ...     call_wall=101.0, put_wall=100.5, call_wall_share=0.01, put_wall_share=0.3)
    >>> b = session_barriers(prof, SimulatorParams(gamma_feedback=0.5, wall_depth=0.008))
    >>> round(b.call_depth, 9), b.put_depth
    (0.002, 0.0)
    """
    f = params.gamma_feedback
    if f <= 0 or params.wall_depth <= 0:
        return NO_BARRIERS
    top = f * params.wall_depth
    scale = params.wall_share_scale
    call_ok = math.isfinite(profile.call_wall) and profile.call_wall > profile.spot
    put_ok = math.isfinite(profile.put_wall) and profile.put_wall < profile.spot
    return Barriers(
        call=math.log(profile.call_wall) if call_ok else float("nan"),
        call_depth=top * min(1.0, profile.call_wall_share / scale) if call_ok else 0.0,
        put=math.log(profile.put_wall) if put_ok else float("nan"),
        put_depth=top * min(1.0, profile.put_wall_share / scale) if put_ok else 0.0,
    )


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
        high, low = walls.cap(high, low)
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
        self.call, self.put = barriers.call, barriers.put
        self.call_depth, self.put_depth = barriers.call_depth, barriers.put_depth
        self.cap_high = np.zeros(minutes, dtype=np.bool_)
        self.cap_low = np.zeros(minutes, dtype=np.bool_)

    def reflect(self, i: int, u: float, r: float) -> float:
        """Return minute ``i``'s return after the walls (from log spot ``u``), using depth."""
        if self.call_depth > 0:
            over = u + r - self.call
            if over > self.call_depth:
                self.call_depth = 0.0  # the wall gives way
            else:
                self.cap_high[i] = True
                if over > 0:
                    self.call_depth -= over
                    r -= 2.0 * over
        if self.put_depth > 0:
            under = self.put - (u + r)
            if under > self.put_depth:
                self.put_depth = 0.0
            else:
                self.cap_low[i] = True
                if under > 0:
                    self.put_depth -= under
                    r += 2.0 * under
        return r

    def cap(self, high: FloatArray, low: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Cap the bars' extremes at the walls in the minutes they stood."""
        hi = np.where(self.cap_high, np.minimum(high, math.exp(self.call)), high)
        lo = np.where(self.cap_low, np.maximum(low, math.exp(self.put)), low)
        return hi, lo

    def left(self) -> Barriers:
        """The barriers with the depth they have left."""
        return Barriers(
            call=self.call, call_depth=self.call_depth, put=self.put, put_depth=self.put_depth
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
    "NO_BARRIERS",
    "MINUTE_YEARS",
    "TRADING_DAYS",
    "Barriers",
    "PathBlock",
    "PathState",
    "Shocks",
    "draw_shocks",
    "path_block",
    "session_barriers",
]
