"""Builders of ``SignalInputs`` for the signal tests: small hand-built ones and pipeline ones.

``hand_inputs`` makes a neutral chain around spot 5000 (strikes 4950..5050 step 5, ATR 40, one
front expiry settling at 16:00 ET on Friday 2024-03-15, flat 15 % term structure) whose metrics
say nothing; tests override the columns or scalars they need. ``analysis_inputs`` runs the
synthetic chain through ``eots.pipeline.analyze`` and adapts the ``Analysis`` exactly as the
engine does.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import ArrayLike

from eots.pipeline import Analysis, History, analyze
from eots.signals import SignalInputs, atm_term
from eots.synthetic import SyntheticParams, synthetic_chain

SPOT = 5000.0
ATR = 40.0
SESSION = dt.date(2024, 3, 15)
SETTLE = dt.datetime(2024, 3, 15, 20, 0, tzinfo=dt.UTC)  # 16:00 ET
STRIKES = np.arange(4950.0, 5050.0 + 1, 5.0)
_TS = pl.Datetime("us", "UTC")


def et(hour: int, minute: int = 0) -> dt.datetime:
    """Return 2024-03-15 at ``hour:minute`` US/Eastern (EDT, UTC-4) as UTC."""
    return dt.datetime(2024, 3, 15, hour + 4, minute, tzinfo=dt.UTC)


def strike_metrics(**columns: ArrayLike) -> pl.DataFrame:
    """Return neutral per-strike metrics over ``STRIKES``; keyword columns override them."""
    n = STRIKES.size
    neutral: dict[str, Any] = {
        "mspi": 0.0,
        "sai": 0.0,
        "ssi": 1.0,
        "vri": 0.0,
        "vfi": 1.0,
        "tdpi": 0.0,
        "ctr": 0.0,
        "tdfi": 0.0,
        "arfi": 0.0,
        "dag_custom": 0.0,
        "a_dag": 0.0,
        "sdag_multiplicative": 0.0,
        "sdag_directional": 0.0,
        "sdag_weighted": 0.0,
        "sdag_volatility_focused": 0.0,
        "d_tdpi": 0.0,
        "sdag_conviction_score": 0.0,
        "sdag_conviction_direction": 0.0,
        "net_value_pressure": float("nan"),
    }
    neutral.update(columns)
    data = {"strike": STRIKES}
    for name, value in neutral.items():
        arr = np.full(n, value, dtype=np.float64) if np.isscalar(value) else np.asarray(value)
        data[name] = arr.astype(np.float64)
    return pl.DataFrame(data)


def front_contracts(
    gex: Mapping[float, float] | None = None, *, charm: float = 0.0, base_gex: float = 1e6
) -> pl.DataFrame:
    """Return one front-expiry contract per strike with ``base_gex`` $/1 % (``gex`` overrides).

    ``charm`` ($ of delta per day, the front's total) is put on the 5000 strike.
    """
    g = np.full(STRIKES.size, base_gex)
    for k, v in (gex or {}).items():
        g[int(np.flatnonzero(k == STRIKES)[0])] = v
    c = np.zeros(STRIKES.size)
    c[STRIKES == SPOT] = charm
    return pl.DataFrame(
        {
            "expiry_ts": [SETTLE] * STRIKES.size,
            "strike": STRIKES,
            "gex_usd_per_pct": g,
            "charm_usd_per_day": c,
        },
        schema_overrides={"expiry_ts": _TS},
    )


def by_strike_from(contracts: pl.DataFrame) -> pl.DataFrame:
    """Return per-strike net/abs GEX and charm summed from ``front_contracts`` rows."""
    return (
        contracts.group_by("strike")
        .agg(
            net_gex=pl.col("gex_usd_per_pct").sum(),
            abs_gex=pl.col("gex_usd_per_pct").abs().sum(),
            charm=pl.col("charm_usd_per_day").sum(),
        )
        .sort("strike")
    )


def term(
    front_iv: float = 0.15,
    back_iv: float = 0.15,
    *,
    as_of: dt.datetime,
    week_iv: float | None = None,
) -> pl.DataFrame:
    """Return a three-expiry term structure: the front (``SETTLE``), one 7 days after ``as_of``
    (the term's short end; ``week_iv``, default ``front_iv``) and one exactly 30 days after
    ``as_of`` (so the 30-day constant-maturity IV is ``back_iv`` exactly)."""
    t_front = (SETTLE - as_of).total_seconds() / (365 * 86400)
    return pl.DataFrame(
        {
            "expiry_ts": [SETTLE, as_of + dt.timedelta(days=7), as_of + dt.timedelta(days=30)],
            "t_years": [t_front, 7 / 365, 30 / 365],
            "atm_iv": [front_iv, front_iv if week_iv is None else week_iv, back_iv],
        },
        schema_overrides={"expiry_ts": _TS},
    )


def bars(closes: Sequence[float], *, end: dt.datetime, minutes: int = 5) -> pl.DataFrame:
    """Return bars closing every ``minutes`` up to ``end`` (the last close at ``end``)."""
    n = len(closes)
    ts = [end - dt.timedelta(minutes=minutes * (n - 1 - i)) for i in range(n)]
    c = np.asarray(closes, dtype=np.float64)
    return pl.DataFrame(
        {"ts": ts, "open": c, "high": c, "low": c, "close": c},
        schema_overrides={"ts": _TS},
    )


def trend_closes(n: int, step: float, *, start: float = SPOT, wiggle: float = 0.5) -> list[float]:
    """Return ``n`` closes rising by ``step`` $ a bar with an alternating ``wiggle``."""
    return [start - step * (n - 1 - i) + (wiggle if i % 2 else -wiggle) for i in range(n)]


def hand_inputs(
    *,
    as_of: dt.datetime | None = None,
    metrics: pl.DataFrame | None = None,
    contracts: pl.DataFrame | None = None,
    **overrides: Any,
) -> SignalInputs:
    """Return neutral hand-built inputs; keyword arguments replace ``SignalInputs`` fields."""
    as_of = as_of or et(15)
    contracts = contracts if contracts is not None else front_contracts()
    base = SignalInputs(
        as_of=as_of,
        session=SESSION,
        underlying="SPX",
        spot=SPOT,
        atr=ATR,
        strike_metrics=metrics if metrics is not None else strike_metrics(),
        by_strike=by_strike_from(contracts),
        contracts=contracts,
        term=term(as_of=as_of),
        zero_gamma=None,
        net_gex=float(contracts.get_column("gex_usd_per_pct").sum()),
    )
    return replace(base, **overrides)


def from_analysis(
    analysis: Analysis,
    *,
    bars_frame: pl.DataFrame | None = None,
    weights: Mapping[str, float] | None = None,
) -> SignalInputs:
    """Adapt an ``Analysis`` to ``SignalInputs`` (what the engine's adapter does)."""
    if analysis.metrics.atr is None:
        raise ValueError("the analysis has no ATR (no IV at all): no signals")
    context = analysis.history.context
    pct = None
    if context is not None and context.iv_percentile.sufficient:
        pct = context.iv_percentile.value
    return SignalInputs(
        as_of=analysis.as_of,
        session=analysis.session,
        underlying=analysis.snapshot.underlying,
        spot=analysis.snapshot.spot,
        atr=analysis.metrics.atr,
        strike_metrics=analysis.strike_metrics,
        by_strike=analysis.by_strike,
        contracts=analysis.contracts,
        term=atm_term(analysis.contracts, analysis.snapshot.spot),
        zero_gamma=analysis.zero_gamma.nearest,
        net_gex=analysis.totals.net_gex,
        bars=bars_frame,
        iv_percentile=pct,
        weights=weights,
    )


def analysis_inputs(
    as_of: dt.datetime, *, seed: int = 0, spot: float | None = None, **kwargs: Any
) -> SignalInputs:
    """Return inputs from the synthetic SPX chain at ``as_of`` through ``pipeline.analyze``."""
    snap = synthetic_chain(SyntheticParams(seed=seed, spot=spot), as_of=as_of)
    return from_analysis(analyze(snap, history=History()), **kwargs)


def close(a: float, b: float, tol: float = 1e-9) -> bool:
    """Return whether two floats agree within ``tol`` (absolute)."""
    return math.isclose(a, b, rel_tol=0.0, abs_tol=tol)
