"""Strategy choice from the integrated scores, and real contracts for it from the chain.

**Strategy table** (``strategy_candidates``; ``d`` = direction score, ``v`` = volatility score,
``p`` = time-decay score of the ``SignalIntegration``; thresholds in ``StrategyRules``). Each row
gives the primary strategy first and an alternative second:

=====================================================  ======================================
condition                                              strategies
=====================================================  ======================================
``|d| >= direction_min`` and (``|d| >= direction_strong``  long call/put, then debit spread
or ``v >= vol_expansion_min``)
``|d| >= direction_min`` and ``v <= -vol_contraction``     credit spread, then debit spread
``|d| >= direction_min`` otherwise                         debit spread, then long call/put
``v >= vol_strong``                                        long straddle, then long strangle
``v >= vol_expansion_min``                                 long strangle, then long straddle
``p >= pin_min`` and a pin strike                          butterfly at the pin, then iron condor
``v <= -vol_contraction_min``                              iron condor, then butterfly
``p >= decay_min`` and ``|d| >= direction_mild``           diagonal, then calendar
``p >= decay_min``                                         calendar
=====================================================  ======================================

**Contracts** (``Book``, ``pick_legs``): only contracts with a valid two-sided quote
(``quote_valid``, ``bid > 0``, ``ask >= bid``), a spread ``(ask - bid)`` within
``ContractRules.max_relative_spread`` of the mid or at most ``max_absolute_spread`` (cheap wings
quote wide in relative terms), and finite IV and greeks can be legs. Strikes come from
levels where the plan names one (a debit spread's short leg at the target, condor shorts beyond
the range's edges, a butterfly's body at the pin) and otherwise from delta targets; wings are
``wing_atr`` ATR wide (nearest listed strike). The expiry is chosen by ``choose_series``: the
earliest series within ``[min_dte_days, max_dte_days]`` whose remaining trading time before its
last trade covers the time the idea needs (PM before AM on the same date).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from eots.core.time import ET
from eots.core.types import OptionRight, Settlement
from eots.ideas.model import Direction, Leg, Strategy
from eots.ideas.params import ContractRules, StrategyRules
from eots.ideas.spx_spy import last_trades, trading_hours_between
from eots.signals.model import SignalIntegration

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True, kw_only=True)
class Candidate:
    """A strategy the table proposes, with the rule that chose it."""

    strategy: Strategy
    direction: Direction
    rule: str


def strategy_candidates(
    integration: SignalIntegration, rules: StrategyRules
) -> tuple[Candidate, ...]:
    """Return the strategies the integrated scores call for, primary first (module table).

    The alternative's rule says which strategy it stands in for.
    """
    found = _table(integration, rules)
    if len(found) < 2:
        return found
    first = found[0]
    alts = tuple(
        Candidate(
            strategy=c.strategy,
            direction=c.direction,
            rule=f"alternative to {first.strategy.value}: {c.rule}",
        )
        for c in found[1:]
    )
    return (first, *alts)


def _table(integration: SignalIntegration, rules: StrategyRules) -> tuple[Candidate, ...]:
    d = integration.direction_score
    v = integration.volatility_score
    p = integration.time_decay_score
    scores = f"direction {d:+.2f}, volatility {v:+.2f}, time decay {p:.2f}"
    if abs(d) >= rules.direction_min:
        bull = d > 0
        direction = Direction.BULLISH if bull else Direction.BEARISH
        long_ = Strategy.LONG_CALL if bull else Strategy.LONG_PUT
        debit = Strategy.CALL_DEBIT_SPREAD if bull else Strategy.PUT_DEBIT_SPREAD
        credit = Strategy.PUT_CREDIT_SPREAD if bull else Strategy.CALL_CREDIT_SPREAD
        order: tuple[Strategy, ...]
        if abs(d) >= rules.direction_strong or v >= rules.vol_expansion_min:
            order = (long_, debit)
            why = "strong direction or expanding volatility: buy premium outright"
        elif v <= -rules.vol_contraction_min:
            order = (credit, debit)
            why = "direction with contracting volatility: sell premium on the safe side"
        else:
            order = (debit, long_)
            why = "moderate direction: a debit spread caps the premium paid"
        return tuple(
            Candidate(strategy=s, direction=direction, rule=f"{why} ({scores})") for s in order
        )
    if v >= rules.vol_expansion_min:
        strong = v >= rules.vol_strong
        order = (
            (Strategy.LONG_STRADDLE, Strategy.LONG_STRANGLE)
            if strong
            else (Strategy.LONG_STRANGLE, Strategy.LONG_STRADDLE)
        )
        why = "volatility expansion without direction: long premium both ways"
        return tuple(
            Candidate(strategy=s, direction=Direction.VOLATILE, rule=f"{why} ({scores})")
            for s in order
        )
    if p >= rules.pin_min and integration.pin_strike is not None:
        why = f"pin pressure at {integration.pin_strike:g}: butterfly centred there"
        return tuple(
            Candidate(strategy=s, direction=Direction.NEUTRAL, rule=f"{why} ({scores})")
            for s in (Strategy.BUTTERFLY, Strategy.IRON_CONDOR)
        )
    if v <= -rules.vol_contraction_min:
        why = "volatility contraction without direction: sell the range"
        return tuple(
            Candidate(strategy=s, direction=Direction.NEUTRAL, rule=f"{why} ({scores})")
            for s in (Strategy.IRON_CONDOR, Strategy.BUTTERFLY)
        )
    if p >= rules.decay_min:
        if abs(d) >= rules.direction_mild:
            direction = Direction.BULLISH if d > 0 else Direction.BEARISH
            order = (Strategy.DIAGONAL, Strategy.CALENDAR)
            why = "time decay with a mild lean"
        else:
            # A diagonal leans one way by construction: no neutral alternative to the calendar.
            direction = Direction.NEUTRAL
            order = (Strategy.CALENDAR,)
            why = "time decay without direction"
        return tuple(
            Candidate(strategy=s, direction=direction, rule=f"{why} ({scores})") for s in order
        )
    return ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Series:
    """One (root, expiry) series of the book."""

    index: int
    root: str
    expiry: dt.date
    expiry_ts: dt.datetime
    settlement: Settlement
    last_trade: dt.datetime
    forward: float
    t_years: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Book:
    """The chain's contracts with valid two-sided quotes, as arrays (in the chain's order).

    ``tradable`` marks the ones that may be legs (spread and greeks checks); ``series`` is the
    row's index into ``series_table``. ``n_contracts`` counts the whole chain.
    """

    series: NDArray[np.int64]
    strike: FloatArray
    is_call: NDArray[np.bool_]
    bid: FloatArray
    ask: FloatArray
    mid: FloatArray
    iv: FloatArray
    delta: FloatArray
    gamma: FloatArray
    theta: FloatArray
    vega: FloatArray
    multiplier: FloatArray
    carry_q: FloatArray
    tradable: NDArray[np.bool_]
    series_table: tuple[Series, ...]
    n_contracts: int

    @property
    def n_valid(self) -> int:
        """Contracts with a valid two-sided quote."""
        return len(self.strike)

    def leg(self, row: int, quantity: int) -> Leg:
        """Return the leg of ``quantity`` contracts of book row ``row``."""
        s = self.series_table[int(self.series[row])]
        return Leg(
            root=s.root,
            expiry=s.expiry,
            expiry_ts=s.expiry_ts,
            strike=float(self.strike[row]),
            right=OptionRight.CALL if self.is_call[row] else OptionRight.PUT,
            quantity=quantity,
            bid=float(self.bid[row]),
            ask=float(self.ask[row]),
            mid=float(self.mid[row]),
            iv=float(self.iv[row]),
            delta=float(self.delta[row]),
            multiplier=float(self.multiplier[row]),
            gamma=float(self.gamma[row]),
            theta=float(self.theta[row]),
            vega=float(self.vega[row]),
            carry_q=float(self.carry_q[row]),
        )


_NUM = ("strike", "bid", "ask", "iv", "delta", "gamma", "theta", "vega", "multiplier", "carry_q")


def book(contracts: pl.DataFrame, rules: ContractRules) -> Book:
    """Return the executable part of the priced chain as a ``Book``."""
    valid = (
        pl.col("quote_valid") & (pl.col("bid") > 0) & (pl.col("ask") >= pl.col("bid"))
    ).fill_null(False)
    f = contracts.select(
        valid.alias("_valid"),
        pl.col("root").cast(pl.Categorical).to_physical().alias("_root"),
        pl.col("expiry_ts").dt.epoch("us").alias("_settle"),
        (pl.col("right") == "C").alias("_call"),
        *(pl.col(c).cast(pl.Float64) for c in _NUM),
    )
    keep = np.nonzero(f.get_column("_valid").to_numpy())[0]
    cols = {c: f.get_column(c).to_numpy()[keep] for c in _NUM}
    root_code = f.get_column("_root").to_numpy()[keep].astype(np.int64)
    # Settlement second (< 2^34 until 2514) and root code (< 2^16) packed into one int64 key.
    key = (f.get_column("_settle").to_numpy()[keep] // 1_000_000) * 65536 + root_code
    _, first, series = np.unique(key, return_index=True, return_inverse=True)
    heads = contracts.select("root", "expiry", "expiry_ts", "settlement", "forward", "t_years")[
        keep[first]
    ]
    settlements = [Settlement(x) for x in heads.get_column("settlement").cast(pl.String)]
    expiries = heads.get_column("expiry").to_list()
    last = last_trades(expiries, settlements)
    table = tuple(
        Series(
            index=i,
            root=root,
            expiry=expiry,
            expiry_ts=ts,
            settlement=settlements[i],
            last_trade=last[i],
            forward=float(fwd),
            t_years=float(t),
        )
        for i, (root, expiry, ts, _, fwd, t) in enumerate(heads.iter_rows())
    )
    mid = (cols["bid"] + cols["ask"]) / 2.0
    width = cols["ask"] - cols["bid"]
    finite = np.isfinite(cols["iv"]) & (cols["iv"] > 0)
    for c in ("delta", "gamma", "theta", "vega"):
        finite &= np.isfinite(cols[c])
    return Book(
        series=series.astype(np.int64),
        strike=cols["strike"],
        is_call=f.get_column("_call").to_numpy()[keep],
        bid=cols["bid"],
        ask=cols["ask"],
        mid=mid,
        iv=cols["iv"],
        delta=cols["delta"],
        gamma=cols["gamma"],
        theta=cols["theta"],
        vega=cols["vega"],
        multiplier=cols["multiplier"],
        carry_q=cols["carry_q"],
        tradable=finite
        & ((width <= rules.max_relative_spread * mid) | (width <= rules.max_absolute_spread)),
        series_table=table,
        n_contracts=contracts.height,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SeriesChoice:
    """The series that qualify for an idea, best first, with their trading hours left (or
    why none qualified)."""

    series: tuple[Series, ...]
    trading_hours: tuple[float, ...]
    reason: str


def choose_series(
    bk: Book,
    ts: dt.datetime,
    needed_hours: float,
    rules: ContractRules,
    *,
    after: Series | None = None,
) -> SeriesChoice:
    """Return the series that leave ``needed_hours`` of trading before their last trade.

    Best first: the earliest expiry, PM before AM on the same date (the caller builds the
    structure on the first series that can carry it).

    Parameters
    ----------
    bk
        The book.
    ts
        Decision time (UTC).
    needed_hours
        Trading hours the idea's target needs (``risk.needed_hours``).
    rules
        DTE window and the minimum quotes per series.
    after
        For the far leg of a calendar/diagonal: series at least ``calendar_far_min_days`` and
        at most ``calendar_far_max_days`` after this one.
    """
    counts = np.bincount(bk.series[bk.tradable], minlength=len(bk.series_table))
    session_day = ts.astimezone(ET).date()
    ok: list[tuple[tuple[dt.date, int], Series, float]] = []
    rejected: list[str] = []
    for s in bk.series_table:
        days = (s.expiry - session_day).days
        if after is None:
            in_window = rules.min_dte_days <= days <= rules.max_dte_days
        else:
            gap = (s.expiry - after.expiry).days
            in_window = rules.calendar_far_min_days <= gap <= rules.calendar_far_max_days
        if not in_window or counts[s.index] < rules.min_quotes_per_expiry:
            continue
        hours = trading_hours_between(ts, s.last_trade)
        if hours < needed_hours:
            rejected.append(f"{s.root} {s.expiry} ({hours:.1f} h)")
            continue
        ok.append(((s.expiry, 0 if s.settlement is Settlement.PM else 1), s, hours))
    if not ok:
        too_short = f"; too little time: {', '.join(rejected[:3])}" if rejected else ""
        return SeriesChoice(
            series=(),
            trading_hours=(),
            reason=(
                f"no series with {rules.min_quotes_per_expiry}+ executable quotes leaves the "
                f"{needed_hours:.1f} trading hours the target needs{too_short}"
            ),
        )
    ok.sort(key=lambda x: x[0])
    return SeriesChoice(
        series=tuple(x[1] for x in ok), trading_hours=tuple(x[2] for x in ok), reason=""
    )


def _rows(bk: Book, series: Series, call: bool) -> NDArray[np.int64]:
    mask = (bk.series == series.index) & (bk.is_call == call) & bk.tradable
    return np.nonzero(mask)[0]


def by_delta(bk: Book, series: Series, call: bool, target: float) -> int | None:
    """Return the row of ``series`` whose |delta| is nearest ``target`` (None: no quote)."""
    rows = _rows(bk, series, call)
    if len(rows) == 0:
        return None
    return int(rows[np.argmin(np.abs(np.abs(bk.delta[rows]) - target))])


def by_strike(
    bk: Book, series: Series, call: bool, price: float, side: str = "nearest"
) -> int | None:
    """Return the row nearest ``price`` (``side``: ``"nearest"``, ``"at_or_above"``,
    ``"at_or_below"``; None when no strike qualifies)."""
    rows = _rows(bk, series, call)
    k = bk.strike[rows]
    if side == "at_or_above":
        rows, k = rows[k >= price], k[k >= price]
    elif side == "at_or_below":
        rows, k = rows[k <= price], k[k <= price]
    if len(rows) == 0:
        return None
    return int(rows[np.argmin(np.abs(k - price))])


def straddle_strike(bk: Book, series: Series) -> float | None:
    """Return the strike nearest the forward where both the call and the put are tradable."""
    calls = bk.strike[_rows(bk, series, True)]
    puts = bk.strike[_rows(bk, series, False)]
    both = np.intersect1d(calls, puts)
    if len(both) == 0:
        return None
    return float(both[np.argmin(np.abs(both - series.forward))])


def symmetric_wings(
    bk: Book, series: Series, call: bool, centre: float, width: float
) -> tuple[int, int, int] | None:
    """Return rows (low wing, body, high wing) with equal listed distances nearest ``width``."""
    rows = _rows(bk, series, call)
    k = bk.strike[rows]
    body = np.nonzero(k == centre)[0]
    if len(body) == 0:
        return None
    below = centre - k[k < centre]
    above = k[k > centre] - centre
    common = np.intersect1d(np.round(below, 6), np.round(above, 6))
    if len(common) == 0:
        return None
    w = float(common[np.argmin(np.abs(common - width))])
    lo = int(rows[np.argmin(np.abs(k - (centre - w)))])
    hi = int(rows[np.argmin(np.abs(k - (centre + w)))])
    return lo, int(rows[body[0]]), hi
