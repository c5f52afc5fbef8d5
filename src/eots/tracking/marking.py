"""Mark-to-market: all live legs joined once against a snapshot's quotes, summed per idea.

For every live idea, with ``q`` the signed quantity x multiplier of each leg and ``f`` the
spread fraction of its leg count (``TrackingParams.spread_fraction``)::

    entry  (buy to open)    bid/ask: sum q (ask if q > 0 else bid)   mid: sum q mid
                            spread fraction: sum q (mid + sign(q) f (ask - bid) / 2)
    exit   (sell to close)  bid/ask: sum q (bid if q > 0 else ask)   mid: sum q mid
                            spread fraction: sum q (mid - sign(q) f (ask - bid) / 2)

An idea is ``valid`` when every leg has a two-sided, uncrossed quote (0 <= bid <= ask). The legs
still alive at ``ts_event`` (before their settlement instant) are summed apart for settlement.
One polars join (quotes filtered to the legs' strikes first) and ``np.bincount`` per sum: no
per-leg Python loop. Used by ``eots.tracking.lifecycle``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from eots.core.errors import ReplayError
from eots.tracking.book import Position
from eots.tracking.model import FillPrices, Marks
from eots.tracking.params import FillModel, TrackingParams

_KEYS = ("root", "expiry", "strike", "right")


@dataclass(frozen=True, slots=True)
class Values:
    """Per-idea sums over legs (arrays indexed like the live ideas), $ per unit."""

    valid: np.ndarray
    entry: np.ndarray  # (3, I): bid/ask, mid, spread fraction
    exit: np.ndarray
    # exit value of the legs still alive at the settlement instant (for settlement)
    exit_alive: np.ndarray
    valid_alive: np.ndarray
    settling: np.ndarray  # some leg is at or past its settlement instant


def _leg_frame(live: Sequence[Position]) -> pl.DataFrame:
    legs = [(i, leg) for i, p in enumerate(live) for leg in p.idea.legs]
    return pl.DataFrame(
        [
            pl.Series("pos", [i for i, _ in legs], dtype=pl.Int64()),
            pl.Series("root", [leg.root for _, leg in legs], dtype=pl.String()),
            pl.Series("expiry", [leg.expiry for _, leg in legs], dtype=pl.Date()),
            pl.Series("strike", [float(leg.strike) for _, leg in legs], dtype=pl.Float64()),
            pl.Series("right", [leg.right.value for _, leg in legs], dtype=pl.String()),
            pl.Series("qm", [leg.quantity * leg.multiplier for _, leg in legs], dtype=pl.Float64()),
        ]
    )


def _join(legs: pl.DataFrame, quotes: pl.DataFrame) -> pl.DataFrame:
    """One left join of every open leg against the snapshot's quotes (legs' order kept)."""
    strikes = legs.get_column("strike").unique()
    relevant = (
        quotes.lazy()
        .select(*_KEYS, "bid", "ask")
        .filter(pl.col("strike").is_in(strikes.implode()))
        .with_columns(pl.col("right").cast(pl.String()))
    )
    return (
        legs.lazy()
        .join(relevant, on=list(_KEYS), how="left", maintain_order="left")
        .select("pos", "qm", "bid", "ask")
        .collect()
    )


def leg_values(live: Sequence[Position], marks: Marks, params: TrackingParams) -> Values:
    """Return every live idea's entry cost, exit value and validity on this snapshot.

    Raises
    ------
    ReplayError
        The quotes list a contract of a live idea more than once.
    """
    legs = _leg_frame(live)
    joined = _join(legs, marks.quotes)
    if joined.height != legs.height:
        raise ReplayError(
            f"snapshot {marks.snapshot_id}: the quotes list a contract of an open idea more than "
            "once (root, expiry, strike, right must be unique)"
        )
    pos = joined.get_column("pos").to_numpy()
    qm = joined.get_column("qm").to_numpy()
    bid = joined.get_column("bid").to_numpy(allow_copy=True).astype(float)
    ask = joined.get_column("ask").to_numpy(allow_copy=True).astype(float)
    count = len(live)
    f_idea = np.array([params.spread_fraction(len(p.idea.legs)) for p in live])
    f = f_idea[pos] if count else np.zeros(0)
    ok = np.isfinite(bid) & np.isfinite(ask) & (bid >= 0) & (ask >= bid)
    bid0, ask0 = np.where(ok, bid, 0.0), np.where(ok, ask, 0.0)
    mid, half = (bid0 + ask0) / 2.0, (ask0 - bid0) / 2.0
    long = qm > 0
    alive = np.array(
        [leg.expiry_ts > marks.ts_event for p in live for leg in p.idea.legs], dtype=bool
    )

    def per_idea(values: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        w = values if mask is None else np.where(mask, values, 0.0)
        return np.bincount(pos, weights=w, minlength=count)

    entry_legs = (qm * np.where(long, ask0, bid0), qm * mid, qm * (mid + np.sign(qm) * f * half))
    exit_legs = (qm * np.where(long, bid0, ask0), qm * mid, qm * (mid - np.sign(qm) * f * half))
    bad = per_idea((~ok).astype(float))
    bad_alive = per_idea((~ok & alive).astype(float))
    return Values(
        valid=bad == 0,
        entry=np.vstack([per_idea(x) for x in entry_legs]),
        exit=np.vstack([per_idea(x) for x in exit_legs]),
        exit_alive=np.vstack([per_idea(x, alive) for x in exit_legs]),
        valid_alive=bad_alive == 0,
        settling=per_idea((~alive).astype(float)) > 0,
    )


def model_value(prices: FillPrices, params: TrackingParams) -> float:
    """Return the value under the fill model that triggers stops and targets."""
    if params.fill_model is FillModel.MID:
        return prices.mid
    if params.fill_model is FillModel.SPREAD_FRACTION:
        return prices.spread_fraction
    return prices.bid_ask


def fill_prices(column: np.ndarray) -> FillPrices:
    """Return one idea's column of a ``Values`` array as ``FillPrices``."""
    return FillPrices(
        bid_ask=float(column[0]), mid=float(column[1]), spread_fraction=float(column[2])
    )


__all__ = ["Values", "fill_prices", "leg_values", "model_value"]
