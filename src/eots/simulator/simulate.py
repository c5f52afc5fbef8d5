"""The simulation loop: sessions of snapshots, trades and bars from (params, seed), in time order.

`simulate` is a generator of `SimStep` values: one per snapshot time (the open, every
``every_minutes`` after it, and the close), each with the validated chain, the customer trades
and the 1-minute bars since the previous step, and the ground truth the analytics try to
recover (dealer gamma, zero gamma, walls, regime, realised vol). It is a pure function of
``(params, seed)``: every random draw comes from a ``numpy.random.Generator`` keyed by the seed, a
stream and the session (and the minute, for quotes), so the path, the trades and the bars do not
depend on ``every_minutes`` either; the snapshots only sample them.

Between sessions: the regime may switch (a two-state Markov chain, calm and stressed), spot moves
overnight by a normal log return with ``overnight_variance_share`` of a session's variance, an
event day adds a normal gap at the open, the spot anchor of the implied vol moves toward the
close, and the book rolls (`eots.simulator.book.open_session`). Within a session, every
``block_minutes`` the dealer gamma profile is recomputed from the current positions, the path
advances a block (`eots.simulator.path`) and the block's customer trades are drawn
(`eots.simulator.flow`) and booked.

Implied vol: the SSVI surface of ``params.market`` with its ATM level set to
``realised_vol * implied_premium * (spot / anchor)**-spot_vol_beta`` (clipped to 3 %..150 %) and,
in the stressed regime, a short-dated bump of ``stressed_term_shift`` (backwardation).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import polars as pl
from numpy.typing import NDArray

from eots.chain.schema import RIGHTS, UTC_US
from eots.chain.snapshot import ChainSnapshot
from eots.core.errors import ConfigError
from eots.core.time import SECONDS_PER_YEAR, nyse_calendar, to_epoch_us, year_fraction
from eots.flows.trades import SIDES, TRADES_SCHEMA
from eots.greeks import black_scholes as bs
from eots.market.bars import PRICE_SCHEMA
from eots.simulator.book import Book, empty_book, open_session
from eots.simulator.chain import QuoteColumns, chain_snapshot, session_columns
from eots.simulator.dealer import GammaProfile, Positions, gamma_profile
from eots.simulator.flow import BlockMarket, Trades, apply_trades, block_trades, session_intensity
from eots.simulator.params import SimulatorParams
from eots.simulator.path import PathState, WallBook, draw_shocks, path_block, profile_walls
from eots.synthetic import SyntheticParams, implied_vol
from eots.synthetic.quotes import quotes

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: The simulator's trades: ``TRADES_SCHEMA`` (what ``parse_trades`` returns) plus ``opening``.
SIM_TRADES_SCHEMA = pl.Schema({**TRADES_SCHEMA, "opening": pl.Boolean()})

_STREAM_REGIME, _STREAM_INIT, _STREAM_PATH, _STREAM_FLOW, _STREAM_QUOTES = 11, 12, 13, 14, 15
_IV_FLOOR, _IV_CAP = 0.03, 1.5
_MINUTE = dt.timedelta(minutes=1)


class Regime(StrEnum):
    """The volatility regime of a session."""

    CALM = "calm"
    STRESSED = "stressed"


@dataclass(frozen=True, slots=True, kw_only=True)
class SimTruth:
    """What the simulator knows at a step and the analytics have to infer."""

    session: dt.date
    regime: Regime
    event_day: bool
    realised_vol: float  # annualised, before feedback and events, decimal
    implied_atm_vol: float  # the surface's ATM level, decimal
    gamma_share: float  # x at spot: net over gross dealer gamma, in [-1, 1]
    dealer_gamma_usd_per_pct: float  # net dealer gamma at spot, $ per 1 % move
    zero_gamma: float  # $, NaN when the net profile keeps one sign within the band
    call_wall: float  # $, strike with the largest net dealer gamma (NaN: none positive)
    put_wall: float  # $, strike with the most negative net dealer gamma (NaN: none negative)
    gamma_peak_above: float  # $, spot above where net dealer gamma peaks (NaN: none positive)
    gamma_peak_below: float  # $, spot below where net dealer gamma peaks (NaN: none positive)


@dataclass(frozen=True, slots=True, kw_only=True)
class SimStep:
    """One snapshot time of the simulated market.

    ``trades`` (``SIM_TRADES_SCHEMA``) and ``bars`` (``PRICE_SCHEMA``, interval ``1m``) hold
    what happened after the previous step up to ``snapshot.ts_event`` (both empty at an open).
    ``trades.source_line`` is the trade's line in its session's feed file (header = line 1).
    """

    snapshot: ChainSnapshot
    trades: pl.DataFrame
    bars: pl.DataFrame
    truth: SimTruth


@dataclass(frozen=True, slots=True, kw_only=True)
class _Carry:
    spot: float
    log_vol: float
    regime: Regime
    anchor: float
    book: Book


def session_days(start: dt.date, sessions: int) -> tuple[dt.date, ...]:
    """Return the first ``sessions`` XNYS sessions on or after ``start``.

    Raises
    ------
    ConfigError
        When the calendar (2005-2035) does not hold that many sessions from ``start``.

    Examples
    --------
    >>> [d.isoformat() for d in session_days(dt.date(2024, 3, 29), 2)]  # Good Friday
    ['2024-04-01', '2024-04-02']
    """
    dates = nyse_calendar().dates
    i = int(np.searchsorted(dates, np.datetime64(start, "D")))
    if (i == 0 and dates[0] > np.datetime64(start, "D")) or i + sessions > len(dates):
        raise ConfigError(
            f"expected {sessions} XNYS sessions from {start.isoformat()} inside the calendar "
            f"({dates[0]} to {dates[-1]})"
        )
    return tuple(dt.date.fromisoformat(str(d)) for d in dates[i : i + sessions])


def simulate(params: SimulatorParams, seed: int) -> Iterator[SimStep]:
    """Yield the simulated market's steps, session by session, in time order.

    Parameters
    ----------
    params
        Every knob (`SimulatorParams`); ``params.market.seed`` is not used, ``seed`` is.
    seed
        Seed of every random draw (>= 0).

    Examples
    --------
    >>> from eots.simulator.params import ListingSize, listing_preset
    >>> p = SimulatorParams(market=listing_preset(ListingSize.SMALL), every_minutes=195)
    >>> steps = list(simulate(p, seed=1))
    >>> [s.snapshot.ts_event.strftime("%H:%M") for s in steps], steps[-1].bars.height
    (['13:30', '16:45', '20:00'], 195)
    """
    if seed < 0:
        raise ConfigError(f"expected a seed >= 0, was {seed}")
    carry = _Carry(
        spot=params.market.reference_spot,
        log_vol=math.log(params.calm_vol),
        regime=Regime.CALM,
        anchor=params.market.reference_spot,
        book=empty_book(),
    )
    for i, day in enumerate(session_days(params.start, params.sessions)):
        carry = yield from _session(params, seed, i, day, carry)


def _session(
    params: SimulatorParams, seed: int, index: int, day: dt.date, carry: _Carry
) -> Generator[SimStep, None, _Carry]:
    rng = np.random.default_rng([seed, _STREAM_REGIME, index])
    regime, log_vol, spot = carry.regime, carry.log_vol, carry.spot
    if index > 0:
        flip = params.p_calm_to_stressed if regime is Regime.CALM else params.p_stressed_to_calm
        if rng.uniform() < flip:
            regime = Regime.STRESSED if regime is Regime.CALM else Regime.CALM
            if regime is Regime.STRESSED:
                log_vol = max(log_vol, math.log(params.stressed_vol))
        sd = math.exp(log_vol) / math.sqrt(252.0) * math.sqrt(params.overnight_variance_share)
        spot *= math.exp(sd * rng.standard_normal() - 0.5 * sd * sd)
    event = bool(rng.uniform() < params.event_day_prob)
    if event:
        gap = params.event_gap_sd
        spot *= math.exp(gap * rng.standard_normal() - 0.5 * gap * gap)
    bounds = nyse_calendar().session_bounds(day)
    assert bounds is not None  # session_days returns sessions
    open_ts, close_ts = bounds
    init = np.random.default_rng([seed, _STREAM_INIT]) if index == 0 else None
    book = open_session(carry.book, params, day=day, open_ts=open_ts, spot=spot, rng=init)
    run = _SessionRun(
        params=params,
        seed=seed,
        index=index,
        day=day,
        open_ts=open_ts,
        minutes=round((close_ts - open_ts) / _MINUTE),
        regime=regime,
        event=event,
        anchor=carry.anchor,
        book=book,
    )
    state = PathState(spot=spot, log_vol=log_vol, last_return=0.0, last_share=0.0)
    final = yield from run.steps(state)
    w = 0.5 ** (1.0 / params.anchor_half_life_days)
    return _Carry(
        spot=final.spot,
        log_vol=final.log_vol,
        regime=regime,
        anchor=w * carry.anchor + (1.0 - w) * final.spot,
        book=run.book,
    )


class _SessionRun:
    """The mutable working state of one session (private; `simulate` exposes only values)."""

    def __init__(  # noqa: PLR0913  (a session's keyword-only starting state, private)
        self,
        *,
        params: SimulatorParams,
        seed: int,
        index: int,
        day: dt.date,
        open_ts: dt.datetime,
        minutes: int,
        regime: Regime,
        event: bool,
        anchor: float,
        book: Book,
    ) -> None:
        self.params, self.seed, self.index, self.day = params, seed, index, day
        self.open_ts, self.minutes, self.regime, self.event = open_ts, minutes, regime, event
        self.anchor, self.book = anchor, book
        self.open_us = to_epoch_us(open_ts)
        self.columns = session_columns(book, params.underlying)
        self.symbols = self.columns.get_column("symbol")
        self.roots = self.columns.get_column("root")
        self.open_interest = book.open_interest
        self.volume = np.zeros(book.size, dtype=np.int64)
        self.last = np.full(book.size, np.nan)
        self.flow_rng = np.random.default_rng([seed, _STREAM_FLOW, index])
        self.path_rng = np.random.default_rng([seed, _STREAM_PATH, index])
        self.intensity = session_intensity(book, params, self.flow_rng, day=np.datetime64(day, "D"))
        self.base = params.market.model_dump()
        self.vol_multiplier = params.event_vol_multiplier if event else 1.0
        self.lines = 1
        self.ohlc = np.empty((4, minutes))

    def steps(self, state: PathState) -> Generator[SimStep, None, PathState]:
        p = self.params
        session_open = state.spot
        marks = sorted({*range(0, self.minutes, p.every_minutes), self.minutes})
        profile = self._profile(state, 0)
        walls = WallBook()
        yield self._step(0, round(state.spot, 2), state.log_vol, profile, [], 0)
        pending: list[Trades] = []
        emitted = 0
        for first in range(0, self.minutes, p.block_minutes):
            n = min(p.block_minutes, self.minutes - first)
            profile = self._profile(state, first)
            walls.add(profile_walls(profile, p))
            state, block = path_block(
                dataclasses.replace(state, barriers=walls.current(math.log(state.spot))),
                profile,
                draw_shocks(self.path_rng, n),
                p,
                vol_level=p.calm_vol if self.regime is Regime.CALM else p.stressed_vol,
                vol_multiplier=self.vol_multiplier,
            )
            walls.spend(state.barriers)
            market = BlockMarket(
                open_us=self.open_us,
                first_minute=first,
                minute_open=block.open,
                minute_close=block.close,
                surface=self._surface(block.open[0], float(block.realised_vol[0])),
                session_return=math.log(block.open[0] / session_open),
                elapsed=(first / self.minutes, (first + n) / self.minutes),
            )
            trades = block_trades(self.book, self.intensity, market, p, self.flow_rng)
            self.book = apply_trades(self.book, trades)
            pending.append(trades)
            self.ohlc[:, first : first + n] = (block.open, block.high, block.low, block.close)
            for mark in marks:
                if first < mark <= first + n and mark > emitted:
                    i = mark - first - 1
                    done, pending = _split(pending, mark)
                    yield self._step(
                        mark,
                        round(float(block.close[i]), 2),
                        math.log(float(block.realised_vol[i])),
                        profile,
                        done,
                        emitted,
                    )
                    emitted = mark
        return state

    def _surface(self, spot: float, realised_vol: float) -> SyntheticParams:
        p = self.params
        level = realised_vol * p.implied_premium * (spot / self.anchor) ** -p.spot_vol_beta
        update: dict[str, object] = {"atm_vol": min(max(level, _IV_FLOOR), _IV_CAP)}
        if self.regime is Regime.STRESSED:
            update["short_term_vol_shift"] = p.stressed_term_shift
        return SyntheticParams.model_validate({**self.base, **update})

    def _profile(self, state: PathState, minute: int) -> GammaProfile:
        p, book = self.params, self.book
        now_us = self.open_us + minute * 60_000_000
        keep = (book.settle_us > now_us) & (book.dealer != 0)
        t = (book.settle_us[keep] - now_us) / 1e6 / SECONDS_PER_YEAR
        surface = self._surface(state.spot, math.exp(state.log_vol))
        r, q = surface.rate, surface.dividend_yield
        strike = book.strike[keep]
        sigma = implied_vol(surface, np.log(strike / state.spot) - (r - q) * t, t)
        positions = Positions(
            strike=strike,
            is_call=book.is_call[keep],
            t_years=t,
            sigma=sigma,
            dealer=book.dealer[keep].astype(np.float64),
        )
        return gamma_profile(
            positions,
            spot=state.spot,
            band=p.profile_band,
            points=p.profile_points,
            rate=r,
            carry=q,
        )

    def _step(
        self,
        mark: int,
        spot: float,
        log_vol: float,
        profile: GammaProfile,
        trades: list[Trades],
        previous: int,
    ) -> SimStep:
        as_of = self.open_ts + mark * _MINUTE
        for t in trades:
            np.add.at(self.volume, t.contract, t.size)
            if t.n:
                rev = t.contract[::-1]
                uniq, first = np.unique(rev, return_index=True)
                self.last[uniq] = t.price[::-1][first]
        surface = self._surface(spot, math.exp(log_vol))
        snapshot = self._snapshot(as_of, spot, surface, mark)
        frame = self._trades_frame(trades)
        share = float(np.interp(spot, profile.grid, profile.share))
        truth = SimTruth(
            session=self.day,
            regime=self.regime,
            event_day=self.event,
            realised_vol=math.exp(log_vol),
            implied_atm_vol=surface.atm_vol,
            gamma_share=share,
            dealer_gamma_usd_per_pct=float(np.interp(spot, profile.grid, profile.net_usd_per_pct)),
            zero_gamma=profile.zero_gamma,
            call_wall=profile.call_wall,
            put_wall=profile.put_wall,
            gamma_peak_above=profile.peaks[0],
            gamma_peak_below=profile.peaks[1],
        )
        return SimStep(
            snapshot=snapshot, trades=frame, bars=self._bars(previous, mark), truth=truth
        )

    def _snapshot(
        self, as_of: dt.datetime, spot: float, surface: SyntheticParams, mark: int
    ) -> ChainSnapshot:
        book = self.book
        live = book.settle_us > to_epoch_us(as_of)
        strike, is_call = book.strike[live], book.is_call[live]
        t = year_fraction(as_of, book.settle_us[live])
        r, q = surface.rate, surface.dividend_yield
        log_m = np.log(strike / spot) - (r - q) * t
        sigma = implied_vol(surface, log_m, t)
        price = bs.price(is_call, spot, strike, t, sigma, r, q)
        rng = np.random.default_rng([self.seed, _STREAM_QUOTES, self.index, mark])
        volume = self.volume[live]
        quoted = quotes(
            surface, rng, price=price, x=log_m / (sigma * np.sqrt(t)), traded=volume > 0
        )
        columns = QuoteColumns(
            bid=quoted.bid,
            ask=quoted.ask,
            last=self.last[live],
            volume=volume,
            open_interest=self.open_interest[live],
            iv=np.round(sigma, 4),
            delta=np.round(bs.delta(is_call, spot, strike, t, sigma, r, q), 4),
            gamma=np.round(bs.gamma(is_call, spot, strike, t, sigma, r, q), 6),
        )
        return chain_snapshot(
            self.columns,
            live,
            columns,
            spot=spot,
            as_of=as_of,
            source=f"simulated {self.params.underlying} seed={self.seed}",
        )

    def _trades_frame(self, trades: list[Trades]) -> pl.DataFrame:
        if not trades or sum(t.n for t in trades) == 0:
            return pl.DataFrame(schema=SIM_TRADES_SCHEMA)
        c = np.concatenate([t.contract for t in trades])
        book = self.book
        n = len(c)
        frame = pl.DataFrame(
            {
                "ts": pl.Series(np.concatenate([t.ts_us for t in trades])).cast(UTC_US),
                "root": self.roots.gather(c),
                "expiry": pl.Series(book.expiry[c], dtype=pl.Date),
                "strike": book.strike[c],
                "right": pl.Series(np.where(book.is_call[c], "C", "P"), dtype=RIGHTS),
                "symbol": self.symbols.gather(c),
                "price": np.concatenate([t.price for t in trades]),
                "size": np.concatenate([t.size for t in trades]),
                "bid": np.concatenate([t.bid for t in trades]),
                "ask": np.concatenate([t.ask for t in trades]),
                "side": pl.Series(
                    np.where(np.concatenate([t.is_buy for t in trades]), "buy", "sell"),
                    dtype=SIDES,
                ),
                "multiplier": np.full(n, 100.0),
                "source_line": np.arange(self.lines + 1, self.lines + 1 + n, dtype=np.int64),
                "opening": np.concatenate([t.opening for t in trades]),
            }
        )
        self.lines += n
        return frame.select([pl.col(k).cast(v) for k, v in SIM_TRADES_SCHEMA.items()])

    def _bars(self, lo: int, hi: int) -> pl.DataFrame:
        n = hi - lo
        end_us = self.open_us + np.arange(lo + 1, hi + 1, dtype=np.int64) * 60_000_000
        o, h, low, c = np.round(self.ohlc[:, lo:hi], 2)
        return pl.DataFrame(
            {
                "ts": pl.Series(end_us, dtype=pl.Int64).cast(UTC_US),
                "open": o,
                "high": h,
                "low": low,
                "close": c,
                "volume": pl.Series([None] * n, dtype=pl.Int64),
                "interval": ["1m"] * n,
            },
            schema=PRICE_SCHEMA,
        )


def _split(pending: list[Trades], mark: int) -> tuple[list[Trades], list[Trades]]:
    done, rest = [], []
    for t in pending:
        before = t.minute < mark
        done.append(_take(t, before))
        rest.append(_take(t, ~before))
    return done, [r for r in rest if r.n]


def _take(t: Trades, mask: BoolArray) -> Trades:
    return Trades(
        contract=t.contract[mask],
        ts_us=t.ts_us[mask],
        minute=t.minute[mask],
        size=t.size[mask],
        is_buy=t.is_buy[mask],
        price=t.price[mask],
        bid=t.bid[mask],
        ask=t.ask[mask],
        opening=t.opening[mask],
    )


__all__ = ["SIM_TRADES_SCHEMA", "Regime", "SimStep", "SimTruth", "session_days", "simulate"]
