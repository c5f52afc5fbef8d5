"""A bracketed scalar root finder (Brent's method) without SciPy.

``brent(f, lo, hi, ...)`` finds a root of ``f`` in ``[lo, hi]`` where ``f(lo)`` and ``f(hi)``
differ in sign. It is the method of

    R. P. Brent, "Algorithms for Minimization without Derivatives", Prentice-Hall (1973),
    chapter 4 ("An algorithm with guaranteed convergence for finding a zero of a function"),

in its bracketing form: the iterate ``b`` and the contrapoint ``c`` always bracket the root,
``|f(b)| <= |f(c)|``; a step is the secant through the last two iterates (when the previous
iterate is the contrapoint) or inverse quadratic interpolation through the three points, taken
only when it is less than half the previous step and lands well inside the bracket, else a
bisection; a step is never smaller than the tolerance. Convergence is therefore never slower than
bisection's, and superlinear near a simple root.

The stopping rule and the arguments are those of ``scipy.optimize.brentq``: stop when half the
bracket is below ``(xtol + rtol |b|) / 2`` (or ``f(b) == 0``). The test suite checks the roots
against ``brentq``'s. It lives here so ``eots analyze`` (zero gamma) does not import
``scipy.optimize`` (a few hundred milliseconds of start-up).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from eots.core.errors import EotsError


class RootError(EotsError, ValueError):
    """The interval does not bracket a root, or the iteration did not converge."""


def _step(
    x: tuple[float, float, float],
    fx: tuple[float, float, float],
    steps: tuple[float, float],
    half: float,
) -> tuple[float, float]:
    """Return (the next step from ``b``, the step before it) for one Brent iteration.

    ``x`` = (a, b, c): the previous iterate, the iterate and the contrapoint; ``steps`` = (the
    step before last, the last step); ``half`` half the tolerance. Interpolation is tried when the
    step before last was larger than the tolerance and ``|f(b)|`` decreased; it is kept only if
    it is short (below half the step before last) and stays inside three quarters of the bracket,
    else the step is a bisection.
    """
    prev, last = steps
    a, b, c = x
    fa, fb, fc = fx
    mid = (c - b) / 2
    if abs(prev) > half and abs(fb) < abs(fa):
        if a == c:  # two distinct points: the secant
            trial = -fb * (b - a) / (fb - fa)
        else:  # three: inverse quadratic interpolation, written with the two slopes
            slope_a = (fa - fb) / (a - b)
            slope_c = (fc - fb) / (c - b)
            trial = -fb * (fc * slope_c - fa * slope_a) / (slope_c * slope_a * (fc - fa))
        if 2 * abs(trial) < min(abs(prev), 3 * abs(mid) - half):
            return trial, last
    return mid, mid


def brent(
    f: Callable[[float], float],
    lo: float,
    hi: float,
    *,
    xtol: float = 2e-12,
    rtol: float = 4 * 2.220446049250313e-16,
    maxiter: int = 100,
) -> float:
    """Return a root of ``f`` in ``[lo, hi]`` by Brent's method (see the module docstring).

    Parameters
    ----------
    f
        A continuous function of one float.
    lo, hi
        The bracket: ``f(lo)`` and ``f(hi)`` must differ in sign (or one be 0, then returned).
    xtol, rtol
        Stop when the bracket's half-width is below ``(xtol + rtol * |x|) / 2``.
    maxiter
        Iterations before giving up.

    Raises
    ------
    RootError
        When ``f(lo)`` and ``f(hi)`` have the same sign, or after ``maxiter`` iterations.

    Examples
    --------
    >>> round(brent(lambda x: x * x - 2.0, 0.0, 2.0), 12)
    1.414213562373
    """
    a, b = lo, hi  # the previous iterate and the iterate
    fa, fb = f(a), f(b)
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    if math.copysign(1.0, fa) == math.copysign(1.0, fb):
        raise RootError(f"f({lo}) and f({hi}) have the same sign: no bracketed root")
    c, fc = 0.0, 0.0  # the contrapoint: f(b) and f(c) differ in sign
    prev = step = 0.0
    for _ in range(maxiter):
        if fa != 0.0 and fb != 0.0 and math.copysign(1.0, fa) != math.copysign(1.0, fb):
            c, fc = a, fa
            prev = step = b - a
        if abs(fc) < abs(fb):  # keep the better point as the iterate
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        half = (xtol + rtol * abs(b)) / 2
        if fb == 0.0 or abs((c - b) / 2) < half:
            return b
        step, prev = _step((a, b, c), (fa, fb, fc), (prev, step), half)
        a, fa = b, fb
        b += step if abs(step) > half else (half if c - b > 0 else -half)
        fb = f(b)
    raise RootError(f"no convergence in {maxiter} iterations (last iterate {b})")
