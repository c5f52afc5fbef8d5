"""The book: every listed contract of the simulated market and the customers' open positions.

One row per contract (root, expiry, strike, right), held as NumPy arrays sorted like a validated
chain (expiry, strike, right with calls first, root). Customers hold ``long`` and ``short``
contracts; each customer contract was traded with a dealer, so open interest is
``long + short`` and the dealers' net position is ``short - long`` (dealers are short what
customers are long). Contracts never carry positions past settlement.

At each session open (`open_session`) the book is rolled: series settled at or before the open
(PM series at an earlier close, AM series at this open's print) are removed with their positions,
the series `eots.synthetic.listed_expiries` lists for the day are added (new ones empty), and each
listed series gets the strikes `eots.synthetic.strike_grid` lists around the opening spot
(strikes already listed stay listed). The first session's positions are an open-interest draw of
`eots.synthetic.open_interest` around the reference spot, split between customer long and short
with the ``initial_*_long_share`` of `SimulatorParams`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import polars as pl
from numpy.typing import NDArray

from eots.core.errors import ConfigError
from eots.core.time import SECONDS_PER_YEAR, settlement_instant, to_epoch_us, year_fraction
from eots.core.types import underlying_spec
from eots.simulator.params import SimulatorParams
from eots.synthetic import listed_expiries, strike_grid, strike_ladder
from eots.synthetic.expiries import ListedSeries
from eots.synthetic.open_interest import open_interest, roundness, series_weight
from eots.synthetic.strikes import MIN_RANGE_YEARS, RANGE_VOL

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True, slots=True, kw_only=True)
class Book:
    """Listed contracts and customer positions (arrays aligned row by row, chain order)."""

    root: NDArray[np.str_]
    expiry: NDArray[np.datetime64]  # datetime64[D]
    settle_us: IntArray  # settlement instant, epoch microseconds
    strike: FloatArray  # $
    is_call: BoolArray
    kind_weight: FloatArray  # series_weight of the series at listing (drives flow)
    long: IntArray  # contracts customers hold long
    short: IntArray  # contracts customers hold short

    @property
    def size(self) -> int:
        """Number of listed contracts."""
        return len(self.strike)

    @property
    def open_interest(self) -> IntArray:
        """Open interest, contracts: ``long + short``."""
        result: IntArray = self.long + self.short
        return result

    @property
    def dealer(self) -> IntArray:
        """Dealers' net position, contracts (> 0 long): ``short - long``."""
        result: IntArray = self.short - self.long
        return result

    def with_positions(self, long: IntArray, short: IntArray) -> Book:
        """Return the book with new customer positions."""
        return replace(self, long=long, short=short)


def empty_book() -> Book:
    """Return a book with no contract (before the first session)."""
    return Book(
        root=np.array([], dtype=np.str_),
        expiry=np.array([], dtype="datetime64[D]"),
        settle_us=np.array([], dtype=np.int64),
        strike=np.array([], dtype=np.float64),
        is_call=np.array([], dtype=np.bool_),
        kind_weight=np.array([], dtype=np.float64),
        long=np.array([], dtype=np.int64),
        short=np.array([], dtype=np.int64),
    )


def open_session(
    book: Book,
    params: SimulatorParams,
    *,
    day: dt.date,
    open_ts: dt.datetime,
    spot: float,
    rng: np.random.Generator | None,
) -> Book:
    """Roll ``book`` to the open of session ``day`` (see the module docstring).

    Parameters
    ----------
    book
        The book as of the previous close (`empty_book()` before the first session).
    params
        Listing (``params.market``) and the initial long shares.
    day, open_ts
        The session and its opening instant.
    spot
        Opening spot, $: new strikes are listed around it.
    rng
        Draws the initial open interest; given for the first session only (None afterwards).
    """
    open_us = to_epoch_us(open_ts)
    live = book.settle_us > open_us
    listing = _listing(params, day, open_ts, spot)
    old = _frame(book, live)
    merged = (
        listing.join(old, on=["root", "expiry", "strike", "is_call"], how="full", coalesce=True)
        .with_columns(
            pl.col("long").fill_null(0),
            pl.col("short").fill_null(0),
            pl.coalesce("kind_weight", "kind_weight_right"),
            pl.coalesce("settle_us", "settle_us_right"),
        )
        .drop("kind_weight_right", "settle_us_right")
        .sort("expiry", "strike", pl.col("is_call").not_(), "root")
    )
    rolled = Book(
        root=merged.get_column("root").to_numpy().astype(np.str_),
        expiry=merged.get_column("expiry").to_numpy().astype("datetime64[D]"),
        settle_us=merged.get_column("settle_us").to_numpy().astype(np.int64),
        strike=merged.get_column("strike").to_numpy().astype(np.float64),
        is_call=merged.get_column("is_call").to_numpy().astype(np.bool_),
        kind_weight=merged.get_column("kind_weight").to_numpy().astype(np.float64),
        long=merged.get_column("long").to_numpy().astype(np.int64),
        short=merged.get_column("short").to_numpy().astype(np.int64),
    )
    if rng is None:
        return rolled
    return _initial_positions(rolled, params, rng, open_ts=open_ts, spot=spot)


