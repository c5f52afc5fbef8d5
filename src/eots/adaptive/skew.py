"""E-SDAG's enhanced skew adjustment: per-expiry smile, term structure and its intraday change.

Per contract with implied volatility ``iv`` on expiry e (settlement instant; AM and PM apart)::

    smile    = clip(1 + a_s (iv / atm_iv(e) - 1), lo, hi)          a_s = 0.5
    term     = clip(1 + a_t (atm_iv(e) / iv_ref - 1), lo, hi)       a_t = 0.5
    intraday = clip(1 + a_d (atm_iv_now(e) / atm_iv_then(e) - 1), lo, hi)   a_d = 1
    skew     = clip(smile * term * intraday, lo, hi)                [lo, hi] = [0.5, 2]

* ``atm_iv(e)``: the expiry's at-the-forward IV of the current chain (``eots.market.atm_iv_term``:
  OTM IVs interpolated in total variance across the forward);
* ``iv_ref``: the constant-maturity ATM IV at ``term_reference_days`` (30) of the same term
  structure (``constant_maturity_iv``), so ``smile * term`` ~ ``iv / iv_ref`` decomposed into the
  position on the expiry's smile and the expiry's place on the term structure;
* ``then``: the oldest of the last ``intraday_lookback`` + 1 snapshots of the session in the market
  context's ``term_intraday`` (at or before ``as_of``), ``now`` the latest: how the expiry's vol
  moved during the session (both ends from the context, so like is compared with like).

Dimensionless, > 0; 1 when IV equals the ATM IV, the expiry sits at the reference level and did
not move. Skew-adjusted GEX = G * skew (G = gxoi, dealer-signed with ``GammaBasis.DEALER``): wings
priced rich on the smile, rich expiries and expiries bid up intraday weigh more. The smile and term
pieces need only the current chain; the intraday piece needs at least two snapshots of the session
(else 1, flagged neutral). A contract or expiry without an ATM IV gets 1 for that piece.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
from numpy.typing import NDArray

from eots.adaptive.inputs import packed_keys
from eots.adaptive.params import ESdagParams
from eots.adaptive.report import FactorReport, measured, switched_off, thin
from eots.market import TERM_SCHEMA, MarketContext, constant_maturity_iv
from eots.metrics.arrays import Masked, constant, fill_null, from_series

_METRIC = "e_sdag"
#: Per-expiry columns of ``expiry_skew``: ATM IV, term piece, intraday piece.
ATM_IV, TERM_PIECE, INTRADAY_PIECE = "_atm_iv_e", "_term_piece", "_intraday_piece"


def _clip(x: pl.Expr, params: ESdagParams) -> pl.Expr:
    return x.clip(*params.skew_clip)


def smile_piece(iv: Masked, atm_iv: Masked, params: ESdagParams) -> Masked:
    """Return the smile piece from the contracts' IVs and their expiries' ATM IVs (null: 1)."""
    if not params.factors.smile:
        return constant(1.0, len(iv.v))
    lo, hi = params.skew_clip
    return fill_null((1.0 + params.smile_sensitivity * (iv / atm_iv - 1.0)).clip(lo, hi), 1.0)


def _intraday(
    term_intraday: pl.DataFrame, as_of: dt.datetime, keys: list[str], params: ESdagParams
) -> tuple[pl.DataFrame | None, int]:
    stamps_all = term_intraday.get_column("ts_event").to_numpy()  # datetime64[us], UTC
    cut = np.datetime64(as_of.astimezone(dt.UTC).replace(tzinfo=None), "us")
    stamps = np.unique(stamps_all[stamps_all <= cut])[-(params.intraday_lookback + 1) :]
    if len(stamps) < 2:
        return None, len(stamps)
    now = _one_per_key(term_intraday, stamps_all == stamps[-1], keys)
    then = _one_per_key(term_intraday, stamps_all == stamps[0], keys)
    if now is not None and then is not None:
        piece = _piece_of_arrays(now, then, keys, params)
        if piece is not None:
            return piece, len(stamps)
    return _grouped_piece(term_intraday, (stamps[0], stamps[-1]), keys, params), len(stamps)


def _piece_on(
    term_intraday: pl.DataFrame,
    at: np.ndarray,
    as_of: dt.datetime,
    keys: list[str],
    params: ESdagParams,
) -> tuple[np.ndarray | None, int] | None:
    """Return ``_intraday``'s piece joined to the keys ``at`` (packed; 1: none), as arrays.

    ``(None, n)`` with fewer than two stamps, as ``_intraday``; None where ``_intraday`` takes
    the group-by (a key twice at an end stamp, a NaN change) or the keys do not pack: the caller
    then takes it. Otherwise the values are ``_piece_of_arrays``' (the same operations on the same
    IVs), matched on packed keys instead of a join.
    """
    stamps_all = term_intraday.get_column("ts_event").to_numpy()  # datetime64[us], UTC
    cut = np.datetime64(as_of.astimezone(dt.UTC).replace(tzinfo=None), "us")
    stamps = np.unique(stamps_all[stamps_all <= cut])[-(params.intraday_lookback + 1) :]
    if len(stamps) < 2:
        return None, len(stamps)
    packed = packed_keys(term_intraday, keys)
    if packed is None:
        return None
    iv = from_series(term_intraday.get_column("atm_iv"))
    ends = []
    for stamp in (stamps[-1], stamps[0]):
        rows = np.flatnonzero(stamps_all == stamp)
        order = np.argsort(packed[rows], kind="stable")
        rows = rows[order]
        key = packed[rows]
        if bool((key[1:] == key[:-1]).any()):
            return None
        rows = rows[~iv.null[rows]]  # a null IV has no piece (1), as a missing key
        ends.append((packed[rows], iv.v[rows]))
    (now_key, now), (then_key, then) = ends
    both, then_at = _found(then_key, now_key)
    a, b = now[both], then[then_at[both]]
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0 is NaN (the general path)
        change = a / b - 1.0
    if np.isnan(change).any():
        return None
    piece = np.clip(1.0 + params.intraday_sensitivity * change, *params.skew_clip)
    found, piece_at = _found(now_key[both], at)
    return np.where(found, piece[piece_at] if piece.size else 1.0, 1.0), len(stamps)


def _same_dtypes(a: pl.DataFrame, b: pl.DataFrame, keys: list[str]) -> bool:
    """Return whether ``a`` has the ``keys`` columns of ``b``, of the same dtypes."""
    names = set(a.columns)
    return all(k in names and a.get_column(k).dtype == b.get_column(k).dtype for k in keys)


def _found(sorted_keys: np.ndarray, keys: np.ndarray) -> tuple[NDArray[np.bool_], np.ndarray]:
    """Return whether each of ``keys`` is in ``sorted_keys`` (ascending) and its index (0: none)."""
    if sorted_keys.size == 0:
        return np.zeros(keys.shape, dtype=np.bool_), np.zeros(keys.shape, dtype=np.intp)
    at = np.minimum(np.searchsorted(sorted_keys, keys), sorted_keys.size - 1)
    found = sorted_keys[at] == keys
    return found, np.where(found, at, 0)


def _one_per_key(
    term_intraday: pl.DataFrame, rows: NDArray[np.bool_], keys: list[str]
) -> dict[tuple[object, ...], float] | None:
    """Return each key's known ``atm_iv`` at one stamp, None if a key has two rows there.

    One row per key is the usual case (one term structure per snapshot): its mean is its value.
    A null IV has no entry (the piece of its key is then 1, as a null piece).
    """
    part = term_intraday.filter(pl.Series(rows)).select(*keys, "atm_iv")
    got = {tuple(r[:-1]): r[-1] for r in part.iter_rows()}
    if len(got) != part.height:
        return None
    return {k: v for k, v in got.items() if v is not None}


def _piece_of_arrays(
    now: dict[tuple[object, ...], float],
    then: dict[tuple[object, ...], float],
    keys: list[str],
    params: ESdagParams,
) -> pl.DataFrame | None:
    """Return the intraday piece per key from one IV each (None when one is NaN: the general path).

    The operations are the group-by path's, in its order, so the values are the same.
    """
    both = [k for k in now if k in then]
    a = np.array([now[k] for k in both], dtype=np.float64)
    b = np.array([then[k] for k in both], dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0 is NaN (the general path)
        change = a / b - 1.0
    if np.isnan(change).any():
        return None
    piece = np.clip(1.0 + params.intraday_sensitivity * change, *params.skew_clip)
    columns = {c: [k[i] for k in both] for i, c in enumerate(keys)}
    frame = pl.DataFrame(columns, schema={c: TERM_SCHEMA[c] for c in keys})
    return frame.with_columns(pl.Series(INTRADAY_PIECE, piece, dtype=pl.Float64))


def _grouped_piece(
    term_intraday: pl.DataFrame,
    ends: tuple[np.datetime64, np.datetime64],
    keys: list[str],
    params: ESdagParams,
) -> pl.DataFrame:
    """Return the intraday piece per key from the mean IV at each end (any rows)."""
    stamps = term_intraday.get_column("ts_event").to_numpy()
    means = [
        term_intraday.filter(pl.Series(stamps == end))
        .group_by(keys)
        .agg(pl.col("atm_iv").mean().alias(name))
        for end, name in zip(ends, ("_then", "_now"), strict=True)
    ]
    change = pl.col("_now") / pl.col("_then") - 1.0
    piece = _clip(1.0 + params.intraday_sensitivity * change, params)
    return means[1].join(means[0], on=keys, how="inner").select(*keys, piece.alias(INTRADAY_PIECE))


def expiry_skew(
    term: pl.DataFrame,
    context: MarketContext | None,
    as_of: dt.datetime,
    keys: list[str],
    params: ESdagParams,
) -> tuple[pl.DataFrame, tuple[FactorReport, ...]]:
    """Return per-expiry ``ATM_IV``, ``TERM_PIECE``, ``INTRADAY_PIECE`` (keyed by ``keys``).

    Parameters
    ----------
    term
        The current chain's term structure (``TERM_SCHEMA``).
    context
        Market context (its ``term_intraday``); None: the intraday piece is neutral.
    as_of
        Analysis instant; later snapshots are ignored.
    keys
        ``["expiry", "settlement"]``, or ``["expiry"]`` when the contracts carry no settlement.
    params
        E-SDAG parameters.
    """
    packed = _packed_unique(term, keys)
    if packed is not None:  # one term row per key (the usual case): its IV is the mean
        source, atm = term, pl.col("atm_iv")
    else:
        source = term.group_by(keys).agg(pl.col("atm_iv").mean().alias(ATM_IV))
        atm = pl.col(ATM_IV)
    reports: list[FactorReport] = []
    if not params.factors.smile:
        reports.append(switched_off(_METRIC, "smile_factor"))
    elif source.height:
        reports.append(
            measured(_METRIC, "smile_factor", None, f"iv / ATM IV of {source.height} expiries")
        )
    else:
        reports.append(measured(_METRIC, "smile_factor", 1.0, "no ATM IV in the chain: 1"))

    iv_ref = constant_maturity_iv(term, params.term_reference_days).iv if term.height else math.nan
    term_piece = pl.lit(1.0)
    if not params.factors.term_structure:
        reports.append(switched_off(_METRIC, "term_factor"))
    elif math.isfinite(iv_ref) and iv_ref > 0:
        term_piece = _clip(1.0 + params.term_sensitivity * (atm / iv_ref - 1.0), params)
        how = f"ATM IV of the expiry over the {params.term_reference_days:g}-day IV {iv_ref:.4f}"
        reports.append(measured(_METRIC, "term_factor", None, how))
    else:
        reports.append(measured(_METRIC, "term_factor", 1.0, "no reference IV in the chain: 1"))

    intraday, on_source, report = _intraday_factor(term, packed, context, as_of, keys, params)
    reports.append(report)
    columns: list[str | pl.Expr] = [*keys, atm.alias(ATM_IV), term_piece.alias(TERM_PIECE)]
    if on_source is not None:  # the join's rows: the source's, a piece each (1: none)
        piece = pl.Series(INTRADAY_PIECE, on_source, dtype=pl.Float64)
        return source.select(columns).with_columns(piece), tuple(reports)
    if intraday is None:
        return source.select(*columns, pl.lit(1.0).alias(INTRADAY_PIECE)), tuple(reports)
    per_expiry = source.select(columns).join(intraday, on=keys, how="left")
    return per_expiry.with_columns(pl.col(INTRADAY_PIECE).fill_null(1.0)), tuple(reports)


def _intraday_factor(
    term: pl.DataFrame,
    packed: np.ndarray | None,
    context: MarketContext | None,
    as_of: dt.datetime,
    keys: list[str],
    params: ESdagParams,
) -> tuple[pl.DataFrame | None, np.ndarray | None, FactorReport]:
    """Return the intraday piece, keyed or on the term's rows (``packed``: its keys), and report.

    On the term's rows (``_piece_on``) when its keys are unique and pack; else keyed
    (``_intraday``); neither: neutral.
    """
    factor = "intraday_skew_factor"
    if not params.factors.intraday_skew:
        return None, None, switched_off(_METRIC, factor)
    if context is None:
        return None, None, thin(_METRIC, factor, 1.0, "no market context")
    history = context.term_intraday
    intraday: pl.DataFrame | None = None
    on_source: np.ndarray | None = None
    fast = None
    if packed is not None and _same_dtypes(history, term, keys):
        fast = _piece_on(history, packed, as_of, keys, params)
    if fast is not None:
        on_source, n = fast
    else:
        intraday, n = _intraday(history, as_of, keys, params)
    if intraday is None and on_source is None:
        return None, None, thin(_METRIC, factor, 1.0, f"{n} snapshots of the session, 2 needed")
    how = f"ATM IV change per expiry over the last {n} snapshots (per contract)"
    return intraday, on_source, measured(_METRIC, factor, None, how)


def _packed_unique(term: pl.DataFrame, keys: list[str]) -> np.ndarray | None:
    """Return ``term``'s packed keys if no two rows share their keys, else None."""
    packed = packed_keys(term, keys)
    if packed is None:
        return None
    ordered = np.sort(packed)
    return None if (ordered[1:] == ordered[:-1]).any() else packed


__all__ = ["ATM_IV", "INTRADAY_PIECE", "TERM_PIECE", "expiry_skew", "smile_piece"]
