"""Turn an ``Analysis`` into plain data (the ``--json`` output and the tables' source).

Every figure says its unit and convention; nothing here computes a metric. What the report claims:

* **coverage**: the strike and expiry window of the contracts in scope (``chain.chain_coverage``);
  a truncated chain is said, and "no crossing" becomes "unknown beyond the window".
* **walls**: each ranked strike carries its share of the largest per-strike |net GEX|; below
  ``MIN_WALL_SHARE`` it is marked negligible (a "wall" of $16 beside strikes of $477m).
* **strikes that matter** (``strikes_that_matter``): the base system ranks strikes by |MSPI|
  alone (``top_by_abs_mspi``, kept in the JSON). MSPI is built from max-abs normalised
  components, so a far out-of-the-money strike with a handful of contracts can score +-1 (VRI
  peaks there). What a trader is shown ranks by ``|MSPI| * gamma share`` among strikes within the
  zero-gamma band, the gamma share being the strike's |call GEX| + |put GEX| over the largest
  strike's: a strike matters when the metrics are extreme *and* real positioning sits there.
* **SAI** is shown only where it varies: under the default [ITS241] formula it is the mean of the
  pairwise sign products of DAG, TDPI and VRI, and TDPI's sign is structurally opposite to DAG's
  and VRI's (theta against gamma), so it is -1/3 wherever all three are non-zero.
* **metric units** (``METRIC_UNITS``): every EOTS metric column with its unit.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import polars as pl

from eots.chain import ChainCoverage, chain_coverage
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


#: A wall whose |GEX| is below this share of the largest per-strike |net GEX| is negligible.
MIN_WALL_SHARE = 0.02

#: Units of the EOTS metric columns (base_system.md; the metric modules' docstrings).
METRIC_UNITS = {
    "mspi": "dimensionless, -1..1",
    "sai": "dimensionless, -1..1",
    "ssi": "dimensionless, 0..1",
    "arfi": "dimensionless ratio",
    "dag_custom": "delta-shares per $1 of spot",
    "sdag_multiplicative": "delta-shares per $1 of spot",
    "a_dag": "delta-shares per $1 of spot",
    "e_sdag_composite": "delta-shares per $1 of spot",
    "tdpi": "delta-shares per calendar day",
    "d_tdpi": "delta-shares per calendar day",
    "vri": "delta-shares per vol point",
    "vri_2_0": "delta-shares per vol point",
    "sdag_conviction_score": "0..1 (stars 1..5)",
}


def _ranked(items: tuple[RankedStrike, ...], scale: float) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for r in items:
        share = abs(r.value) / scale if scale > 0 and math.isfinite(r.value) else 0.0
        out.append(
            {
                "strike": r.strike,
                "gex_usd_per_pct": _num(r.value),
                "share_of_largest": share,
                "negligible": share < MIN_WALL_SHARE,
            }
        )
    return out


def coverage(analysis: Analysis) -> ChainCoverage:
    """Strike and expiry coverage of the contracts in the expiry scope."""
    in_scope = analysis.contracts.filter(analysis.scope.mask(analysis.session))
    band = 100.0 * analysis.params.zero_gamma.band_pct
    return chain_coverage(in_scope, analysis.snapshot.spot, band)


def strikes_that_matter(analysis: Analysis, n: int) -> pl.DataFrame:
    """Return ``n`` strikes ranked by ``|MSPI| * gamma share`` within the zero-gamma band.

    ``gamma_share`` is the strike's ``abs_gex`` (|call GEX| + |put GEX|) over the largest strike's;
    ``score`` is ``|mspi| * gamma_share`` (module docstring).
    """
    spot = analysis.snapshot.spot
    band = analysis.params.zero_gamma.band_pct
    gex = analysis.by_strike.select("strike", "abs_gex")
    top = float(gex.select(pl.col("abs_gex").max().fill_null(0.0)).item())
    share = gex.select("strike", gamma_share=pl.col("abs_gex") / top if top > 0 else pl.lit(0.0))
    return (
        analysis.strike_metrics.join(share, on="strike", how="left")
        .with_columns(pl.col("gamma_share").fill_null(0.0))
        .filter(
            pl.col("mspi").is_not_nan()
            & ((pl.col("strike") / spot - 1.0).abs() <= band)
            & (pl.col("gamma_share") > 0)
        )
        .with_columns(score=pl.col("mspi").abs() * pl.col("gamma_share"))
        .sort("score", descending=True)
        .head(n)
    )


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


def _rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Return the frame's rows as dicts, NaN and infinities as None (JSON null).

    The non-finite floats are nulled by polars, column by column, not value by value in Python
    (every strike's ~90 metric values go through here on each ``eots analyze``).
    """
    floats = [name for name, dtype in frame.schema.items() if dtype.is_float()]
    finite = [pl.when(pl.col(c).is_finite()).then(pl.col(c)).alias(c) for c in floats]
    return (frame.with_columns(finite) if finite else frame).to_dicts()


