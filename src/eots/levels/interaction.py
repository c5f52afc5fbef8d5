"""Historical price interaction with a level: tests, holds, breaches and reactions in ATR.

Two sources, both up to ``as_of`` only (the market context's ``daily_bars`` and ``spot_path``):

* **Daily bars** (the last ``interaction_bars``): a bar *tests* L when
  ``low - tol <= L <= high + tol`` (``tol = touch_atr * ATR``). It approached from the side of
  its open (from the previous close when the open is exactly L; neither: a test only). It *holds*
  when it closes on that side (or at L) and *breaches* when it closes beyond. Its reaction is
  ``(close - L) * side / ATR``: positive = pushed away, negative = went through.
* **The intraday spot path**: each sample is above (+1), inside (0) or below (-1) the band
  ``L +- tol``. A test is a visit to the band, or a jump from one side straight to the other,
  between two samples outside it; it holds when the price leaves on the side it came from and
  breaches otherwise. Its reaction is the largest move away from L on the approach side after
  the test (hold, positive) or beyond it (breach, negative) until the next test, in ATR. A path
  that starts or ends inside the band gives no test for that visit.

The interaction factor in 0..1 is ``0.5 + 0.5 * (holds - breaches) / tests * min(1, tests /
interaction_full_tests)``: neutral 0.5 with no tests, shrunk toward 0.5 with few.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True, kw_only=True)
class Interaction:
    """How price met one level."""

    tests: int
    holds: int
    breaches: int
    reaction_atr: float  # mean reaction over the tests that resolved, ATR (NaN: none)

    def factor(self, full_tests: int) -> float:
        """Return the 0..1 interaction factor (module docstring)."""
        if self.tests == 0:
            return 0.5
        balance = (self.holds - self.breaches) / self.tests
        return 0.5 + 0.5 * balance * min(1.0, self.tests / full_tests)

    def __add__(self, other: Interaction) -> Interaction:
        """Pool two interactions (the reaction is the count-weighted mean)."""
        n1, n2 = self.holds + self.breaches, other.holds + other.breaches
        parts = [(r, n) for r, n in ((self.reaction_atr, n1), (other.reaction_atr, n2)) if n]
        reaction = sum(r * n for r, n in parts) / (n1 + n2) if parts else float("nan")
        return Interaction(
            tests=self.tests + other.tests,
            holds=self.holds + other.holds,
            breaches=self.breaches + other.breaches,
            reaction_atr=reaction,
        )


NO_INTERACTION = Interaction(tests=0, holds=0, breaches=0, reaction_atr=float("nan"))


def bar_interaction(level: float, bars: pl.DataFrame, atr: float, touch_atr: float) -> Interaction:
    """Return the interaction of daily ``bars`` (``open, high, low, close``) with ``level``.

    Examples
    --------
    >>> bars = pl.DataFrame({"open": [105.0, 103.0], "high": [106.0, 104.0],
    ...                      "low": [99.5, 101.0], "close": [104.0, 102.0]})
    >>> bar_interaction(100.0, bars, 2.0, 0.1)
    Interaction(tests=1, holds=1, breaches=0, reaction_atr=2.0)
    """
    return ohlc_interaction(level, bar_ohlc(bars), atr, touch_atr)


#: Daily bars as arrays: open, high, low, close.
Ohlc = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]


def bar_ohlc(bars: pl.DataFrame) -> Ohlc:
    """Return the ``open, high, low, close`` columns of daily bars as arrays (read once)."""
    o, h, lo, c = (bars.get_column(n).to_numpy() for n in ("open", "high", "low", "close"))
    return o, h, lo, c


def ohlc_interaction(level: float, ohlc: Ohlc, atr: float, touch_atr: float) -> Interaction:
    """Return ``bar_interaction`` of bars already read into arrays (``bar_ohlc``)."""
    o, h, lo, c = ohlc
    if o.size == 0:
        return NO_INTERACTION
    tol = touch_atr * atr
    tested = (lo - tol <= level) & (level <= h + tol)
    prev_close = np.concatenate([[np.nan], c[:-1]])
    side = np.sign(o - level)
    side = np.where(side == 0, np.sign(prev_close - level), side)
    side = np.nan_to_num(side)
    resolved = tested & (side != 0)
    away = (c - level) * side
    holds = int(np.sum(resolved & (away >= 0)))
    breaches = int(np.sum(resolved & (away < 0)))
    n = holds + breaches
    reaction = float(np.mean(away[resolved]) / atr) if n else float("nan")
    return Interaction(
        tests=int(np.sum(tested)), holds=holds, breaches=breaches, reaction_atr=reaction
    )


def path_interaction(
    level: float, prices: NDArray[np.float64], atr: float, touch_atr: float
) -> Interaction:
    """Return the interaction of an intraday price path with ``level`` (module docstring).

    Examples
    --------
    >>> p = np.array([103.0, 101.0, 100.05, 101.5, 102.0, 100.0, 98.0, 97.0])
    >>> path_interaction(100.0, p, 1.0, 0.1)
    Interaction(tests=2, holds=1, breaches=1, reaction_atr=-0.5)
    """
    tol = touch_atr * atr
    state = np.where(prices > level + tol, 1, np.where(prices < level - tol, -1, 0))
    outside = np.flatnonzero(state != 0)
    tests = holds = breaches = 0
    reactions: list[float] = []
    events = [
        (int(i), int(j))
        for i, j in itertools.pairwise(outside)
        if j > i + 1 or state[i] != state[j]
    ]
    for k, (i, j) in enumerate(events):
        tests += 1
        side = state[i]
        end = events[k + 1][0] + 1 if k + 1 < len(events) else len(prices)
        after = (prices[j:end] - level) * side / atr
        if state[j] == side:
            holds += 1
            reactions.append(float(after.max()))
        else:
            breaches += 1
            reactions.append(float(after.min()))
    reaction = float(np.mean(reactions)) if reactions else float("nan")
    return Interaction(tests=tests, holds=holds, breaches=breaches, reaction_atr=reaction)


__all__ = [
    "NO_INTERACTION",
    "Interaction",
    "Ohlc",
    "bar_interaction",
    "bar_ohlc",
    "ohlc_interaction",
    "path_interaction",
]
