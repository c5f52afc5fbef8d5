"""E-SDAG's continuous conviction score (0..1), its direction and its stars.

From the normalised methods ``z_m = n(e_sdag_m)`` (per contract over the normalisation scope; per
strike over the strikes, from the strike sums) of the M methods in use (base_system.md 4.2,
[CANON])::

    P, N      = number of methods with z_m > 0, z_m < 0 (zeros do not vote)
    agreement = (max(P, N) - min(P, N)) / M
    base      = agreement * mean_m |z_m| * sgn(sum_m z_m)
    bonus     = 0.2 if max(P, N) = M; else 0.1 if max(P, N) >= 2; else 0
    score     = clip(base + bonus sgn(base), -1, 1)

``sdag_conviction_score = |score|`` in [0, 1] (conventions.md 6: conviction lives on 0..1) and
``sdag_conviction_direction = sgn(score)`` in {-1, 0, 1}. Stars (Int8, 0..5): 1 at >= 0.1, then 2,
3, 4, 5 at the ``conviction_score_thresholds`` 0.3, 0.5, 0.7, 0.9; below 0.1, 0 stars. NaN when a
method is missing.
"""

from __future__ import annotations

import polars as pl

from eots.adaptive.params import ESdagParams


def conviction(z_columns: list[str], params: ESdagParams) -> dict[str, pl.Expr]:
    """Return ``sdag_conviction_score`` and ``sdag_conviction_direction`` from the z columns."""
    z = [pl.col(c) for c in z_columns]
    m = float(len(z))
    pos = pl.sum_horizontal([(c > 0).cast(pl.Float64) for c in z])
    neg = pl.sum_horizontal([(c < 0).cast(pl.Float64) for c in z])
    top = pl.max_horizontal(pos, neg)
    agreement = (pos - neg).abs() / m
    mean_abs = pl.sum_horizontal([c.abs() for c in z]) / m
    base = agreement * mean_abs * pl.sum_horizontal(z).sign()
    bonus = (
        pl.when(top >= m)
        .then(params.full_agreement_bonus)
        .when(top >= params.min_agreement_for_bonus)
        .then(params.partial_agreement_bonus)
        .otherwise(0.0)
    )
    score = (base + bonus * base.sign()).clip(-1.0, 1.0)
    any_missing = pl.any_horizontal([c.is_null() for c in z])
    score = pl.when(any_missing).then(None).otherwise(score)
    return {
        "sdag_conviction_score": score.abs(),
        "sdag_conviction_direction": score.sign(),
    }


def stars(score: pl.Expr, params: ESdagParams) -> pl.Expr:
    """Return the stars (Int8 0..5) of a 0..1 conviction score."""
    ladder = (params.one_star_threshold, *params.conviction_score_thresholds)
    count = pl.sum_horizontal([(score >= t).cast(pl.Int8) for t in ladder]).cast(pl.Int8)
    return pl.when(score.is_not_null()).then(count)


__all__ = ["conviction", "stars"]
