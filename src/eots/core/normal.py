"""The standard normal CDF and its inverse, vectorised with NumPy alone.

``ndtr`` and ``ndtri`` compute what ``scipy.special.ndtr`` and ``scipy.special.ndtri`` do, without
importing ``scipy.special`` (about a quarter of a second of start-up, on the path of every
``eots analyze``).

``ndtr(a)`` follows the structure of the Cephes ``ndtr`` that SciPy uses: with ``x = a / sqrt(2)``
(rounded to a double), ``0.5 + 0.5 erf(x)`` for ``|a| < 1`` and ``0.5 erfc(|x|)`` (mirrored for
``a > 0``) beyond. ``erf`` and ``erfc`` are W. J. Cody's rational Chebyshev approximations:

    W. J. Cody, "Rational Chebyshev approximations for the error function",
    Mathematics of Computation 23 (1969), 631-637 (the double-precision coefficients of his
    CALERF routine, maximal relative errors below 1e-17 on each interval).

``erf(x) = x P(x^2) / Q(x^2)`` for ``|x| <= 0.46875``; ``erfc(x) = exp(-x^2) P(x) / Q(x)`` for
``0.46875 < x <= 4``; ``erfc(x) = exp(-x^2) / x (1/sqrt(pi) + P(1/x^2) / (x^2 Q(1/x^2)))`` beyond.
``exp(-x^2)`` is formed as Cephes does, from ``x * x`` rounded to a double: in the far tail that
rounding moves the result by up to ``x^2 * 2^-53`` relative (about 1e-13 at ``a = -37``), and
doing as SciPy does keeps the two within a few units in the last place there too, so results
stay what they were with SciPy. Below ``a`` of about -37.5 the value is subnormal (SciPy returns 0
from about -37.7; this returns the subnormal value).

``ndtri(p)`` is Wichura's algorithm AS 241 (PPND16), rational approximations in ``p - 0.5`` near
the middle and in ``sqrt(-log(min(p, 1 - p)))`` in the tails, relative error about 1e-16:

    M. J. Wichura, "Algorithm AS 241: The percentage points of the normal distribution",
    Applied Statistics 37 (1988), 477-484.

``ndtri(0) = -inf``, ``ndtri(1) = inf``, and NaN outside ``[0, 1]``, as SciPy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]

_SQRT1_2 = 0.70710678118654752440
_INV_SQRT_PI = 5.6418958354775628695e-1
_ERF_SMALL = 0.46875  # Cody's first interval: erf by a rational function of x^2
_ERFC_MID = 4.0  # Cody's second interval: erfc(x) exp(x^2) by a rational function of x

# Cody (1969), |x| <= 0.46875: erf(x) = x (A0..A3 and A4 in x^2) / (B0..B3 in x^2)
_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02)
_A3, _A4 = 3.20937758913846947e03, 1.85777706184603153e-1
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03)
_B3 = 2.84423683343917062e03
# 0.46875 < x <= 4: erfc(x) = exp(-x^2) (C in x) / (D in x)
_C = (
    5.64188496988670089e-1,
    8.88314979438837594e00,
    6.61191906371416295e01,
    2.98635138197400131e02,
    8.81952221241769090e02,
    1.71204761263407058e03,
    2.05107837782607147e03,
)
_C7, _C8 = 1.23033935479799725e03, 2.15311535474403846e-8
_D = (
    1.57449261107098347e01,
    1.17693950891312499e02,
    5.37181101862009858e02,
    1.62138957456669019e03,
    3.29079923573345963e03,
    4.36261909014324716e03,
    3.43936767414372164e03,
)
_D7 = 1.23033935480374942e03
# x > 4: erfc(x) = exp(-x^2) / x (1/sqrt(pi) - (P in 1/x^2) / (x^2 (Q in 1/x^2)))
_P = (
    3.05326634961232344e-1,
    3.60344899949804439e-1,
    1.25781726111229246e-1,
    1.60837851487422766e-2,
)
_P4, _P5 = 6.58749161529837803e-4, 1.63153871373020978e-2
_Q = (
    2.56852019228982242e00,
    1.87295284992346725e00,
    5.27905102951428412e-1,
    6.05183413124413191e-2,
)
_Q4 = 2.33520497626869185e-3

# Wichura (1988), AS 241 PPND16: numerator and denominator coefficients, constant term first.
_CENTRAL_NUM = (
    3.3871328727963666080e0,
    1.3314166789178437745e2,
    1.9715909503065514427e3,
    1.3731693765509461125e4,
    4.5921953931549871457e4,
    6.7265770927008700853e4,
    3.3430575583588128105e4,
    2.5090809287301226727e3,
)
_CENTRAL_DEN = (
    1.0,
    4.2313330701600911252e1,
    6.8718700749205790830e2,
    5.3941960214247511077e3,
    2.1213794301586595867e4,
    3.9307895800092710610e4,
    2.8729085735721942674e4,
    5.2264952788528545610e3,
)
_NEAR_NUM = (
    1.42343711074968357734e0,
    4.63033784615654529590e0,
    5.76949722146069140550e0,
    3.64784832476320460504e0,
    1.27045825245236838258e0,
    2.41780725177450611770e-1,
    2.27238449892691845833e-2,
    7.74545014278341407640e-4,
)
_NEAR_DEN = (
    1.0,
    2.05319162663775882187e0,
    1.67638483018380384940e0,
    6.89767334985100004550e-1,
    1.48103976427480074590e-1,
    1.51986665636164571966e-2,
    5.47593808499534494600e-4,
    1.05075007164441684324e-9,
)
_FAR_NUM = (
    6.65790464350110377720e0,
    5.46378491116411436990e0,
    1.78482653991729133580e0,
    2.96560571828504891230e-1,
    2.65321895265761230930e-2,
    1.24266094738807843860e-3,
    2.71155556874348757815e-5,
    2.01033439929228813265e-7,
)
_FAR_DEN = (
    1.0,
    5.99832206555887937690e-1,
    1.36929880922735805310e-1,
    1.48753612908506148525e-2,
    7.86869131145613259100e-4,
    1.84631831751005468180e-5,
    1.42151175831644588870e-7,
    2.04426310338993978564e-15,
)
_CENTRAL = 0.425  # AS 241: |p - 0.5| <= 0.425 is the central region
_CENTRAL_SQ = 0.180625  # 0.425 ** 2
_NEAR_TAIL = 5.0  # AS 241: sqrt(-log(min(p, 1-p))) <= 5 is the near tail


def _erf_small(x: FloatArray) -> FloatArray:
    """Cody's erf for ``|x| <= 0.46875``."""
    ysq = x * x
    num = _A4 * ysq
    den = ysq.copy()
    for a, b in zip(_A, _B, strict=True):
        num += a
        num *= ysq
        den += b
        den *= ysq
    num += _A3
    den += _B3
    num *= x
    num /= den
    return num