def _constant(frame: pl.DataFrame, column: str) -> float | None:
    """Return the one value ``column`` takes over ``frame``'s finite entries (None if it varies)."""
    values = frame.get_column(column).drop_nulls().drop_nans().unique()
    return float(values[0]) if values.len() == 1 else None


def metrics_report(analysis: Analysis, *, top: int) -> dict[str, Any]:
    """Per-strike base metrics (every strike), the strikes that matter, and notes."""
    m = analysis.metrics
    strikes = analysis.strike_metrics
    ranked = strikes.filter(pl.col("mspi").is_not_nan()).sort(pl.col("mspi").abs(), descending=True)
    matter = strikes_that_matter(analysis, top)
    sai = _constant(matter, "sai") if matter.height > 1 else None
    return {
        "units": METRIC_UNITS,
        "strikes_that_matter": {
            "ranking": (
                "|MSPI| x gamma share (the strike's |call GEX| + |put GEX| over the largest "
                f"strike's), strikes within +-{100 * analysis.params.zero_gamma.band_pct:.0f}% of "
                "spot; top_by_abs_mspi keeps the base system's |MSPI| ranking"
            ),
            "rows": _rows(
                matter.select("strike", "score", "gamma_share", *METRIC_KEYS, *ADAPTIVE_KEYS)
            ),
        },
        "sai_constant": sai,
        "sai_note": (
            None
            if sai is None
            else f"SAI is {sai:+.2f} at every strike shown: under the [ITS241] sign formula over "
            "DAG, TDPI and VRI, TDPI's sign is structurally opposite to DAG's and VRI's, so the "
            "column carries no information here (omitted; every strike's value is in the JSON)"
        ),
        "history": analysis.history.description,
        "mspi_weight_set": m.mspi_weight_set,
        "mspi_weights": dict(m.mspi_weights),
        "notes": [{"metric": k, "note": v} for k, v in m.notes],
        "top_by_abs_mspi": _rows(ranked.head(top).select("strike", *METRIC_KEYS, *ADAPTIVE_KEYS)),
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
        "strikes": _rows(strikes),
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
    cov = coverage(analysis)
    wall_scale = float(
        analysis.by_strike.select(pl.col("net_gex").abs().max().fill_null(0.0)).item()
    )
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
            "text": _zero_gamma_text(analysis, cov),
            "profile": {
                "spot_levels": [float(x) for x in analysis.profile.levels],
                "net_gex_usd_per_pct": [float(y) for y in analysis.profile.net_gex],
                "contracts": analysis.profile.n_contracts,
            },
        },
        "coverage": _coverage_report(cov),
        "walls": {
            "largest_strike_gex_usd_per_pct": wall_scale,
            "min_share": MIN_WALL_SHARE,
            "call_wall": _ranked(walls.call_wall, wall_scale),
            "put_wall": _ranked(walls.put_wall, wall_scale),
            "abs_gamma": _ranked(walls.abs_gamma, wall_scale),
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


def _coverage_report(cov: ChainCoverage) -> dict[str, Any]:
    return {
        "expiries": cov.n_expiries,
        "first_expiry": cov.first_expiry.isoformat() if cov.first_expiry else None,
        "last_expiry": cov.last_expiry.isoformat() if cov.last_expiry else None,
        "strikes": cov.n_strikes,
        "strike_low": _num(cov.strike_low),
        "strike_high": _num(cov.strike_high),
        "low_pct": _num(cov.low_pct),
        "high_pct": _num(cov.high_pct),
        "covered_pct": _num(cov.covered_pct),
        "truncated": cov.truncated,
        "text": cov.describe(),
    }


def _zero_gamma_text(analysis: Analysis, cov: ChainCoverage) -> str:
    zg = analysis.zero_gamma
    text = zg.describe(analysis.snapshot.spot)
    if cov.truncated:
        text += (
            f" [the chain covers only +-{cov.covered_pct:.1f}% around spot: beyond that the "
            "profile is unknown, not flat]"
        )
    return text
