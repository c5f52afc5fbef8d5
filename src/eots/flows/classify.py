"""The quote rule and the buy/sell split of a traded size into the flow columns.

Quote rule (conventions.md section 5), for a trade price p against the quote (bid, ask)::

    p >= ask              -> buy fraction 1      (customer lifted the offer)
    p <= bid              -> buy fraction 0      (customer hit the bid)
    bid < p < ask         -> buy fraction (p - bid) / (ask - bid)
    p == bid == ask       -> buy fraction 1/2    (locked quote: no information)

Inside the spread the size is split linearly by position rather than by the midpoint test of
Lee-Ready: a snapshot's volume increment aggregates many trades of which only the last price is
seen, so the linear split is the expected share under a uniform prior and never jumps from all-sell
to all-buy at the mid. A quote is usable when bid and ask are present, 0 <= bid <= ask and ask > 0
(a zero bid is allowed: far out-of-the-money options are quoted 0 x 0.05). A price is usable when it
is present and > 0. Anything else leaves the size unclassified: counted in ``volm_unclassified``,
never guessed.

The split turns a size into the columns of ``SIDE_COLUMNS``: ``volm_buy = size * f``,
``volm_sell = size * (1 - f)``, ``value_* = volm_* * price * multiplier`` ($) and
``<greek>s_* = volm_* * greek * multiplier`` (greeks per share from the priced chain). A zero size
gives exact zeros even where a price or a greek is missing: no trade is a known zero flow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from numpy.typing import NDArray

from eots.flows.schema import (
    FLOW_REASONS,
    FLOW_SOURCES,
    GREEK_FLOWS,
    SIDE_COLUMNS,
    FlowReason,
    FlowSource,
)

NAN = float("nan")
_SOURCE_CODES = list(FLOW_SOURCES.categories)
_SOURCE_SERIES = pl.Series("flow_source", _SOURCE_CODES, dtype=FLOW_SOURCES)
_REASON_SERIES = pl.Series("flow_reason", FLOW_REASONS.categories).cast(FLOW_REASONS)

Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]


def usable_quote(bid: pl.Expr, ask: pl.Expr) -> pl.Expr:
    """Return whether (bid, ask) can classify a trade: present, 0 <= bid <= ask and ask > 0."""
    return bid.is_not_null() & ask.is_not_null() & (bid >= 0) & (ask > 0) & (bid <= ask)


def buy_fraction(price: pl.Expr, bid: pl.Expr, ask: pl.Expr) -> pl.Expr:
    """Return the quote rule's buyer-initiated share of a size traded at ``price``, in [0, 1].

    Null where the price or the quote is unusable (see the module docstring).

    Examples
    --------
    >>> df = pl.DataFrame({"p": [1.1, 1.0, 1.05, 1.0, None], "b": [1.0, 1.0, 1.0, 1.0, 1.0],
    ...                    "a": [1.1, 1.1, 1.1, 1.0, 1.1]})
    >>> f = buy_fraction(pl.col("p"), pl.col("b"), pl.col("a"))
    >>> df.select(f.round(6)).to_series().to_list()
    [1.0, 0.0, 0.5, 0.5, None]
    """
    ok = usable_quote(bid, ask) & price.is_not_null() & (price > 0)
    return (
        pl.when(~ok)
        .then(None)
        .when((price >= ask) & (price <= bid))
        .then(0.5)
        .when(price >= ask)
        .then(1.0)
        .when(price <= bid)
        .then(0.0)
        .otherwise((price - bid) / (ask - bid))
        .cast(pl.Float64)
    )


def buy_fraction_array(
    price: NDArray[np.float64], bid: NDArray[np.float64], ask: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Return ``buy_fraction`` of arrays (a null as NaN) and where it is known (not null).

    Equal to ``buy_fraction`` when no input is a NaN proper (polars orders NaN above every
    number, NumPy compares it false): callers with NaN prices use the expression.
    """
    ok = (bid >= 0) & (ask > 0) & (bid <= ask) & (price > 0)  # NaN (null) compares false
    at_ask, at_bid = price >= ask, price <= bid
    with np.errstate(divide="ignore", invalid="ignore"):  # rows of the other branches
        inside = (price - bid) / (ask - bid)
    frac = np.where(at_ask & at_bid, 0.5, np.where(at_ask, 1.0, np.where(at_bid, 0.0, inside)))
    return np.where(ok, frac, NAN), ok


def unclassified_reason(price: pl.Expr) -> pl.Expr:
    """Return why the quote rule gave no fraction: ``no_price`` or, failing that, ``no_quote``."""
    return (
        pl.when(price.is_null() | (price <= 0))
        .then(pl.lit(FlowReason.NO_PRICE.value))
        .otherwise(pl.lit(FlowReason.NO_QUOTE.value))
    )


