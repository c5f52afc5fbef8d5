"""At-the-money implied volatility by expiry (the term structure) and at a constant maturity.

Feeds VRI 2.0's term-structure factor and surface dynamics, the volatility-regime factor (IV versus
its longer average), the IV rank and percentile, and the skew adjustments (IV relative to ATM).

ATM IV of an expiry (``atm_iv_term``): the volatility at the expiry's forward ``F`` (the at-the-
forward convention of listed-volatility indices). Per strike the out-of-the-money contract's IV is
used (call when ``K >= F``, put when ``K < F``; the other one when that IV is missing), because
in-the-money quotes are wide and, for ETFs, carry early-exercise premium. With ``K_lo <= F <= K_hi``
the nearest strikes with an IV on each side, total variance ``w = sigma^2 t`` is interpolated
linearly in log-strike::

    x = ln(F / K_lo) / ln(K_hi / K_lo)
    w(F) = (1 - x) w(K_lo) + x w(K_hi)
    atm_iv = sqrt(w(F) / t)

When only one side has a strike with an IV, the nearest strike's IV is used and the row is
marked ``nearest`` (an extrapolation). Every expiry is done at once: one stable sort of the rows
into (settlement, strike) pairs, and ``K_lo`` / ``K_hi`` as max / min reductions over each
settlement's run of pairs (``np.maximum.reduceat``), no loop over expiries. Units: IV decimal
per year, ``t_years`` ACT/365 to the settlement instant, strikes and forwards in $.

Constant maturity (``constant_maturity_iv``): ATM total variance interpolated linearly in time
between the two expiries that bracket the target ``T = days / 365``, ``iv = sqrt(w(T) / T)``
(the VIX-style interpolation). Outside the listed range the nearest expiry's ATM IV is used flat
and the result says so (``extrapolated``).

``near_the_money`` keeps the few strikes around each expiry's approximate forward so that callers
can price only those rows (a 20,000-contract chain needs ~10 strikes per expiry for this).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import polars as pl
from numpy.typing import NDArray

from eots.chain.schema import SETTLEMENTS, UTC_US
from eots.core.frames import equal_on, select_columns
from eots.core.time import SECONDS_PER_YEAR

ATM_METHODS = pl.Enum(["interpolated", "nearest"])

#: Output of ``atm_iv_term``: one row per settlement instant with a usable ATM IV, by ``t_years``.
TERM_SCHEMA = pl.Schema(
    {
        "expiry": pl.Date(),  # expiration date
        "settlement": SETTLEMENTS,  # AM / PM
        "expiry_ts": UTC_US,  # settlement instant
        "t_years": pl.Float64(),  # ACT/365 years to settlement
        "forward": pl.Float64(),  # forward of the expiry, $
        "atm_iv": pl.Float64(),  # IV at the forward, decimal per year
        "total_variance": pl.Float64(),  # atm_iv^2 * t_years
        "strike_below": pl.Float64(),  # K_lo, $ (null when only a higher strike had an IV)
        "strike_above": pl.Float64(),  # K_hi, $ (null when only a lower strike had an IV)
        "atm_method": ATM_METHODS,  # interpolated between K_lo and K_hi, or the nearest strike
    }
)


class CmMethod(StrEnum):
    """How a constant-maturity IV was obtained from the term structure."""

    EXACT = "exact"  # an expiry sits exactly at the target maturity
    INTERPOLATED = "interpolated"  # total variance interpolated between two bracketing expiries
    FLAT_SHORT = "flat_short"  # target shorter than every expiry: the shortest one's IV
    FLAT_LONG = "flat_long"  # target longer than every expiry: the longest one's IV
    NONE = "none"  # no expiry with an ATM IV


@dataclass(frozen=True, slots=True, kw_only=True)
class ConstantMaturityIv:
    """ATM IV at a constant maturity (decimal per year; NaN with ``method == NONE``)."""

    iv: float
    days: float
    method: CmMethod
    n_expiries: int

    @property
    def extrapolated(self) -> bool:
        """True when the target lies outside the listed expiries (flat extrapolation) or none."""
        return self.method in (CmMethod.FLAT_SHORT, CmMethod.FLAT_LONG, CmMethod.NONE)


def near_the_money(
    chain: pl.DataFrame, spot: float, as_of: dt.datetime, *, strikes: int, carry: float
) -> pl.DataFrame:
    """Return the rows of ``chain`` at the ``strikes`` strikes nearest each expiry's forward guess.

    The guess is ``spot * exp(carry * t)`` (``carry = rate - dividend yield``, continuous); keep a
    few more strikes than the interpolation needs, so the bracket of the parity forward (which
    differs from the guess by the market's carry) stays inside. Both rights of a kept strike are
    kept (put-call parity needs them). Expired rows (settled at or before ``as_of``) are dropped.

    Parameters
    ----------
    chain
        ``CHAIN_SCHEMA`` frame (at least ``expiry_ts`` and ``strike``).
    spot
        Underlying price at ``as_of``, $.
    as_of
        Valuation instant (timezone-aware).
    strikes
        Distinct strikes kept per settlement instant (>= 2).
    carry
        Continuous carry ``r - q`` used for the forward guess, decimal per year.
    """
    t = (pl.col("expiry_ts") - pl.lit(as_of).cast(UTC_US)).dt.total_microseconds() / (
        SECONDS_PER_YEAR * 1e6
    )
    guess = spot * (t * carry).exp()
    distance = (pl.col("strike") - guess).abs()
    return chain.filter(pl.col("expiry_ts") > as_of).filter(
        distance.rank("dense").over("expiry_ts") <= strikes
    )


#: Columns ``atm_iv_term`` reads: rows equal in these (and an equal spot) give an equal result.
TERM_INPUT = ("expiry", "settlement", "expiry_ts", "strike", "right", "forward", "t_years", "iv")


@dataclass(frozen=True, slots=True)
class KnownTerm:
    """An ATM term structure kept with what it was computed from, to reuse on equal inputs.

    The market context prices the current chain and takes its term structure; the base metrics
    need the term structure of the in-scope contracts, which are usually the same rows. ``term_of``
    returns the kept ``term`` only after checking that the rows (``TERM_INPUT`` columns, dtypes
    and values) and the spot are equal, else it computes ``atm_iv_term`` afresh.
    """

    rows: pl.DataFrame
    spot: float
    term: pl.DataFrame

    @classmethod
    def of(cls, priced: pl.DataFrame, spot: float) -> KnownTerm:
        """Return ``atm_iv_term(priced, spot)`` with its inputs."""
        rows = select_columns(priced, TERM_INPUT)
        return cls(rows=rows, spot=spot, term=atm_iv_term(priced, spot))

    def term_of(self, priced: pl.DataFrame, spot: float) -> pl.DataFrame:
        """Return ``atm_iv_term(priced, spot)``: the kept term when the inputs are equal."""
        known = spot == self.spot and set(priced.columns).issuperset(TERM_INPUT)
        if known and equal_on(priced, self.rows, TERM_INPUT):  # dtypes included
            return self.term
        return atm_iv_term(priced, spot)


def atm_iv_term(priced: pl.DataFrame, spot: float) -> pl.DataFrame:
    """Return the ATM implied volatility of every expiry (``TERM_SCHEMA``), shortest first.

    Parameters
    ----------
    priced
        A priced chain (``eots.greeks.frame.priced_chain``; ``iv``, ``t_years``, ``forward``), or
        its near-the-money rows (``near_the_money`` before pricing).
    spot
        Underlying price, $; stands in for a missing (non-finite) forward.

    Returns
    -------
    pl.DataFrame
        One row per settlement instant with at least one finite positive IV and ``t_years > 0``.

    Examples
    --------
    IVs 0.20 at K=95 and 0.10 at K=105 around F=100 (t=1): x = ln(100/95)/ln(105/95), and the
    variance is interpolated, not the vol:

    >>> import datetime as dt, math
    >>> rows = {"expiry": [dt.date(2025, 1, 1)] * 2, "settlement": ["PM"] * 2,
    ...         "expiry_ts": [dt.datetime(2025, 1, 1, 21, tzinfo=dt.UTC)] * 2,
    ...         "strike": [95.0, 105.0], "right": ["P", "C"], "t_years": [1.0] * 2,
    ...         "forward": [100.0] * 2, "iv": [0.20, 0.10]}
    >>> term = atm_iv_term(pl.DataFrame(rows), 100.0)
    >>> x = math.log(100 / 95) / math.log(105 / 95)
    >>> round(term.item(0, "atm_iv") - math.sqrt((1 - x) * 0.04 + x * 0.01), 12)
    0.0
    """
    live = _live_rows(priced)
    if live.height == 0:
        return pl.DataFrame(schema=TERM_SCHEMA)
    pairs = _otm_pairs(live, spot)
    lo, hi = _brackets(pairs)
    atm_iv, both = _atm_ivs(pairs, lo, hi)
    # Shortest first (ties: the earlier settlement), as ``sort("t_years", "expiry_ts")`` orders.
    t_years = live.get_column("t_years").to_numpy()[pairs.first]
    order = np.lexsort((pairs.settle_of_run, t_years))
    n = len(pairs.strike)
    lo, hi, atm_iv, both = lo[order], hi[order], atm_iv[order], both[order]
    k_lo = np.where(lo >= 0, pairs.strike[np.maximum(lo, 0)], np.nan)  # a bracket is never NaN
    k_hi = np.where(hi < n, pairs.strike[np.minimum(hi, n - 1)], np.nan)
    rows = pairs.first[order]
    return live.select(
        pl.col(c).gather(rows) for c in ("expiry", "settlement", "expiry_ts", "t_years")
    ).select(
        [pl.col(c).cast(TERM_SCHEMA[c]) for c in ("expiry", "settlement", "expiry_ts", "t_years")],
        forward=pl.Series(pairs.run_forward[order], dtype=pl.Float64),
        atm_iv=pl.Series(atm_iv, dtype=pl.Float64),
        total_variance=(pl.lit(pl.Series(atm_iv, dtype=pl.Float64)) ** 2 * pl.col("t_years")).cast(
            pl.Float64
        ),
        strike_below=pl.Series(k_lo, dtype=pl.Float64, nan_to_null=True),
        strike_above=pl.Series(k_hi, dtype=pl.Float64, nan_to_null=True),
        atm_method=pl.Series(np.where(both, "interpolated", "nearest"), dtype=ATM_METHODS),
    )


def _live_rows(priced: pl.DataFrame) -> pl.DataFrame:
    """Return ``TERM_INPUT`` of the rows with ``t_years > 0`` and a finite positive ``iv``.

    Polars' ``filter((t_years > 0) & iv.is_finite() & (iv > 0))``: a NaN ``t_years`` passes (NaN
    compares greater than every number there), a null never does. Numeric columns are masked
    in NumPy and the columns filtered one by one (no query).
    """
    t_col, iv_col = priced.get_column("t_years"), priced.get_column("iv")
    if not all(c.dtype.is_float() or c.dtype.is_integer() for c in (t_col, iv_col)):
        return priced.select(TERM_INPUT).filter(
            (pl.col("t_years") > 0) & pl.col("iv").is_finite() & (pl.col("iv") > 0)
        )
    t, iv = t_col.to_numpy(), iv_col.to_numpy()  # nulls read as NaN
    with np.errstate(invalid="ignore"):
        keep = ((t > 0) | np.isnan(t)) & np.isfinite(iv) & (iv > 0)
    if t_col.null_count():
        keep &= t_col.is_not_null().to_numpy()
    rows = pl.Series(keep)
    return pl.DataFrame([priced.get_column(c).filter(rows) for c in TERM_INPUT])


@dataclass(frozen=True, slots=True)
class _Pairs:
    """One entry per (settlement, strike) of the live rows, in (settlement, strike) order.

    ``iv`` is the out-of-the-money right's IV (the other right's when it has none; the mean of
    duplicate quotes), ``starts`` the first pair of each settlement's run, ``first`` the first
    live row of each run, ``run_forward`` its forward (the spot where not finite) and
    ``settle_of_run`` its settlement instant (epoch microseconds).
    """

    strike: NDArray[np.float64]
    iv: NDArray[np.float64]
    starts: NDArray[np.intp]
    first: NDArray[np.intp]
    run_forward: NDArray[np.float64]
    settle_of_run: NDArray[np.int64]


def _otm_pairs(live: pl.DataFrame, spot: float) -> _Pairs:
    settle = _epoch_us(live.get_column("expiry_ts"))
    strike = live.get_column("strike").to_numpy()
    is_call = _is_call(live.get_column("right"))
    iv = live.get_column("iv").to_numpy()
    fwd = live.get_column("forward").to_numpy()
    fwd = np.where(np.isfinite(fwd), fwd, spot)
    # Pairs in (settlement, strike) order, ``first`` the first row of each (a stable sort, so a
    # pair's rows keep their order and its duplicate IVs are summed in row order).
    order = _pair_order(settle, strike)
    s_sorted, k_sorted = settle[order], strike[order]
    new = np.ones(len(order), dtype=np.bool_)
    new[1:] = (s_sorted[1:] != s_sorted[:-1]) | (k_sorted[1:] != k_sorted[:-1])
    first = order[new]
    pair_settle, pair_k = s_sorted[new], k_sorted[new]
    call_iv, put_iv = _means_by_right(np.cumsum(new) - 1, is_call[order], iv[order], len(pair_k))
    pair_fwd = fwd[first]
    pair_iv = np.where(
        pair_k >= pair_fwd,
        np.where(np.isfinite(call_iv), call_iv, put_iv),
        np.where(np.isfinite(put_iv), put_iv, call_iv),
    )
    bounds = np.flatnonzero(pair_settle[1:] != pair_settle[:-1]) + 1
    starts = np.concatenate([[0], bounds]).astype(np.intp)
    return _Pairs(
        strike=pair_k,
        iv=pair_iv,
        starts=starts,
        first=first[starts],
        run_forward=pair_fwd[starts],
        settle_of_run=pair_settle[starts],
    )


def _pair_order(settle: NDArray[np.int64], strike: NDArray[np.float64]) -> NDArray[np.intp]:
    """Return ``np.lexsort((strike, settle))``, cheaply when strikes already ascend per settlement.

    A chain lists each expiry's strikes in order, but settlement instants may interleave (AM and
    PM roots): a stable sort by settlement is then the whole (stable) sort.
    """
    by_settle = np.argsort(settle, kind="stable")
    s, k = settle[by_settle], strike[by_settle]
    if bool(np.all((s[1:] != s[:-1]) | (k[1:] >= k[:-1]))):
        return by_settle
    return np.lexsort((strike, settle))


def _brackets(pairs: _Pairs) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Return, per run, the pair index of ``K_lo`` (-1: none) and of ``K_hi`` (n: none).

    ``K_lo`` is the highest strike with a finite IV at or below the run's forward, ``K_hi`` the
    lowest at or above it (strikes ascend within a run).
    """
    n = len(pairs.strike)
    lengths = np.diff(np.append(pairs.starts, n))
    forward = np.repeat(pairs.run_forward, lengths)
    ok = np.isfinite(pairs.iv)
    index = np.arange(n, dtype=np.intp)
    below = np.where(ok & (pairs.strike <= forward), index, -1)
    above = np.where(ok & (pairs.strike >= forward), index, n)
    return np.maximum.reduceat(below, pairs.starts), np.minimum.reduceat(above, pairs.starts)


