"""Max-abs normalisation ``n(x) = x / max|x|`` over an explicit scope (base_system.md 2.1).

Inputs: any float expression; the frame must carry ``SCOPE_GROUP`` (one value per normalisation
group: a constant for ``all``/``0dte``, the expiry for ``per_expiry``). Rows outside the scope have
already been set to null upstream, so they never enter a maximum. Output is dimensionless, in
[-1, 1], sign of x. ``max|x| < 1e-9`` gives 0 for every non-missing row (as the original); a
missing x (null) stays missing rather than becoming 0 (conventions.md section 6). An optional
percentile clip of |x| ([V24]) runs before the scaling.
"""

from __future__ import annotations

import polars as pl

from eots.metrics.params import NormalisationScope

#: Column holding the normalisation group of each row.
SCOPE_GROUP = "_norm_group"
#: Boolean column: the row is in the normalisation scope (and a live contract).
IN_SCOPE = "_in_scope"
#: Denominators below this count as zero (the original's MIN_NORMALIZATION_DENOMINATOR).
EPS = 1e-9


def scope_aggregate(agg: pl.Expr, scope: NormalisationScope) -> pl.Expr:
    """Broadcast an aggregate over the scope: per expiry group, else over every row."""
    return agg.over(SCOPE_GROUP) if scope is NormalisationScope.PER_EXPIRY else agg


def normalised(x: pl.Expr, scope: NormalisationScope, clip_percentile: float = 100.0) -> pl.Expr:
    """Return ``n(x)``: x divided by the scope's max |x| (after an optional percentile clip).

    Parameters
    ----------
    x
        Values in any unit; null = missing.
    scope
        Normalisation scope (see ``NormalisationScope``).
    clip_percentile
        |x| is clipped at this percentile of |x| over the scope first; 100 disables the clip.
    """
    if clip_percentile < 100.0:
        cap = scope_aggregate(x.abs().quantile(clip_percentile / 100.0, "linear"), scope)
        x = x.clip(-cap, cap)
    peak = scope_aggregate(x.abs().max(), scope)
    return pl.when(peak >= EPS).then(x / peak).otherwise(x * 0.0)


def safe_ratio(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """Return numerator / denominator, null where the denominator is 0 (undefined, not 0).

    Only an exact zero is undefined: a ratio of two small numbers is well defined, and an
    absolute cut-off would make ratios depend on the size of the chain.
    """
    return pl.when(denominator != 0.0).then(numerator / denominator)