def _frame(book: Book, keep: BoolArray) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "root": book.root[keep].astype(str),
            "expiry": pl.Series(book.expiry[keep], dtype=pl.Date),
            "strike": book.strike[keep],
            "is_call": book.is_call[keep],
            "settle_us": book.settle_us[keep],
            "kind_weight": book.kind_weight[keep],
            "long": book.long[keep],
            "short": book.short[keep],
        },
        schema={
            "root": pl.String(),
            "expiry": pl.Date(),
            "strike": pl.Float64(),
            "is_call": pl.Boolean(),
            "settle_us": pl.Int64(),
            "kind_weight": pl.Float64(),
            "long": pl.Int64(),
            "short": pl.Int64(),
        },
    )


def _listing(
    params: SimulatorParams, day: dt.date, open_ts: dt.datetime, spot: float
) -> pl.DataFrame:
    spec = underlying_spec(params.market.symbol)
    open_us = to_epoch_us(open_ts)
    parts = []
    for series in listed_expiries(params.market, day):
        settle = to_epoch_us(settlement_instant(series.expiry, spec.settlement(series.root)))
        if settle <= open_us:
            continue
        t = (settle - open_us) / 1e6 / SECONDS_PER_YEAR
        strikes = strike_grid(params.market, spot, t)
        parts.append(_series_rows(series, strikes, settle, _weight(series, t, spec.am_roots)))
    if not parts:
        raise ConfigError(
            f"the listing of {params.market.symbol} has no live series on {day.isoformat()}: "
            "list at least one daily, weekly or monthly expiry"
        )
    return pl.concat(parts)


def _weight(series: ListedSeries, t: float, am_roots: frozenset[str]) -> float:
    return series_weight(series.kind, t=t, am=series.root in am_roots)


def _series_rows(
    series: ListedSeries, strikes: FloatArray, settle_us: int, weight: float
) -> pl.DataFrame:
    n = len(strikes)
    return pl.DataFrame(
        {
            "root": [series.root] * (2 * n),
            "expiry": [series.expiry] * (2 * n),
            "strike": np.tile(strikes, 2),
            "is_call": np.repeat([True, False], n),
            "settle_us": np.full(2 * n, settle_us, dtype=np.int64),
            "kind_weight": np.full(2 * n, weight),
        },
        schema={
            "root": pl.String(),
            "expiry": pl.Date(),
            "strike": pl.Float64(),
            "is_call": pl.Boolean(),
            "settle_us": pl.Int64(),
            "kind_weight": pl.Float64(),
        },
    )


def _initial_positions(
    book: Book,
    params: SimulatorParams,
    rng: np.random.Generator,
    *,
    open_ts: dt.datetime,
    spot: float,
) -> Book:
    t = np.maximum(year_fraction(open_ts, book.settle_us), MIN_RANGE_YEARS)
    x = np.log(book.strike / spot) / (RANGE_VOL * np.sqrt(t))
    base, _ = strike_ladder(spot)
    oi = open_interest(
        params.market,
        rng,
        is_call=book.is_call,
        x=x,
        weight=book.kind_weight * roundness(book.strike, base),
    )
    share = np.where(book.is_call, params.initial_call_long_share, params.initial_put_long_share)
    long = rng.binomial(oi, share).astype(np.int64)
    return book.with_positions(long, (oi - long).astype(np.int64))


__all__ = ["Book", "empty_book", "open_session"]
