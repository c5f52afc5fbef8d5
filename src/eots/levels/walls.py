"""Gamma walls (conventions.md section 4), from per-strike exposures over an expiry scope.

* Call wall: the strike with the largest net GEX (calls plus signed puts).
* Put wall: the strike with the most negative net GEX.
* Absolute-gamma strike: the largest call GEX plus absolute put GEX (not netted).

Each comes with runner-up strikes in rank order. Ties go to the strike nearer spot, then the lower.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl


@dataclass(frozen=True, slots=True, kw_only=True)
class RankedStrike:
    """A strike and the exposure ($ per 1 % move) that ranked it."""

    strike: float
    value: float


@dataclass(frozen=True, slots=True, kw_only=True)
class GammaWalls:
    """Call wall, put wall and absolute-gamma strike, each with runners-up (first = the level).

    A tuple is empty when no strike qualifies (e.g. no positive net GEX: no call wall).
    """

    call_wall: tuple[RankedStrike, ...]
    put_wall: tuple[RankedStrike, ...]
    abs_gamma: tuple[RankedStrike, ...]

    @staticmethod
    def _first(items: tuple[RankedStrike, ...]) -> float | None:
        return items[0].strike if items else None

    @property
    def call_wall_strike(self) -> float | None:
        """The call wall, or None."""
        return self._first(self.call_wall)

    @property
    def put_wall_strike(self) -> float | None:
        """The put wall, or None."""
        return self._first(self.put_wall)

    @property
    def abs_gamma_strike(self) -> float | None:
        """The absolute-gamma strike, or None."""
        return self._first(self.abs_gamma)


def _ranked(
    by_strike: pl.DataFrame, column: str, spot: float, *, descending: bool, n: int
) -> tuple[RankedStrike, ...]:
    """Return the ``n`` strikes ranking first on ``column`` (NumPy: one stable lexsort).

    Only strikes whose value has the wanted sign qualify; ranked by the value (largest first, or
    most negative first), then the distance to spot, then the strike (strikes are never null:
    the chain validation refuses them).
    """
    sign = 1.0 if descending else -1.0
    series = by_strike.get_column(column)
    value = series.cast(pl.Float64).to_numpy()
    strike = by_strike.get_column("strike").to_numpy()
    # polars' order: a NaN exceeds every number (it qualifies on either side and ranks last),
    # a null never qualifies.
    keep = (value * sign > 0) | np.isnan(value)
    if series.null_count():
        keep &= ~series.is_null().to_numpy()
    keep = np.flatnonzero(keep)
    v, k = value[keep], strike[keep]
    top = np.lexsort((k, np.abs(k - spot), v * -sign))[:n]
    return tuple(
        RankedStrike(strike=float(s), value=float(x)) for s, x in zip(k[top], v[top], strict=True)
    )


def gamma_walls(by_strike: pl.DataFrame, spot: float, *, runners_up: int = 3) -> GammaWalls:
    """Return the walls from a ``STRIKE_SCHEMA`` frame.

    Examples
    --------
    >>> f = pl.DataFrame({"strike": [90.0, 100.0, 110.0], "net_gex": [-5.0, 1.0, 3.0],
    ...                   "abs_gex": [6.0, 9.0, 3.0]})
    >>> w = gamma_walls(f, 100.0)
    >>> (w.call_wall_strike, w.put_wall_strike, w.abs_gamma_strike)
    (110.0, 90.0, 100.0)
    """
    n = runners_up + 1
    return GammaWalls(
        call_wall=_ranked(by_strike, "net_gex", spot, descending=True, n=n),
        put_wall=_ranked(by_strike, "net_gex", spot, descending=False, n=n),
        abs_gamma=_ranked(by_strike, "abs_gex", spot, descending=True, n=n),
    )
