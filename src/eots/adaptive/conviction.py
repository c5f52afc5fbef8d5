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

import numpy as np
import polars as pl

from eots.adaptive.params import ESdagParams
from eots.metrics.arrays import Masked, ge, gt, masked, nullable_series


def conviction(z: list[Masked], params: ESdagParams) -> tuple[Masked, Masked]:
    """Return (``sdag_conviction_score``, ``sdag_conviction_direction``) from the z columns.

    A z that is NaN counts as positive (as polars compares); a null z makes the row null. The
    sums run in place over the methods in order (the values of ``sum_horizontal``), and the
    votes are small integer counts, so few full-length arrays are made.
    """
    m = float(len(z))
    rows = len(z[0].v)
    pos = np.zeros(rows, dtype=np.int8)
    neg = np.zeros(rows, dtype=np.int8)
    missing = np.zeros(rows, dtype=np.bool_)
    for c in z:
        pos += gt(c, 0.0)
        neg += (c.v < 0) & ~c.null
        missing |= c.null
    total = z[0].v.copy()  # sum_m z_m, added in method order
    mean_abs = np.abs(z[0].v)  # sum_m |z_m|, likewise
    scratch = np.empty(rows)
    for c in z[1:]:
        total += c.v
        np.abs(c.v, out=scratch)
        mean_abs += scratch
    mean_abs /= m
    top = np.maximum(pos, neg)
    agreement = np.abs(pos.astype(np.float64) - neg) / m
    base = agreement * mean_abs
    base *= np.sign(total, out=total)
    bonus = np.where(
        top >= m,
        params.full_agreement_bonus,
        np.where(top >= params.min_agreement_for_bonus, params.partial_agreement_bonus, 0.0),
    )
    score = base + bonus * np.sign(base, out=scratch)
    np.clip(score, -1.0, 1.0, out=score)
    return masked(np.abs(score), missing), masked(np.sign(score, out=score), missing)


def stars(score: Masked, params: ESdagParams) -> pl.Series:
    """Return the stars (Int8 0..5, null where the score is) of a 0..1 conviction score."""
    ladder = (params.one_star_threshold, *params.conviction_score_thresholds)
    count = np.zeros(len(score.v), dtype=np.int8)
    for t in ladder:
        count = count + ge(score, t).astype(np.int8)
    return nullable_series("sdag_conviction_stars", count, score.null, pl.Int8())


__all__ = ["conviction", "stars"]
