"""Side-classified trades from a trade feed (conventions.md section 5, source 1, the best one).

CSV layout (UTF-8, comma-separated, one header line, one trade per line; blank lines are skipped;
other columns are refused so that a misspelt header cannot be silently ignored):

============ ========== ==================================================================
column       required   meaning
============ ========== ==================================================================
ts           yes        trade time, ISO-8601 with an offset: ``2024-03-13T14:05:01.250-04:00``
                        or ``...Z``; a time without an offset is refused
symbol       one of     OCC symbol, e.g. ``SPXW240315C05000000`` (OSI padding spaces accepted)
root, expiry, strike,   or the contract fields: root, ``YYYY-MM-DD``, strike ($), ``C``/``P``;
right                   when both are given they must agree
price        yes        trade price, $ per share, > 0
size         yes        contracts, integer > 0
bid, ask     no         the quote at trade time, $ per share (0 <= bid <= ask); empty = unknown
side         no         aggressor: ``buy``/``sell`` (or ``B``/``S``, any case); empty = unknown
multiplier   no         shares per contract, > 0; default 100
============ ========== ==================================================================

Classification: a given aggressor side wins (buy -> all bought, sell -> all sold); otherwise the
quote rule of ``eots.flows.classify`` with the trade-time bid/ask; otherwise the trade is
unclassified (``volm_unclassified``, ``n_unknown``). Flows are valued at the trade price and
weighted by the greeks of the priced chain passed in (as of ``as_of``). Net flow is customer buys
minus sells; the dealer view is its negation.

``parse_trades`` is a pure parser of bytes or text (reading the file is the caller's I/O).
"""

from __future__ import annotations

import datetime as dt
import io

import polars as pl

from eots.chain.schema import RIGHTS, UTC_US
from eots.core.errors import ReplayError, SchemaError
from eots.core.time import nyse_calendar, session_of
from eots.flows.classify import buy_fraction, nan_for_null, side_columns, unclassified_reason
from eots.flows.schema import FLOW_KEY, GREEK_FLOWS, INCREMENT_SCHEMA, SIDE_COLUMNS, FlowSource
from eots.flows.session import flow_totals

SIDES = pl.Enum(["buy", "sell"])
DEFAULT_MULTIPLIER = 100.0
_OCC = r"^([A-Z][A-Z0-9]{0,5}) *(\d{6})([CP])(\d{8})$"
_TS_FORMAT = "%Y-%m-%dT%H:%M:%S%.f%#z"
_FIELDS = ("root", "expiry", "strike", "right")
_COLUMNS = ("ts", "symbol", *_FIELDS, "price", "size", "bid", "ask", "side", "multiplier")

#: Parsed, validated trades: one row per trade, in file order.
TRADES_SCHEMA = pl.Schema(
    {
        "ts": UTC_US,
        "root": pl.String(),
        "expiry": pl.Date(),
        "strike": pl.Float64(),
        "right": RIGHTS,
        "symbol": pl.String(),
        "price": pl.Float64(),  # $ per share
        "size": pl.Int64(),  # contracts
        "bid": pl.Float64(),  # $ per share at trade time, nullable
        "ask": pl.Float64(),
        "side": SIDES,  # aggressor, nullable
        "multiplier": pl.Float64(),
        "source_line": pl.Int64(),  # 1-based line in the file (header = 1)
    }
)


def parse_trades(data: bytes | str, *, source: str = "<trades>") -> pl.DataFrame:
    r"""Parse and validate a trades CSV (layout in the module docstring) into ``TRADES_SCHEMA``.

    Raises
    ------
    SchemaError
        Naming ``source``, the line and the field of the first bad value; the whole file is refused.

    Examples
    --------
    >>> csv = (
    ...     "ts,symbol,price,size,bid,ask\n"
    ...     "2024-03-13T14:05:00-04:00,SPXW240315C05000000,10.1,3,9.9,10.1\n"
    ... )
    >>> parse_trades(csv).select("strike", "right", "size", "side").row(0)
    (5000.0, 'C', 3, None)
    """
    raw = pl.read_csv(
        io.BytesIO(data.encode() if isinstance(data, str) else data), infer_schema=False
    )
    unknown = [c for c in raw.columns if c not in _COLUMNS]
    if unknown:
        raise SchemaError(
            f"unknown column(s) {unknown}; expected some of {_COLUMNS}", source=source
        )
    missing = [c for c in ("ts", "price", "size") if c not in raw.columns]
    if "symbol" not in raw.columns and not set(_FIELDS) <= set(raw.columns):
        missing.append("symbol (or root, expiry, strike, right)")
    if missing:
        raise SchemaError(f"missing required column(s) {missing}", source=source)
    text = raw.select(
        *(
            pl.col(c).str.strip_chars().replace("", None)
            if c in raw.columns
            else pl.lit(None, pl.String).alias(c)
            for c in _COLUMNS
        ),
        source_line=pl.int_range(2, pl.len() + 2, dtype=pl.Int64),
    ).filter(~pl.all_horizontal(pl.col(c).is_null() for c in _COLUMNS))
    typed = text.with_columns(_typed())
    _refuse_bad(typed, source)
    return typed.select(
        ts="_ts",
        root=pl.coalesce("_occ_root", pl.col("root").str.to_uppercase()),
        expiry=pl.coalesce("_occ_expiry", "_expiry"),
        strike=pl.coalesce("_occ_strike", "_strike"),
        right=pl.coalesce("_occ_right", pl.col("right").str.to_uppercase()).cast(RIGHTS),
        symbol=pl.coalesce("_symbol", _occ_symbol()),
        price="_price",
        size="_size",
        bid="_bid",
        ask="_ask",
        side="_side",
        multiplier=pl.col("_multiplier").fill_null(DEFAULT_MULTIPLIER),
        source_line="source_line",
    )


