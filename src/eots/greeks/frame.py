"""The polars bridge of the pricing stage: chain snapshot in, priced per-contract frame out.

For each expiry (settlement instant) the forward is implied from put-call parity on near-the-money
strikes with two-sided quotes (``greeks.forward``). An expiry whose quotes do not allow it takes its
forward from the file's other expiries (``term_structure``): ln(F / S) interpolated linearly in time
to settlement between the parity expiries around it; before the first, that expiry's ln(F / S);
after the last, the last one's plus the slope of ln F across the parity expiries (the market's
carry) times the extra time. Only when no expiry has a parity forward is it S * exp((r - q) t) with
r the dated short rate (``rate_table``, ``greeks.rates``) or the configured rate (``config_rate``,
``PricingParams.fallback_rate``) and q the configured dividend yield. The ``forward_method`` column
records which (``greeks.spot.forward_notes`` words it for the report). Each contract then gets a
carry yield ``q = r - ln(F / S) / t`` so that the generalised Black-Scholes-Merton kernels on spot
equal Black-76 on the forward (European index options). ETF and equity options (American) use the
same kernels as a European approximation: early exercise premium is ignored, which biases deep in-
the-money puts; their mids are still used for IV, so the IV absorbs part of that premium.

Implied volatility follows ``PricingParams.iv_policy``; ``iv_origin`` says where each IV came from
and ``iv_status`` holds the solver's ``IvStatus`` code (or ``NO_QUOTE_CODE`` when a contract has
neither a usable source IV nor a two-sided quote). When the solve fails, a usable source IV is
used after all (``source_fallback``), and a mid at or below discounted intrinsic with no source IV
gets the zero-time-value limit ``ZERO_TIME_VALUE_IV`` (``intrinsic_limit``: delta +-e^{-qt}, the
other greeks ~0), so deep in-the-money contracts still count in DEX. Greeks of a contract without
IV (``none``) are NaN.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
from numpy.typing import NDArray

from eots.chain.schema import CHAIN_SCHEMA, call_mask, epoch_us
from eots.chain.snapshot import ChainSnapshot
from eots.core.time import to_epoch_us
from eots.greeks import black_scholes as bs
from eots.greeks.forward import ForwardMethod, implied_forwards
from eots.greeks.implied_vol import IvStatus, implied_vol
from eots.greeks.params import FallbackRate, IvPolicy, PricingParams
from eots.greeks.rates import short_rate

IV_ORIGINS = pl.Enum(["source", "solved", "source_fallback", "intrinsic_limit", "none"])
#: Volatility standing in for "no time value": the sigma -> 0 limit of the greeks (delta +-e^{-qt}
#: in the money, gamma, vega, vanna, charm ~ 0), for a mid at or below discounted intrinsic.
ZERO_TIME_VALUE_IV = 1e-4
FORWARD_METHODS = pl.Enum(["parity", "term_structure", "rate_table", "config_rate"])
#: Minimum span of parity expiries (years) for their slope to give the carry beyond the last one.
MIN_CARRY_SPAN_YEARS = 7.0 / 365.0
NO_QUOTE_CODE = -1

#: Columns the pricing stage appends to ``CHAIN_SCHEMA`` (units as in docs/conventions.md).
PRICED_COLUMNS = pl.Schema(
    {
        "t_years": pl.Float64(),  # ACT/365 year fraction to the settlement instant
        "forward": pl.Float64(),  # forward of the contract's expiry ($)
        "forward_method": FORWARD_METHODS,
        "carry_q": pl.Float64(),  # implied carry yield, continuous, decimal
        "mid": pl.Float64(),  # (bid + ask) / 2 when the quote is valid, else null ($)
        "iv": pl.Float64(),  # implied volatility used, decimal; NaN when unavailable
        "iv_origin": IV_ORIGINS,
        "iv_status": pl.Int8(),
        "model_price": pl.Float64(),  # model price at ``iv`` ($ per share)
        "delta": pl.Float64(),  # per $1 of underlying
        "gamma": pl.Float64(),  # per $1 per $1
        "vega": pl.Float64(),  # $ per vol point
        "theta": pl.Float64(),  # $ per calendar day
        "rho": pl.Float64(),  # $ per rate point
        "vanna": pl.Float64(),  # delta per vol point
        "charm": pl.Float64(),  # delta per calendar day
        "vomma": pl.Float64(),  # vega per vol point
    }
)


#: The priced frame ``priced_chain`` produces: the chain's columns, then ``PRICED_COLUMNS``.
PRICED_SCHEMA = pl.Schema({**CHAIN_SCHEMA, **PRICED_COLUMNS})


def priced_chain(snapshot: ChainSnapshot, params: PricingParams) -> pl.DataFrame:
    """Return the snapshot's frame with forwards, IVs and greeks appended (``PRICED_COLUMNS``).

    Parameters
    ----------
    snapshot
        A validated chain; only live contracts are present.
    params
        Rates, IV policy and tolerances.
    """
    f = snapshot.frame
    spot = snapshot.spot
    is_call = call_mask(f.get_column("right"))
    strike = f.get_column("strike").to_numpy()
    settle_us = epoch_us(f.get_column("expiry_ts"))
    t = (settle_us.astype(np.float64) - float(to_epoch_us(snapshot.ts_event))) / (
        365.0 * 86400.0 * 1e6
    )
    valid = f.get_column("quote_valid").to_numpy()
    bid = _floats(f.get_column("bid"))
    ask = _floats(f.get_column("ask"))
    mid = np.where(valid, 0.5 * (bid + ask), np.nan)
    r = params.rate
    expiry_id, n_expiries = _group_ids(settle_us)
    forward, method = _forwards(
        expiry_id, n_expiries, strike, is_call, mid, t, spot, params, snapshot.ts_event.date()
    )
    carry_q = r - np.log(forward / spot) / t
    iv, origin, status, g = _vols_and_greeks(
        f, params, (is_call, strike, t, carry_q, mid, bid, ask, valid), spot
    )
    columns = [
        pl.Series("t_years", t),
        pl.Series("forward", forward),
        _enum_from_codes(FORWARD_METHODS, method).alias("forward_method"),
        pl.Series("carry_q", carry_q),
        pl.Series("mid", mid, nan_to_null=True),
        pl.Series("iv", iv),
        _enum_from_codes(IV_ORIGINS, origin).alias("iv_origin"),
        pl.Series("iv_status", status, dtype=pl.Int8),
        pl.Series("model_price", g.price),
        *(pl.Series(name, getattr(g, name)) for name in _GREEK_NAMES),
    ]
    if any(c in PRICED_COLUMNS for c in f.columns):  # with_columns replaces them in place
        return f.with_columns(columns)
    return f.hstack(columns)


#: The greek columns of ``PRICED_COLUMNS``, in order (``bs.Greeks`` fields of the same names).
_GREEK_NAMES = ("delta", "gamma", "vega", "theta", "rho", "vanna", "charm", "vomma")


def _floats(column: pl.Series) -> NDArray[np.float64]:
    """Return a Float64 column as NumPy with NaN for null (``fill_null(nan)``, without a query)."""
    if column.dtype == pl.Float64:
        values: NDArray[np.float64] = column.to_numpy()  # nulls come out as NaN
        return values
    return column.fill_null(np.nan).to_numpy()


def _enum_from_codes(dtype: pl.Enum, codes: NDArray[np.int64]) -> pl.Series:
    """Build an Enum series from category indices (strings from numpy are slow to convert).

    One code throughout (every forward a parity one, typically) repeats it without a gather.
    """
    categories = pl.Series(dtype.categories, dtype=dtype)
    if codes.size and (codes == codes[0]).all():
        return categories.new_from_index(int(codes[0]), codes.size)
    return categories.gather(codes)


def _group_ids(keys: NDArray[np.int64]) -> tuple[NDArray[np.int64], int]:
    """Return each key's rank among the distinct keys (``np.unique``'s inverse) and their count.

    One argsort and a run detection: ``np.unique`` does the same and more (about twice as slow).
    """
    order = np.argsort(keys, kind="stable")
    ranked = keys[order]
    new = np.ones(ranked.size, dtype=np.bool_)
    new[1:] = ranked[1:] != ranked[:-1]
    inverse = np.empty(ranked.size, dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return inverse, int(np.count_nonzero(new))


def _forwards(
    expiry_id: NDArray[np.int64],
    n_expiries: int,
    strike: NDArray[np.float64],
    is_call: NDArray[np.bool_],
    mid: NDArray[np.float64],
    t: NDArray[np.float64],
    spot: float,
    params: PricingParams,
    day: dt.date,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Per-contract forward and method code (index into FORWARD_METHODS)."""
    strike_id, n_strikes = _group_ids(np.round(strike * 1000).astype(np.int64))
    pair = expiry_id * n_strikes + strike_id
    n_pairs = n_expiries * n_strikes
    call_mid = np.full(n_pairs, np.nan)
    put_mid = np.full(n_pairs, np.nan)
    call_mid[pair[is_call]] = mid[is_call]
    put_mid[pair[~is_call]] = mid[~is_call]
    pair_t = np.full(n_pairs, np.nan)
    pair_t[pair] = t
    present = ~np.isnan(pair_t)
    pair_ids = np.flatnonzero(present)
    pair_expiry = pair_ids // n_strikes
    pair_strike_value = np.empty(n_strikes)
    pair_strike_value[strike_id] = strike
    result = implied_forwards(
        pair_expiry,
        pair_strike_value[pair_ids % n_strikes],
        call_mid[pair_ids],
        put_mid[pair_ids],
        np.exp(-params.rate * pair_t[pair_ids]),
        spot,
        max_strikes=params.forward_strikes,
        n_expiries=n_expiries,
    )
    fwd = result.forward
    ok = (result.method == ForwardMethod.PARITY) & np.isfinite(fwd) & (fwd > 0)
    expiry_t = np.zeros(n_expiries)
    expiry_t[expiry_id] = t
    table = params.fallback_rate is FallbackRate.TABLE
    rate_carry = (short_rate(day).rate if table else params.rate) - params.dividend_yield
    log_fs, code = fallback_log_forwards(
        expiry_t, np.log(np.where(ok, fwd, 1.0) / spot), ok, rate_carry
    )
    if code == 0:
        return fwd[expiry_id], np.zeros(len(t), dtype=np.int64)
    if code is None:
        log_fs = rate_carry * expiry_t
        code = 2 if table else 3
    use = ok[expiry_id]
    forward = np.where(use, fwd[expiry_id], spot * np.exp(log_fs[expiry_id]))
    return forward, np.where(use, 0, code)


