"""Turn an ``Analysis`` into plain data (the ``--json`` output and the tables' source).

Every figure says its unit and convention; nothing here computes a metric.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import polars as pl

from eots.core.time import ET
from eots.exposures.params import SignConvention
from eots.levels.model import Level
from eots.levels.walls import RankedStrike
from eots.market import atm_iv_term
from eots.pipeline import Analysis

if TYPE_CHECKING:
    from rich.console import Console

    from eots.engine import Step

_SIGN_TEXT = {
    SignConvention.CLASSIC: "classic: dealers long calls, short puts (call GEX +, put GEX -)",
    SignConvention.SHORT_BOTH: "short_both: dealers short calls and puts",
}

TOP_COLUMNS = {
    "gex": ("net_gex", "$ per 1% move"),
    "dex": ("dex", "$ notional delta"),
    "vanna": ("vanna", "$ delta per vol point"),
    "charm": ("charm", "$ delta per day"),
}


def _num(x: float | None) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return float(x)


def _ranked(items: tuple[RankedStrike, ...]) -> list[dict[str, float | None]]:
    return [{"strike": r.strike, "gex_usd_per_pct": _num(r.value)} for r in items]


def top_strikes(analysis: Analysis, column: str, n: int) -> pl.DataFrame:
    """Return the ``n`` strikes with the largest |column|, largest first."""
    return (
        analysis.by_strike.filter(pl.col(column) != 0)
        .sort(pl.col(column).abs(), descending=True)
        .head(n)
        .select("strike", column)
    )


def forwards_table(analysis: Analysis) -> pl.DataFrame:
    """Return one row per expiry: root(s), settlement, days, forward, method, ATM IV.

    The ATM IV is ``eots.market.atm_iv_term``'s: interpolated at the forward in total variance
    from the out-of-the-money contracts, so it is the same number the market context uses.
    """
    c = analysis.contracts
    per_expiry = c.group_by("expiry_ts").agg(
        expiry=pl.col("expiry").first(),
        roots=pl.col("root").unique().sort().str.join("/"),
        settlement=pl.col("settlement").first().cast(pl.String),
        t_days=pl.col("t_years").first() * 365.0,
        forward=pl.col("forward").first(),
        forward_method=pl.col("forward_method").first().cast(pl.String),
        open_interest=pl.col("open_interest").sum(),
    )
    atm = atm_iv_term(c, analysis.snapshot.spot).select("expiry_ts", "atm_iv")
    return per_expiry.join(atm, on="expiry_ts", how="left").sort("expiry_ts").drop("expiry_ts")


METRIC_KEYS = (
    "dag_custom",
    "sdag_multiplicative",
    "sdag_directional",
    "sdag_weighted",
    "sdag_volatility_focused",
    "tdpi",
    "ctr",
    "tdfi",
    "vri",
    "vvr",
    "vfi",
    "mspi",
    "sai",
    "ssi",
    "arfi",
)
ADAPTIVE_KEYS = (
    "a_dag",
    "e_sdag_multiplicative",
    "e_sdag_directional",
    "e_sdag_weighted",
    "e_sdag_volatility_focused",
    "e_sdag_composite",
    "sdag_conviction_score",
    "sdag_conviction_stars",
    "d_tdpi",
    "enhanced_ctr",
    "enhanced_tdfi",
    "vri_2_0",
    "enhanced_vvr",
    "enhanced_vfi",
)


def _row(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (_num(v) if isinstance(v, float) else v) for k, v in row.items()}


def metrics_report(analysis: Analysis, *, top: int) -> dict[str, Any]:
    """Per-strike base metrics (every strike), the strikes that matter by |MSPI|, and notes."""
    m = analysis.metrics
    strikes = analysis.strike_metrics
    ranked = strikes.filter(pl.col("mspi").is_not_nan()).sort(pl.col("mspi").abs(), descending=True)
    return {
        "history": analysis.history.description,
        "mspi_weight_set": m.mspi_weight_set,
        "mspi_weights": dict(m.mspi_weights),
        "notes": [{"metric": k, "note": v} for k, v in m.notes],
        "top_by_abs_mspi": [
            _row(r)
            for r in ranked.head(top)
            .select("strike", *METRIC_KEYS, *ADAPTIVE_KEYS)
            .iter_rows(named=True)
        ],
        "adaptive": {
            "methodology_weights": dict(analysis.adaptive.methodology_weights),
            "notes": list(analysis.adaptive.notes),
            "factors": [
                {
                    "metric": f.metric,
                    "factor": f.factor,
                    "active": f.active,
                    "value": _num(f.value),
                    "neutral": f.neutral,
                    "reason": f.reason,
                }
                for f in analysis.adaptive.factors
            ],
        },
        "strikes": [_row(r) for r in strikes.iter_rows(named=True)],
    }


def _level(level: Level, threshold: float) -> dict[str, Any]:
    return {
        "price": _num(level.price),
        "low": _num(level.low),
        "high": _num(level.high),
        "kind": level.kind.value,
        "timeframe": level.timeframe.value,
        "strength": _num(level.strength),
        "conviction": _num(level.conviction),
        "stars": level.stars,
        "high_conviction": level.conviction >= threshold,
        "first_seen": level.first_seen.isoformat(),
        "last_seen": level.last_seen.isoformat(),
        "updates": level.updates,
        "evidence": {name: _num(value) for name, value in level.evidence},
    }


def levels_report(analysis: Analysis, *, nearest: int) -> dict[str, Any]:
    """Return the whole key-level collection, and the levels nearest spot on each side."""
    kl = analysis.levels
    th = kl.conviction_threshold
    return {
        "conviction_threshold": _num(th),
        "mspi_threshold": _num(kl.mspi_threshold),
        "metric_weights": dict(kl.metric_weights),
        "notes": list(kl.notes),
        "above_spot": [_level(lv, th) for lv in kl.nearest(above=True, n=nearest)],
        "below_spot": [_level(lv, th) for lv in kl.nearest(above=False, n=nearest)],
        "all": [_level(lv, th) for lv in kl.levels],
    }


def report(analysis: Analysis, *, top: int = 10) -> dict[str, Any]:
    """Return the analysis as JSON-ready plain data."""
    snap = analysis.snapshot
    q = snap.quality
    zg = analysis.zero_gamma
    t = analysis.totals
    walls = analysis.walls
    return {
        "underlying": snap.underlying,
        "source": snap.source,
        "source_format": snap.source_format,
        "as_of": analysis.as_of.isoformat(),
        "as_of_et": analysis.as_of.astimezone(ET).isoformat(),
        "ts_recv": snap.ts_recv.isoformat(),
        "time_basis": snap.time_basis.value,
        "session": analysis.session.isoformat(),
        "spot": snap.spot,
        "expiry_scope": analysis.scope.label,
        "warnings": list(analysis.warnings),
        "conventions": {
            "gex_unit": "USD per 1% move (gamma * OI * multiplier * S^2 * 0.01)",
            "dex_unit": "USD notional (delta * OI * multiplier * S)",
            "vanna_unit": "USD of delta per vol point",
            "charm_unit": "USD of delta per calendar day",
            "sign": _SIGN_TEXT[analysis.params.exposures.sign_convention],
            "time_to_expiry": "ACT/365 to the settlement instant (AM open / PM close, XNYS)",
            "model": "Black-76 on the parity-implied forward (BSM approximation for American)",
            "iv_policy": analysis.params.pricing.iv_policy.value,
        },
        "contracts": {
            "read": q.rows_read,
            "live": snap.n_contracts,
            "in_scope": t.contracts_in_scope,
            "without_iv": t.contracts_without_iv,
            "open_interest_without_iv": t.oi_without_iv,
            "iv_origin": dict(
                analysis.contracts.group_by("iv_origin")
                .len()
                .sort("iv_origin")
                .with_columns(pl.col("iv_origin").cast(pl.String))
                .iter_rows()
            ),
            "dropped": [
                {"reason": d.reason, "count": d.count, "example": d.example} for d in q.dropped
            ],
            "flagged": [{"reason": d.reason, "count": d.count} for d in q.flagged],
        },
        "totals": {
            "net_gex_usd_per_pct": _num(t.net_gex),
            "call_gex_usd_per_pct": _num(t.call_gex),
            "put_gex_usd_per_pct": _num(t.put_gex),
            "net_dex_usd": _num(t.net_dex),
            "net_vanna_usd_per_vol_pt": _num(t.net_vanna),
            "net_charm_usd_per_day": _num(t.net_charm),
        },
        "zero_gamma": {
            "status": "crossing" if zg.found else "no_crossing",
            "nearest": _num(zg.nearest),
            "crossings": list(zg.crossings),
            "band": list(zg.band),
            "net_gex_at_spot_usd_per_pct": _num(zg.net_gex_at_spot),
            "text": zg.describe(snap.spot),
            "profile": {
                "spot_levels": [float(x) for x in analysis.profile.levels],
                "net_gex_usd_per_pct": [float(y) for y in analysis.profile.net_gex],
                "contracts": analysis.profile.n_contracts,
            },
        },
        "walls": {
            "call_wall": _ranked(walls.call_wall),
            "put_wall": _ranked(walls.put_wall),
            "abs_gamma": _ranked(walls.abs_gamma),
        },
        "top_strikes": {
            key: {
                "unit": unit,
                "strikes": [
                    {"strike": k, "value": _num(v)}
                    for k, v in top_strikes(analysis, col, top).iter_rows()
                ],
            }
            for key, (col, unit) in TOP_COLUMNS.items()
        },
        "forwards": [
            {
                k: (
                    _num(v)
                    if isinstance(v, float)
                    else (v.isoformat() if hasattr(v, "isoformat") else v)
                )
                for k, v in row.items()
            }
            for row in forwards_table(analysis).iter_rows(named=True)
        ],
        "levels": levels_report(analysis, nearest=min(top, 6)),
        "metrics": metrics_report(analysis, top=top),
        "params_fingerprint": analysis.params_fingerprint,
    }


def downstream_json(step: Step) -> dict[str, Any]:
    """Return one step's ``signals``, ``signal_integration`` and ``ideas`` keys of ``--json``."""
    from eots.ideas import ideas_to_json
    from eots.signals import signals_to_json

    out: dict[str, Any] = {"signals": [], "signal_integration": None, "ideas": []}
    if step.signals is not None:
        sig = signals_to_json(step.signals)
        out["signals"] = sig["signals"]
        out["signal_integration"] = sig["signal_integration"]
        out["signals_suppressed"] = sig.get("suppressed", [])
    if step.ideas is not None:
        out["ideas"] = ideas_to_json(step.ideas)
        out["ideas_skipped"] = list(step.ideas.skipped)
    out["stage_notes"] = list(step.notes)
    return out


def render_downstream(step: Step, console: Console) -> None:
    """Print the signals and trade ideas of one step after the analysis report."""
    from eots.cli.ideas_render import render_ideas
    from eots.cli.signals_render import render_signals

    if step.signals is None:
        for note in step.notes:
            console.print(f"signals: {note}", markup=False)
        return
    console.print(render_signals(step.signals))
    if step.ideas is not None:
        console.print(render_ideas(step.ideas))