def trade_flows(
    trades: pl.DataFrame, greeks: pl.DataFrame | None, as_of: dt.datetime
) -> pl.DataFrame:
    """Return per-contract session flows and rolling windows from classified trades.

    Parameters
    ----------
    trades
        ``TRADES_SCHEMA`` (from ``parse_trades``); may hold a whole day or several.
    greeks
        The priced chain as of ``as_of`` (key plus ``delta, gamma, vega, theta`` per share), or
        None: greek flows are then NaN.
    as_of
        The analysis instant (timezone-aware). Only trades of its session stamped in
        ``[session open, as_of]`` are read; later trades are ignored, so there is no look-ahead.

    Returns
    -------
    pl.DataFrame
        ``FLOW_SCHEMA`` with ``flow_source = trade_feed`` (``none`` for contracts none of whose
        trades could be classified). Customer net flow; the dealer view is its negation.
    """
    if as_of.tzinfo is None:
        raise ReplayError(f"expected a timezone-aware as_of, was {as_of!r}")
    as_of = as_of.astimezone(dt.UTC)
    bounds = nyse_calendar().session_bounds(session_of(as_of))
    assert bounds is not None  # session_of returns a session
    window = trades.filter((pl.col("ts") >= bounds[0]) & (pl.col("ts") <= as_of))
    if greeks is None:
        window = window.with_columns(pl.lit(float("nan")).alias(g) for g in GREEK_FLOWS)
    else:
        window = window.join(
            greeks.select(*FLOW_KEY, *GREEK_FLOWS), on=list(FLOW_KEY), how="left"
        ).with_columns(pl.col(g).fill_null(float("nan")) for g in GREEK_FLOWS)
    side = pl.col("side")
    prepared = window.with_columns(
        _size=pl.col("size").cast(pl.Float64),
        _fraction=pl.when(side == "buy")
        .then(1.0)
        .when(side == "sell")
        .then(0.0)
        .otherwise(buy_fraction(pl.col("price"), pl.col("bid"), pl.col("ask"))),
        _reason=unclassified_reason(pl.col("price")),
        _price=pl.col("price"),
    )
    events = side_columns(prepared, source=FlowSource.TRADE_FEED).with_columns(
        nan_for_null(list(SIDE_COLUMNS))
    )
    return flow_totals(events.select(*INCREMENT_SCHEMA, "ts"), as_of)


def _typed() -> list[pl.Expr]:
    parts = pl.col("symbol").str.to_uppercase().str.extract_groups(_OCC)
    num = {c: pl.col(c).cast(pl.Float64, strict=False) for c in ("price", "bid", "ask", "strike")}
    side = pl.col("side").str.to_lowercase().replace({"b": "buy", "s": "sell"})
    return [
        pl.col("ts").str.to_datetime(_TS_FORMAT, time_zone="UTC", strict=False).alias("_ts"),
        pl.col("symbol").alias("_symbol"),
        parts.struct.field("1").alias("_occ_root"),
        parts.struct.field("2").str.strptime(pl.Date, "%y%m%d", strict=False).alias("_occ_expiry"),
        parts.struct.field("3").alias("_occ_right"),
        (parts.struct.field("4").cast(pl.Int64, strict=False) / 1000).alias("_occ_strike"),
        pl.col("expiry").str.strptime(pl.Date, "%Y-%m-%d", strict=False).alias("_expiry"),
        num["strike"].alias("_strike"),
        num["price"].alias("_price"),
        pl.col("size").cast(pl.Int64, strict=False).alias("_size"),
        num["bid"].alias("_bid"),
        num["ask"].alias("_ask"),
        side.cast(SIDES, strict=False).alias("_side"),
        pl.col("multiplier").cast(pl.Float64, strict=False).alias("_multiplier"),
    ]


