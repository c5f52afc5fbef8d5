"""Walls with strengths: gamma concentration combined with delta exposure, positioning and flow.

The wall strikes are the foundation's (``walls.gamma_walls``, conventions.md section 4): call wall =
largest net GEX, put wall = most negative, each with ``runners_up``. For a candidate strike k of
one side (the rank-1 strike is that side's wall W):

* concentration ``C = (1 - delta_weight) * |net_gex_k| / |net_gex_W| + delta_weight * |dex_k| /
  max_j |dex_j|`` (gamma concentration combined with dealer delta exposure), in 0..1;
* dealer positioning ``P = 0.5 + 0.5 tanh(d_net_gex_session_k / net_gex_k)``: above 0.5 when the
  strike's net GEX grew in its own direction since the prior session's close; 0.5 without one;
* flow ``F = 0.5 + 0.5 tanh(gex_volm_k / net_gex_k)``: the session's traded volume re-priced as
  GEX under the same dealer sign (``gex_volm``) adds to the wall (> 0.5) or works against it;
* strength ``= clip(C * (0.5 + dealer_positioning_weight * P + real_time_flow_weight * F), 0, 1)``,
  which is C when P and F are neutral (weights 0.4 and 0.6 sum to 1).

The rank-1 strike is the ``call_wall`` (``put_wall``) whatever its strength; runners-up become
``secondary_*_wall`` levels when their strength reaches ``minimum_wall_strength``. The
absolute-gamma strike's strength is ``0.5 + 0.5 (1 - abs_gex_2 / abs_gex_1)`` (its dominance).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl

from eots.levels.model import Evidence, Level, LevelKind, Timeframe
from eots.levels.params import WallParams
from eots.levels.walls import GammaWalls, RankedStrike


def _tanh_ratio(num: float, den: float) -> float:
    if not math.isfinite(num) or den == 0:
        return 0.5
    return 0.5 + 0.5 * math.tanh(num / den)


def _side(
    ranked: tuple[RankedStrike, ...],
    kinds: tuple[LevelKind, LevelKind],
    rows: dict[float, tuple[float, float, float]],
    ctx: tuple[float, float | None, dt.datetime, WallParams],
) -> list[Level]:
    max_dex, moved_from, as_of, p = ctx
    out: list[Level] = []
    if not ranked:
        return out
    top = abs(ranked[0].value)
    for rank, r in enumerate(ranked, start=1):
        dex, gex_volm, d_session = rows.get(r.strike, (0.0, 0.0, math.nan))
        g = abs(r.value) / top
        d = abs(dex) / max_dex if max_dex > 0 else 0.0
        conc = (1 - p.delta_weight) * g + p.delta_weight * d
        pos = _tanh_ratio(d_session, r.value)
        flow = _tanh_ratio(gex_volm, r.value)
        mult = 0.5 + p.dealer_positioning_weight * pos + p.real_time_flow_weight * flow
        strength = min(1.0, max(0.0, conc * mult))
        if rank > 1 and strength < p.minimum_wall_strength:
            continue
        evidence = Evidence.of(
            net_gex=r.value,
            dex=dex,
            rank=rank,
            concentration=conc,
            positioning=pos,
            flow=flow,
            d_net_gex_session=d_session,
        )
        if rank == 1 and moved_from is not None:
            evidence += Evidence.of(moved_from=moved_from)
        out.append(
            Level(
                price=r.strike,
                kind=kinds[0] if rank == 1 else kinds[1],
                timeframe=Timeframe.INTRADAY,
                strength=strength,
                evidence=evidence,
                first_seen=as_of,
                last_seen=as_of,
            )
        )
    return out


def _strike_rows(
    by_strike: pl.DataFrame, positioning: pl.DataFrame, strikes: set[float]
) -> dict[float, tuple[float, float, float]]:
    """Return ``strike: (dex, gex_volm, d_net_gex_session)`` of the ranked strikes.

    A strike's last row (of each frame); ``d_net_gex_session`` NaN without a positioning row.
    """
    k = by_strike.get_column("strike").to_numpy()
    dex = by_strike.get_column("dex").cast(pl.Float64).to_numpy()
    volm = by_strike.get_column("gex_volm").cast(pl.Float64).to_numpy()
    pk = positioning.get_column("strike").to_numpy()
    moved = positioning.get_column("d_net_gex_session").cast(pl.Float64).to_numpy()
    rows: dict[float, tuple[float, float, float]] = {}
    for s in strikes:
        at = np.flatnonzero(k == s)
        if at.size:
            p = np.flatnonzero(pk == s)
            d = float(moved[p[-1]]) if p.size else math.nan
            rows[s] = (float(dex[at[-1]]), float(volm[at[-1]]), d)
    return rows


def wall_levels(
    walls: GammaWalls,
    by_strike: pl.DataFrame,
    positioning: pl.DataFrame,
    prior_walls: tuple[float | None, float | None],
    as_of: dt.datetime,
    params: WallParams,
) -> list[Level]:
    """Return the call/put walls, secondary walls and abs-gamma strike (module docstring).

    Parameters
    ----------
    walls
        ``gamma_walls`` of the current snapshot with ``params.runners_up`` runners-up.
    by_strike
        ``STRIKE_SCHEMA`` frame (``strike, dex, gex_volm``).
    positioning
        ``positioning_change`` output (``d_net_gex_session``).
    prior_walls
        The prior session's (call wall, put wall), recorded as ``moved_from``; None when unknown.
    """
    ranked = {r.strike for r in (*walls.call_wall, *walls.put_wall)}
    rows = _strike_rows(by_strike, positioning, ranked)
    max_dex = float(by_strike.get_column("dex").abs().max() or 0.0)  # type: ignore[arg-type]
    out = _side(
        walls.call_wall,
        (LevelKind.CALL_WALL, LevelKind.SECONDARY_CALL_WALL),
        rows,
        (max_dex, prior_walls[0], as_of, params),
    )
    out += _side(
        walls.put_wall,
        (LevelKind.PUT_WALL, LevelKind.SECONDARY_PUT_WALL),
        rows,
        (max_dex, prior_walls[1], as_of, params),
    )
    if walls.abs_gamma:
        first = walls.abs_gamma[0]
        second = walls.abs_gamma[1].value if len(walls.abs_gamma) > 1 else 0.0
        out.append(
            Level(
                price=first.strike,
                kind=LevelKind.ABS_GAMMA,
                timeframe=Timeframe.INTRADAY,
                strength=0.5 + 0.5 * (1.0 - second / first.value),
                evidence=Evidence.of(abs_gex=first.value, runner_up_abs_gex=second),
                first_seen=as_of,
                last_seen=as_of,
            )
        )
    return out


__all__ = ["wall_levels"]