def _erfc_mid(y: FloatArray) -> FloatArray:
    """Cody's erfc for ``0.46875 < y <= 4``, with ``exp(-y^2)`` from ``y * y`` (Cephes)."""
    num = _C8 * y
    den = y.copy()
    for c, d in zip(_C, _D, strict=True):
        num += c
        num *= y
        den += d
        den *= y
    num += _C7
    den += _D7
    num /= den
    num *= np.exp(-(y * y))
    return num


def _erfc_large(y: FloatArray) -> FloatArray:
    """Cody's erfc for ``y > 4`` (and inf, NaN), with ``exp(-y^2)`` from ``y * y`` (Cephes)."""
    y2 = y * y
    ysq = 1.0 / y2
    num = _P5 * ysq
    den = ysq.copy()
    for p, q in zip(_P, _Q, strict=True):
        num += p
        num *= ysq
        den += q
        den *= ysq
    num += _P4
    den += _Q4
    num *= ysq
    num /= den
    result = _INV_SQRT_PI - num
    result /= y
    result *= np.exp(-y2)
    return result


def _erfc_positive(y: FloatArray) -> FloatArray:
    """erfc(y) for ``y >= 0.46875`` (or NaN): the middle or the large-argument approximation."""
    out = np.empty_like(y)
    mid = y <= _ERFC_MID
    out[mid] = _erfc_mid(y[mid])
    far = ~mid  # y > 4, inf and NaN
    out[far] = _erfc_large(y[far])
    return out