def fallback_log_forwards(
    t: NDArray[np.float64],
    log_fs: NDArray[np.float64],
    ok: NDArray[np.bool_],
    rate_carry: float,
) -> tuple[NDArray[np.float64], int | None]:
    """Return ln(F / S) per expiry with the gaps filled from the parity expiries.

    Between parity expiries: linear in ``t``. Before the first: the carry moves linearly in ``t``
    from ``rate_carry`` at ``t = 0`` to the first expiry's ``ln(F_1 / S) / t_1``, so a first parity
    expiry years away does not impose its long carry on the short end. After the last: the last
    one's value plus the carry across the parity expiries, ``(ln F_n - ln F_1) / (t_n - t_1)``,
    times the extra time when they span at least ``MIN_CARRY_SPAN_YEARS``, else ``rate_carry``
    (r - q, continuous) times it.

    Returns the filled array and the method code of the filled entries: 0 when nothing needed
    filling, 1 (``term_structure``) when some expiry has a parity forward, None when none has
    (the caller uses the rate).

    Examples
    --------
    >>> t = np.array([0.005, 0.01, 0.02, 0.03, 0.05])
    >>> lf = np.array([np.nan, 0.001, np.nan, 0.003, np.nan])
    >>> ok = np.array([False, True, False, True, False])
    >>> out, code = fallback_log_forwards(t, lf, ok, 0.03)
    >>> np.round(out, 6).tolist(), code
    ([0.000325, 0.001, 0.002, 0.003, 0.005], 1)
    """
    if ok.all():
        return log_fs, 0
    if not ok.any():
        return np.full(len(t), np.nan), None
    order = np.argsort(t[ok])
    t_ok, lf_ok = t[ok][order], log_fs[ok][order]
    span = t_ok[-1] - t_ok[0]
    slope = (lf_ok[-1] - lf_ok[0]) / span if span >= MIN_CARRY_SPAN_YEARS else rate_carry
    filled = np.interp(t, t_ok, lf_ok)
    first_carry = lf_ok[0] / t_ok[0]
    short_carry = rate_carry + (first_carry - rate_carry) * t / t_ok[0]
    filled = np.where(t < t_ok[0], short_carry * t, filled)
    filled = np.where(t > t_ok[-1], lf_ok[-1] + slope * (t - t_ok[-1]), filled)
    return np.where(ok, log_fs, filled), 1


