"""Confidence intervals of single proportions and of two-arm comparisons, over arrays.

The same intervals statsmodels gives (``proportion_confint``, ``confint_proportions_2indep``,
``proportions_chisquare``; the tests check them against it) computed for every row at once
with ``scipy.special``: one call per method instead of one per outcome.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import special

from mscref.evidence.methods import CIMethod

Array = NDArray[np.float64]
CONTINUITY = 0.5
LEVEL = 0.95


def _z() -> float:
    return float(special.ndtri(0.5 + LEVEL / 2))


def proportion_ci(x: Array, n: Array, method: CIMethod) -> tuple[Array, Array]:
    """x/n with its 95% interval (clipped to 0-1)."""
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    alpha = 1 - LEVEL
    with np.errstate(divide="ignore", invalid="ignore"):
        if method is CIMethod.EXACT:
            low = np.where(x > 0, special.betaincinv(x, n - x + 1, alpha / 2), 0.0)
            high = np.where(x < n, special.betaincinv(x + 1, n - x, 1 - alpha / 2), 1.0)
        elif method is CIMethod.WILSON:
            low, high = wilson(x, n)
        else:
            p = x / n
            half = _z() * np.sqrt(p * (1 - p) / n)
            low, high = p - half, p + half
    return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)


def wilson(x: Array, n: Array) -> tuple[Array, Array]:
    z = _z()
    p = x / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return centre - half, centre + half


def newcombe(a: Array, n1: Array, c: Array, n2: Array) -> tuple[Array, Array, Array]:
    """Risk difference with Newcombe's hybrid score interval (his method 10)."""
    p1, p2 = a / n1, c / n2
    l1, u1 = wilson(a, n1)
    l2, u2 = wilson(c, n2)
    d = p1 - p2
    return d, d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def ratio_cis(
    a: Array, n1: Array, c: Array, n2: Array
) -> tuple[tuple[Array, Array, Array], tuple[Array, Array, Array], NDArray[np.bool_]]:
    """Risk ratio (Katz log interval) and odds ratio (Woolf logit interval); a table with a zero
    cell gets 0.5 added to every cell (the third value says which)."""
    b, d = n1 - a, n2 - c
    zero = (a == 0) | (b == 0) | (c == 0) | (d == 0)
    corr = CONTINUITY * zero
    a2, b2, c2, d2 = a + corr, b + corr, c + corr, d + corr
    m1, m2 = a2 + b2, c2 + d2
    z = _z()
    with np.errstate(divide="ignore", invalid="ignore"):
        rr = (a2 / m1) / (c2 / m2)
        se_rr = np.sqrt(1 / a2 - 1 / m1 + 1 / c2 - 1 / m2)
        or_ = (a2 * d2) / (b2 * c2)
        se_or = np.sqrt(1 / a2 + 1 / b2 + 1 / c2 + 1 / d2)
    return (
        (rr, rr * np.exp(-z * se_rr), rr * np.exp(z * se_rr)),
        (or_, or_ * np.exp(-z * se_or), or_ * np.exp(z * se_or)),
        zero,
    )


def chi_square_p(a: Array, n1: Array, c: Array, n2: Array) -> Array:
    """Two-sided p of Pearson's chi-square test of two proportions (no continuity correction);
    NaN when a margin is empty (no events, or only events, in both arms)."""
    b, d = n1 - a, n2 - c
    n = n1 + n2
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = n * (a * d - b * c) ** 2 / (n1 * n2 * (a + c) * (b + d))
        return np.where(((a + c) > 0) & ((b + d) > 0), special.chdtrc(1, chi2), np.nan)