def ndtr(a: ArrayLike) -> FloatArray:
    """Return the standard normal CDF of ``a``, elementwise (``scipy.special.ndtr``).

    Parameters
    ----------
    a
        Array (or scalar) of float64 values; NaN gives NaN, -inf 0 and inf 1.

    Returns
    -------
    ndarray
        ``Phi(a)``, of the shape of ``a``.

    Examples
    --------
    >>> float(ndtr(0.0)), round(float(ndtr(1.959963984540054)), 12)
    (0.5, 0.975)
    """
    arr = np.asarray(a, dtype=np.float64)
    x = np.ravel(arr) * _SQRT1_2
    z = np.abs(x)
    out = np.empty_like(x)
    small = z < _ERF_SMALL
    out[small] = 0.5 + 0.5 * _erf_small(x[small])
    body = ~small & (z < _SQRT1_2)  # |a| < 1: 0.5 + 0.5 erf(x), erf = sign(x) (1 - erfc(|x|))
    if body.any():
        xb = x[body]
        out[body] = 0.5 + 0.5 * np.copysign(1.0 - _erfc_mid(np.abs(xb)), xb)
    tail = ~(small | body)  # |a| >= 1, inf and NaN: 0.5 erfc(|x|), mirrored for a > 0
    if tail.any():
        half = 0.5 * _erfc_positive(z[tail])
        out[tail] = np.where(x[tail] > 0, 1.0 - half, half)
    return out.reshape(arr.shape)


def _ratio(r: FloatArray, num: Sequence[float], den: Sequence[float]) -> FloatArray:
    """``num(r) / den(r)`` by Horner's rule, coefficients constant term first."""
    top = np.full_like(r, num[-1])
    bottom = np.full_like(r, den[-1])
    for n, d in zip(num[-2::-1], den[-2::-1], strict=True):
        top *= r
        top += n
        bottom *= r
        bottom += d
    top /= bottom
    return top


def ndtri(p: ArrayLike) -> FloatArray:
    """Return the standard normal quantile of ``p``, elementwise (``scipy.special.ndtri``).

    Parameters
    ----------
    p
        Probabilities; 0 gives -inf, 1 inf, and NaN or a value outside ``[0, 1]`` NaN.

    Returns
    -------
    ndarray
        ``x`` with ``Phi(x) = p``, of the shape of ``p``.

    Examples
    --------
    >>> float(ndtri(0.5)), round(float(ndtri(0.975)), 12)
    (0.0, 1.959963984540)
    """
    arr = np.asarray(p, dtype=np.float64)
    pf = np.ravel(arr)
    q = pf - 0.5
    out = np.full_like(pf, np.nan)
    central = np.abs(q) <= _CENTRAL
    qc = q[central]
    out[central] = qc * _ratio(_CENTRAL_SQ - qc * qc, _CENTRAL_NUM, _CENTRAL_DEN)
    tail = ~central & (pf > 0.0) & (pf < 1.0)
    if tail.any():
        qt = q[tail]
        pt = pf[tail]
        r = np.sqrt(-np.log(np.where(qt < 0.0, pt, 1.0 - pt)))
        near = r <= _NEAR_TAIL
        value = np.empty_like(r)
        value[near] = _ratio(r[near] - 1.6, _NEAR_NUM, _NEAR_DEN)
        value[~near] = _ratio(r[~near] - _NEAR_TAIL, _FAR_NUM, _FAR_DEN)
        out[tail] = np.copysign(value, qt)
    out[pf == 0.0] = -np.inf
    out[pf == 1.0] = np.inf
    return out.reshape(arr.shape)