def _vols_and_greeks(
    f: pl.DataFrame,
    params: PricingParams,
    arrays: tuple[
        NDArray[np.bool_],
        NDArray[np.float64],
        NDArray[np.float64],
        NDArray[np.float64],
        NDArray[np.float64],
        NDArray[np.float64],
        NDArray[np.float64],
        NDArray[np.bool_],
    ],
    spot: float,
) -> tuple[NDArray[np.float64], NDArray[np.int64], NDArray[np.int8], bs.Greeks]:
    """Return each contract's IV, its origin code and solver status, and its greeks at that IV.

    Under ``prefer_source`` the greeks at the source IV (NaN where there is none) come first:
    their price is the model price the consistency check needs, and the contracts that keep
    their source IV (most of a chain) keep those greeks; only the others are priced again at
    their final IV. The kernels work element by element, so the figures are those of one call on
    the whole chain at the final IVs.
    """
    is_call, strike, t, carry_q, mid, bid, ask, valid = arrays
    r = params.rate
    src = _floats(f.get_column("iv_src"))
    usable = np.isfinite(src) & (src > 0) & (src <= params.max_source_iv)
    at_source: bs.Greeks | None = None
    if params.iv_policy is IvPolicy.PREFER_SOURCE:
        at_source = bs.greeks(is_call, spot, strike, t, np.where(usable, src, np.nan), r, carry_q)
        tol = params.source_iv_tolerance * 0.5 * (ask - bid) + params.tick
        consistent = ~valid | (np.abs(at_source.price - mid) <= tol)
        take_source = usable & consistent
    elif params.iv_policy is IvPolicy.SOURCE_ONLY:
        take_source = usable
    else:
        take_source = np.zeros_like(usable)
    solve = ~take_source & valid & (params.iv_policy is not IvPolicy.SOURCE_ONLY)
    iv = np.where(take_source, src, np.nan)
    status = np.full(len(iv), NO_QUOTE_CODE, dtype=np.int8)
    status[take_source] = IvStatus.OK
    if solve.any():
        res = implied_vol(
            mid[solve], is_call[solve], spot, strike[solve], t[solve], r, carry_q[solve]
        )
        iv[solve] = res.iv
        status[solve] = res.status
    solved = solve & np.isfinite(iv)
    # A failed solve keeps its status code; the contract still gets a volatility when one is
    # defensible, so that deep in-the-money contracts are not dropped from DEX.
    failed = solve & ~solved
    fallback = failed & usable
    iv[fallback] = src[fallback]
    limit = failed & ~usable & (status == IvStatus.BELOW_INTRINSIC)
    iv[limit] = ZERO_TIME_VALUE_IV
    origin = np.select([take_source, solved, fallback, limit], [0, 1, 2, 3], default=4).astype(
        np.int64
    )
    if at_source is None:
        return iv, origin, status, bs.greeks(is_call, spot, strike, t, iv, r, carry_q)
    rest = np.flatnonzero(~take_source)
    again = bs.greeks(is_call[rest], spot, strike[rest], t[rest], iv[rest], r, carry_q[rest])
    for name in ("price", *_GREEK_NAMES):
        getattr(at_source, name)[rest] = getattr(again, name)
    return iv, origin, status, at_source
