"""The market context an analysis used (ATR, realised volatility) with where each came from.

``--prices`` (a price history) changes ATR and realised volatility, and with them the metrics, so
the report names both values and their source: ``bars_1d`` (the price history's daily bars),
``snapshot_spots_proxy`` (daily bars derived from stored snapshot spots), ``iv_implied`` (from
the ATM implied volatility, no bars), ``neutral``/``none`` (nothing to measure from).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eots.market.estimate import Estimate
    from eots.pipeline import Analysis


def _estimate(e: Estimate, *, scale: float = 1.0) -> dict[str, Any]:
    value = e.value * scale if math.isfinite(e.value) else None
    return {
        "value": value,
        "source": e.source,
        "n_obs": e.n_obs,
        "required": e.required,
        "sufficient": e.sufficient,
        "note": e.note,
    }


def context_summary(analysis: Analysis) -> dict[str, Any] | None:
    """Return ATR ($) and realised vol (% per window) with their sources, or None without history.

    Keys: ``atr`` and ``realized_vol_<w>d_pct``, each ``{value, source, n_obs, required,
    sufficient, note}``.
    """
    context = analysis.history.context
    if context is None:
        return None
    out: dict[str, Any] = {"atr": _estimate(context.atr)}
    for window, e in sorted(context.realized_vol.items()):
        out[f"realized_vol_{window}d_pct"] = _estimate(e, scale=100.0)
    return out


def context_lines(summary: dict[str, Any]) -> list[str]:
    """Return one line per value, e.g. ``ATR 42.10 $ (bars_1d, 14/14 bars)``."""
    lines = []
    for key, e in summary.items():
        if key == "atr":
            label, unit = "ATR", " $"
        else:
            label, unit = "realised vol " + key.removeprefix("realized_vol_").split("_")[0], " %"
        value = "n/a" if e["value"] is None else f"{e['value']:,.2f}{unit}"
        thin = "" if e["sufficient"] else "; thin" + (f": {e['note']}" if e["note"] else "")
        lines.append(f"{label} {value} ({e['source']}, {e['n_obs']}/{e['required']} obs{thin})")
    return lines


__all__ = ["context_lines", "context_summary"]