def _checks() -> list[tuple[str, pl.Expr, str]]:
    def unreadable(field: str, typed: str) -> pl.Expr:
        return pl.col(field).is_not_null() & pl.col(typed).is_null()

    def not_finite(c: str) -> pl.Expr:
        return pl.col(c).is_nan() | pl.col(c).is_infinite()

    has_fields = pl.all_horizontal(pl.col(c).is_not_null() for c in _FIELDS)
    right = pl.col("right").str.to_uppercase()
    return [
        ("ts", pl.col("ts").is_null(), "expected a trade time"),
        ("ts", unreadable("ts", "_ts"), "expected ISO-8601 with an offset"),
        ("symbol", unreadable("symbol", "_occ_root"), "expected an OCC symbol"),
        ("symbol", pl.col("symbol").is_null() & ~has_fields, "expected a symbol or all fields"),
        ("expiry", unreadable("expiry", "_expiry"), "expected YYYY-MM-DD"),
        ("strike", unreadable("strike", "_strike"), "expected a number"),
        ("strike", not_finite("_strike") | (pl.col("_strike") <= 0), "expected strike > 0"),
        ("right", pl.col("right").is_not_null() & ~right.is_in(["C", "P"]), "expected C or P"),
        ("root", _disagree("root", pl.col("root").str.to_uppercase()), "disagrees with symbol"),
        ("expiry", _disagree("expiry", pl.col("_expiry")), "disagrees with symbol"),
        ("strike", _disagree("strike", pl.col("_strike")), "disagrees with symbol"),
        ("right", _disagree("right", right), "disagrees with symbol"),
        ("price", pl.col("price").is_null(), "expected a price"),
        ("price", unreadable("price", "_price"), "expected a number"),
        ("price", not_finite("_price") | (pl.col("_price") <= 0), "expected price > 0"),
        ("size", pl.col("size").is_null(), "expected a size"),
        ("size", unreadable("size", "_size"), "expected an integer"),
        ("size", pl.col("_size") <= 0, "expected size > 0"),
        ("bid", unreadable("bid", "_bid"), "expected a number"),
        ("bid", not_finite("_bid") | (pl.col("_bid") < 0), "expected a finite bid >= 0"),
        ("ask", unreadable("ask", "_ask"), "expected a number"),
        ("ask", not_finite("_ask") | (pl.col("_ask") < 0), "expected a finite ask >= 0"),
        ("ask", pl.col("_bid") > pl.col("_ask"), "expected bid <= ask"),
        ("side", unreadable("side", "_side"), "expected buy/sell/B/S"),
        ("multiplier", unreadable("multiplier", "_multiplier"), "expected a number"),
        ("multiplier", ~(pl.col("_multiplier") > 0), "expected multiplier > 0"),
    ]


def _disagree(field: str, value: pl.Expr) -> pl.Expr:
    occ = {
        "root": "_occ_root",
        "expiry": "_occ_expiry",
        "strike": "_occ_strike",
        "right": "_occ_right",
    }
    return (
        pl.col(occ[field]).is_not_null()
        & pl.col(field).is_not_null()
        & (pl.col(occ[field]) != value)
    )


def _refuse_bad(typed: pl.DataFrame, source: str) -> None:
    checks = _checks()
    masks = typed.select(
        "source_line",
        *(m.fill_null(value=False).alias(str(i)) for i, (_, m, _) in enumerate(checks)),
    )
    first: tuple[int, int] | None = None
    for i in range(len(checks)):
        hits = masks.filter(pl.col(str(i))).get_column("source_line")
        if hits.len() and (first is None or hits[0] < first[0]):
            first = (int(hits[0]), i)
    if first is None:
        return
    line, i = first
    field, _, message = checks[i]
    value = typed.filter(pl.col("source_line") == line).get_column(field)[0]
    raise SchemaError(f"{message}, was {value!r}", source=source, line=line, field=field)


def _occ_symbol() -> pl.Expr:
    return pl.concat_str(
        pl.col("root").str.to_uppercase(),
        pl.col("_expiry").dt.strftime("%y%m%d"),
        pl.col("right").str.to_uppercase(),
        (pl.col("_strike") * 1000).round(0).cast(pl.Int64).cast(pl.String).str.zfill(8),
    )