def side_columns(frame: pl.DataFrame, *, source: FlowSource) -> pl.DataFrame:
    """Turn private inputs into the ``SIDE_COLUMNS`` plus ``flow_source`` and ``flow_reason``.

    ``frame`` carries ``_size`` (contracts; null = unknown), ``_fraction`` (buy share;
    null = unclassified), ``_reason`` (why either is unknown), ``_price`` ($ per share),
    ``multiplier`` and the greeks ``delta, gamma, vega, theta`` (per share, NaN allowed). Rows whose
    split is known get ``source``; the others get ``none``, NaN flows and their reason
    (``split_arrays``, appended to ``frame`` with ``_known``).
    """
    size = frame.get_column("_size").cast(pl.Float64)
    fraction = frame.get_column("_fraction").cast(pl.Float64)
    out, known = split_arrays(
        Split(
            size=size.to_numpy(),  # nulls are NaN
            size_known=size.is_not_null().to_numpy(),
            fraction=fraction.to_numpy(),
            fraction_known=fraction.is_not_null().to_numpy(),
            price=frame.get_column("_price").cast(pl.Float64).to_numpy(),
            multiplier=frame.get_column("multiplier").cast(pl.Float64).to_numpy(),
            greeks={g: frame.get_column(g).cast(pl.Float64).to_numpy() for g in GREEK_FLOWS},
        )
    )
    return frame.with_columns(
        pl.Series("_known", known),
        *side_series(out),
        source_series(known, source),
        pl.when(pl.lit(pl.Series(known)))
        .then(None)
        .otherwise(pl.col("_reason"))
        .cast(FLOW_REASONS)
        .alias("flow_reason"),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Split:
    """The inputs of ``split_arrays``, one value per row (a null number as NaN)."""

    size: Floats  # contracts
    size_known: Bools  # the size is not null
    fraction: Floats  # buy share
    fraction_known: Bools  # the fraction is not null
    price: Floats  # $ per share
    multiplier: Floats
    greeks: dict[str, Floats]  # per share, by ``GREEK_FLOWS`` name


def split_arrays(split: Split) -> tuple[dict[str, Floats], Bools]:
    """Return the ``SIDE_COLUMNS`` arrays of a size split by a buy fraction, and which are known.

    The module docstring's products in its order; a row is known when its size is and it is zero
    or its fraction is known; an unknown row's flows are NaN (its ``volm`` and
    ``volm_unclassified`` are its size). A zero size gives exact zeros.
    """
    size, fraction = split.size, split.fraction
    zero = size == 0
    known = split.size_known & (zero | split.fraction_known)
    frac = np.where(zero, 0.0, fraction)
    out: dict[str, Floats] = {"volm": size}
    sides = {
        "buy": np.where(known, size * frac, NAN),
        "sell": np.where(known, size * (1.0 - frac), NAN),
    }
    per_share = {"value": split.price, **{q: split.greeks[g] for g, q in GREEK_FLOWS.items()}}
    for side, n in sides.items():
        out[f"volm_{side}"] = n
        # a zero size is an exact zero (whatever the price); the products only where it is not
        # (most contracts do not trade between two snapshots), NaN included
        busy = np.flatnonzero(n != 0)
        nb, mb = n[busy], split.multiplier[busy]
        for name, x in per_share.items():
            column = np.zeros(len(n), dtype=np.float64)
            column[busy] = nb * x[busy] * mb
            out[f"{name}_{side}"] = column
    out["volm_unclassified"] = np.where(known, 0.0, size)
    out["volm_bs"] = out["volm_buy"] - out["volm_sell"]
    out["value_bs"] = out["value_buy"] - out["value_sell"]
    return out, known


def side_series(out: dict[str, Floats]) -> list[pl.Series]:
    """Return ``split_arrays``' arrays as the ``SIDE_COLUMNS`` series, in their order."""
    return [float_series(c, out[c]) for c in SIDE_COLUMNS]


def float_series(name: str, values: NDArray[np.floating]) -> pl.Series:
    """Return ``values`` as a ``Float64`` series (a float64 array is taken as it is: faster)."""
    if values.dtype == np.float64:
        return pl.Series(name, values)
    return pl.Series(name, values, dtype=pl.Float64)


def source_series(known: Bools, source: FlowSource) -> pl.Series:
    """Return ``flow_source``: ``source`` where the split is known, else ``none``."""
    return sources_of(source_codes(known, source))


def source_codes(known: Bools, source: FlowSource) -> NDArray[np.int64]:
    """Return the ``FLOW_SOURCES`` codes of ``source_series(known, source)``."""
    return np.where(known, _SOURCE_CODES.index(source.value), _SOURCE_CODES.index("none"))


def sources_of(codes: NDArray[np.int64]) -> pl.Series:
    """Return ``flow_source`` of ``FLOW_SOURCES`` codes."""
    return _SOURCE_SERIES.gather(codes)


def nan_for_null(columns: list[str]) -> list[pl.Expr]:
    """Return expressions turning nulls into NaN in float ``columns`` (missing flow is NaN)."""
    return [pl.col(c).fill_null(NAN) for c in columns]


def reasons_of(codes: NDArray[np.int64]) -> pl.Series:
    """Return ``flow_reason`` of ``FLOW_REASONS`` codes (-1: null)."""
    nullable = pl.Series(codes, dtype=pl.Int64).set(pl.Series(codes < 0), None)
    return _REASON_SERIES.gather(nullable)


@dataclass(slots=True)
class CodeColumns:
    """The last ``flow_source`` and ``flow_reason`` columns made, by their codes.

    Consecutive increments (and a window's latest sources and reasons) seldom change from one
    step to the next, and an enum column costs far more to make than its codes cost to compare:
    equal codes give the kept column (the same values).
    """

    _sources: tuple[NDArray[np.int64], pl.Series] | None = None
    _reasons: tuple[NDArray[np.int64], pl.Series] | None = None

    def sources(self, codes: NDArray[np.int64]) -> pl.Series:
        """Return ``sources_of(codes)``."""
        kept = self._sources
        if kept is None or not np.array_equal(kept[0], codes):
            kept = self._sources = (codes.copy(), sources_of(codes))
        return kept[1]

    def reasons(self, codes: NDArray[np.int64]) -> pl.Series:
        """Return ``reasons_of(codes)``."""
        kept = self._reasons
        if kept is None or not np.array_equal(kept[0], codes):
            kept = self._reasons = (codes.copy(), reasons_of(codes))
        return kept[1]
