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

import polars as pl

from eots.flows.schema import FLOW_REASONS, FLOW_SOURCES, GREEK_FLOWS, FlowReason, FlowSource

NAN = float("nan")


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
    split is known get ``source``; the others get ``none``, NaN flows and their reason.
    """
    size = pl.col("_size")
    known = size.is_not_null() & ((size == 0) | pl.col("_fraction").is_not_null())
    frac = pl.when(size == 0).then(0.0).otherwise(pl.col("_fraction"))
    split = frame.with_columns(
        _known=known,
        volm_buy=pl.when(known).then(size * frac),
        volm_sell=pl.when(known).then(size * (1.0 - frac)),
    )
    mult = pl.col("multiplier")
    per_side: list[pl.Expr] = []
    for side in ("buy", "sell"):
        n = pl.col(f"volm_{side}")
        per_side.append(
            pl.when(n == 0).then(0.0).otherwise(n * pl.col("_price") * mult).alias(f"value_{side}")
        )
        per_side += [
            pl.when(n == 0).then(0.0).otherwise(n * pl.col(g) * mult).alias(f"{p}_{side}")
            for g, p in GREEK_FLOWS.items()
        ]
    split = split.with_columns(
        *per_side,
        volm=size.cast(pl.Float64),
        volm_unclassified=pl.when(known).then(0.0).otherwise(size.cast(pl.Float64)),
        flow_source=pl.when(pl.col("_known"))
        .then(pl.lit(source.value))
        .otherwise(pl.lit(FlowSource.NONE.value))
        .cast(FLOW_SOURCES),
        flow_reason=pl.when(pl.col("_known")).then(None).otherwise(pl.col("_reason")),
    )
    return split.with_columns(
        volm_bs=pl.col("volm_buy") - pl.col("volm_sell"),
        value_bs=pl.col("value_buy") - pl.col("value_sell"),
        flow_reason=pl.col("flow_reason").cast(FLOW_REASONS),
    )


def nan_for_null(columns: list[str]) -> list[pl.Expr]:
    """Return expressions turning nulls into NaN in float ``columns`` (missing flow is NaN)."""
    return [pl.col(c).fill_null(NAN) for c in columns]