def _atm_ivs(
    pairs: _Pairs, lo: NDArray[np.intp], hi: NDArray[np.intp]
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Return the ATM IV of every run and whether it was bracketed (``interpolated``).

    Bracketed: ``sqrt(w)`` with ``w`` the variance at ``K_lo`` or, when ``K_hi > K_lo``, the
    log-strike interpolation of the variances; one-sided: the nearest strike's IV; none: NaN.
    The logarithms and squares are libm's ``log`` and ``pow(v, 2)`` (``_libm``, a few per run),
    which define these values: NumPy's SIMD ``log`` and ``v * v`` differ from them in the last
    bit for some inputs (``pow(v, 2)`` for about 1 in 1,000 IVs).
    """
    n = len(pairs.strike)
    has_lo, has_hi = lo >= 0, hi < n
    k_lo, k_hi = pairs.strike[np.maximum(lo, 0)], pairs.strike[np.minimum(hi, n - 1)]
    v_lo, v_hi = pairs.iv[np.maximum(lo, 0)], pairs.iv[np.minimum(hi, n - 1)]
    both = has_lo & has_hi
    spread = np.flatnonzero(both & (k_hi > k_lo))
    variance = _libm(_square, v_lo)
    if spread.size:
        x = _libm(math.log, pairs.run_forward[spread] / k_lo[spread]) / _libm(
            math.log, k_hi[spread] / k_lo[spread]
        )
        variance[spread] = (1 - x) * variance[spread] + x * _libm(_square, v_hi[spread])
    with np.errstate(invalid="ignore"):
        bracketed = np.sqrt(variance)
    atm = np.where(both, bracketed, np.where(has_lo, v_lo, np.where(has_hi, v_hi, np.nan)))
    return atm, both


def _square(value: float) -> float:
    return value**2


def _libm(fn: Callable[[float], float], values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Return ``fn`` (a scalar libm function) of each of the few ``values``, as float64."""
    return np.fromiter(map(fn, values.tolist()), dtype=np.float64, count=len(values))


def _epoch_us(stamps: pl.Series) -> NDArray[np.int64]:
    """Return ``stamps.dt.epoch("us")`` as int64 (a microsecond Datetime's physical values)."""
    dtype = stamps.dtype
    if isinstance(dtype, pl.Datetime) and dtype.time_unit == "us" and not stamps.null_count():
        return stamps.cast(pl.Int64).to_numpy()  # no query
    return stamps.dt.epoch("us").to_numpy()


def _is_call(right: pl.Series) -> NDArray[np.bool_]:
    if isinstance(right.dtype, pl.Enum):  # the chain's Enum(C, P): compare physical codes
        codes = right.to_physical().to_numpy()
        categories = right.dtype.categories.to_list()
        call = categories.index("C") if "C" in categories else -1
        return np.asarray(codes == call, dtype=np.bool_)
    return np.asarray((right == "C").to_numpy(), dtype=np.bool_)


def _means_by_right(
    pair: NDArray[np.int64], is_call: NDArray[np.bool_], iv: NDArray[np.float64], n: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return the mean call IV and the mean put IV of each of the ``n`` pairs (NaN: none)."""
    bins = 2 * pair + ~is_call
    total = np.bincount(bins, weights=iv, minlength=2 * n).reshape(n, 2)
    count = np.bincount(bins, minlength=2 * n).reshape(n, 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / count, np.nan)
    return mean[:, 0], mean[:, 1]


def constant_maturity_iv(term: pl.DataFrame, days: float = 30.0) -> ConstantMaturityIv:
    """Return the ATM IV at ``days`` calendar days, interpolated in total variance.

    Parameters
    ----------
    term
        ``TERM_SCHEMA`` frame (``t_years``, ``atm_iv``), any order.
    days
        Target maturity in calendar days (ACT/365), > 0.

    Examples
    --------
    Expiries at 20 and 40 days with IV 0.10 and 0.20: w(30) = (20 * 0.01 + 40 * 0.04) / 2 / 365
    = 0.9 / 365, so iv = sqrt(0.9 / 30) = sqrt(0.03):

    >>> term = pl.DataFrame({"t_years": [20 / 365, 40 / 365], "atm_iv": [0.10, 0.20]})
    >>> cm = constant_maturity_iv(term, 30)
    >>> round(cm.iv, 6), cm.method.value
    (0.173205, 'interpolated')
    """
    if not days > 0:
        raise ValueError(f"expected a positive target maturity in days, was {days}")
    t, iv = _usable_term(term)
    n = len(t)
    if n == 0:
        return ConstantMaturityIv(iv=math.nan, days=days, method=CmMethod.NONE, n_expiries=0)
    target = days / 365.0

    def result(value: float, method: CmMethod) -> ConstantMaturityIv:
        return ConstantMaturityIv(iv=value, days=days, method=method, n_expiries=n)

    exact = np.flatnonzero(np.abs(t - target) <= 1e-9)  # math.isclose with abs_tol=1e-9
    if exact.size:
        return result(float(iv[exact[0]]), CmMethod.EXACT)
    if target < t[0]:
        return result(float(iv[0]), CmMethod.FLAT_SHORT)
    if target > t[-1]:
        return result(float(iv[-1]), CmMethod.FLAT_LONG)
    i = int(np.argmax(t[1:] > target)) + 1  # the first later expiry (t[-1] >= target)
    t1, t2, iv1, iv2 = float(t[i - 1]), float(t[i]), float(iv[i - 1]), float(iv[i])
    w1, w2 = iv1**2 * t1, iv2**2 * t2
    w = w1 + (w2 - w1) * (target - t1) / (t2 - t1)
    return result(math.sqrt(max(w, 0.0) / target), CmMethod.INTERPOLATED)


def _usable_term(term: pl.DataFrame) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Return ``t_years`` and ``atm_iv`` of the rows with ``t > 0`` and a finite positive IV.

    Sorted by ``t_years`` (stable; NaN last). A NaN ``t_years`` is kept and a null one dropped,
    as Polars' ``t_years > 0`` does (NaN compares greater than every number there).
    """
    t_col, iv_col = term.get_column("t_years"), term.get_column("atm_iv")
    t = t_col.cast(pl.Float64).to_numpy()
    iv = iv_col.cast(pl.Float64).to_numpy()
    keep = ((t > 0) | np.isnan(t)) & np.isfinite(iv) & (iv > 0)
    if t_col.null_count():
        keep &= t_col.is_not_null().to_numpy()
    t, iv = t[keep], iv[keep]
    order = np.argsort(t, kind="stable")
    return t[order], iv[order]


__all__ = [
    "ATM_METHODS",
    "TERM_INPUT",
    "TERM_SCHEMA",
    "CmMethod",
    "ConstantMaturityIv",
    "KnownTerm",
    "atm_iv_term",
    "constant_maturity_iv",
    "near_the_money",
]
