"""Meta-analysis on arrays: effect sizes, τ² estimators, summary intervals, heterogeneity.

Every function works on plain numpy arrays and fits many analyses in one call: a pooled
analysis is one row of a padded ``(m, K)`` matrix whose unused cells are masked out, so the
pools of a whole data set, and every leave-one-out refit of each, are a handful of array
operations rather than one scalar library call per study. Distributions come from
``scipy.special`` (fast to import; no ``scipy.stats``).

The conventions are metafor's (R), against which ``tests/evidence/test_metafor.py`` checks
every figure to 1e-6:

- effect sizes as ``escalc`` (``add = 1/2, to = "only0"``): 0.5 is added to every cell of a
  table with a zero cell; Hedges' g with the exact small-sample factor and ``vtype = "LS"``;
- τ² by REML (Fisher scoring, as ``rma(method = "REML")``), Paule–Mandel (the root of the
  generalised Q statistic) or DerSimonian–Laird (truncated at 0);
- the summary interval by Hartung–Knapp–Sidik–Jonkman (``test = "knha"``), its modified form
  with the variance factor floored at 1 (``test = "adhoc"``) or the normal approximation;
- I² from τ² (``100 τ² / (τ² + s²)`` with s² the typical within-study variance) and its
  interval from the Q-profile interval of τ² (``confint``);
- the prediction interval with a t distribution on k − 2 degrees of freedom (Higgins,
  Thompson & Spiegelhalter 2009; metafor's ``predict(pi.type = "riley")``);
- Mantel–Haenszel (``rma.mh``) and Peto (``rma.peto``) odds ratios, double-zero tables left out
  (``drop00 = TRUE``);
- subgroup differences as the fixed-effect Q between the subgroups' own estimates (each
  subgroup with its own τ², as RevMan does; metafor ``rma(est, sei = se, method = "FE")$QE``);
- Egger's test as ``regtest(model = "lm", predictor = "sei")``.

Nothing here prints, warns or raises for numbers: impossible figures come back as NaN for the
caller to explain.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import special

from mscref.evidence.methods import SummaryCI, Tau2Method

Array = NDArray[np.float64]
LEVEL = 0.95
CONTINUITY = 0.5
_ITER = 200


def z_crit(level: float = LEVEL) -> float:
    return float(special.ndtri(0.5 + level / 2))


def _t_crit(df: Array, level: float = LEVEL) -> Array:
    out = np.full(df.shape, np.nan)
    ok = df >= 1
    out[ok] = special.stdtrit(df[ok], 0.5 + level / 2)
    return out


def _chi2_upper(df: Array, p: float) -> Array:
    """The chi-square quantile with upper-tail probability ``p``."""
    out = np.full(df.shape, np.nan)
    ok = df >= 1
    out[ok] = special.chdtri(df[ok], p)
    return out


# ------------------------------------------------------------------------------------------
# Effect sizes (metafor's escalc)


def _only0(*cells: Array) -> tuple[list[Array], NDArray[np.bool_]]:
    zero = np.zeros(cells[0].shape, dtype=bool)
    for c in cells:
        zero |= c == 0
    return [c + CONTINUITY * zero for c in cells], zero


def double_zero(a: Array, n1: Array, c: Array, n2: Array) -> NDArray[np.bool_]:
    """Tables with no events (or only events) in both arms: they hold no information on a ratio."""
    out: NDArray[np.bool_] = ((a == 0) & (c == 0)) | ((a == n1) & (c == n2))
    return out


def binary_effects(
    measure: str, a: Array, n1: Array, c: Array, n2: Array
) -> tuple[Array, Array, NDArray[np.bool_]]:
    """Per-study log OR, log RR or RD with its variance, and which studies were corrected."""
    with np.errstate(divide="ignore", invalid="ignore"):
        (ai, bi, ci, di), corrected = _only0(a, n1 - a, c, n2 - c)
        if measure == "or":
            y = np.log(ai * di / (bi * ci))
            v = 1 / ai + 1 / bi + 1 / ci + 1 / di
        elif measure == "rr":
            m1, m2 = ai + bi, ci + di
            y = np.log(ai / m1) - np.log(ci / m2)
            v = 1 / ai - 1 / m1 + 1 / ci - 1 / m2
        elif measure == "rd":
            m1, m2 = ai + bi, ci + di
            p1, p2 = ai / m1, ci / m2
            y = p1 - p2
            v = p1 * (1 - p1) / m1 + p2 * (1 - p2) / m2
        else:
            raise ValueError(f"unknown binary measure {measure!r}")
    return y, v, corrected


def logit_proportions(x: Array, n: Array) -> tuple[Array, Array, NDArray[np.bool_]]:
    """metafor's PLO: the logit of x/n, 0.5 added to both cells when x is 0 or n."""
    with np.errstate(divide="ignore", invalid="ignore"):
        (xi, yi), corrected = _only0(x, n - x)
        return np.log(xi / yi), 1 / xi + 1 / yi, corrected


def mean_differences(
    m1: Array, sd1: Array, n1: Array, m2: Array, sd2: Array, n2: Array
) -> tuple[Array, Array]:
    """Raw mean difference and its variance (unequal variances; metafor's MD)."""
    return m1 - m2, sd1**2 / n1 + sd2**2 / n2


def hedges_g(m1: Array, sd1: Array, n1: Array, m2: Array, sd2: Array, n2: Array) -> tuple[Array, Array]:
    """Standardised mean difference with the exact small-sample correction (metafor's SMD,
    ``vtype = "LS"``): g = J d, var = 1/n1 + 1/n2 + g² / (2 (n1 + n2))."""
    mi = n1 + n2 - 2
    with np.errstate(divide="ignore", invalid="ignore"):
        sp = np.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / mi)
        j = np.exp(special.gammaln(mi / 2) - np.log(np.sqrt(mi / 2)) - special.gammaln((mi - 1) / 2))
        g = j * (m1 - m2) / sp
        return g, 1 / n1 + 1 / n2 + g**2 / (2 * (n1 + n2))


def from_interval(
    estimate: Array, low: Array, high: Array, *, ratio: bool, level: Array | float = LEVEL
) -> tuple[Array, Array]:
    """Generic inverse variance: a reported estimate and its CI as (effect, variance) on the
    pooling scale (log for a ratio such as HR or OR), the SE from the CI's width."""
    lv = np.asarray(level, dtype=float)
    crit = special.ndtri(0.5 + lv / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        if ratio:
            y = np.log(estimate)
            se = (np.log(high) - np.log(low)) / (2 * crit)
        else:
            y = np.asarray(estimate, dtype=float)
            se = (high - low) / (2 * crit)
    return y, se**2


# ------------------------------------------------------------------------------------------
# Padded matrices


def pad(rows: list[tuple[Array, Array]]) -> tuple[Array, Array, NDArray[np.bool_]]:
    """Stack (effects, variances) of several analyses into (m, K) matrices and a mask."""
    width = max((len(y) for y, _ in rows), default=0)
    m = len(rows)
    y = np.zeros((m, width))
    v = np.ones((m, width))
    mask = np.zeros((m, width), dtype=bool)
    for i, (yi, vi) in enumerate(rows):
        y[i, : len(yi)] = yi
        v[i, : len(vi)] = vi
        mask[i, : len(yi)] = True
    return y, v, mask


def leave_one_out_masks(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """For one analysis (a mask row of k True cells), the k masks that each omit one study."""
    k = int(mask.sum())
    out = np.zeros((k, mask.shape[0]), dtype=bool)
    out[:, :k] = ~np.eye(k, dtype=bool)
    return out


def _wsum(w: Array, x: Array) -> Array:
    out: Array = np.sum(w * x, axis=1)
    return out


def _gen_q(t2: Array, y: Array, v: Array, mask: NDArray[np.bool_]) -> Array:
    w = mask / (v + t2[:, None])
    mu = _wsum(w, y) / w.sum(axis=1)
    return _wsum(w, (y - mu[:, None]) ** 2)


def _root_decreasing(
    target: Array, y: Array, v: Array, mask: NDArray[np.bool_], active: NDArray[np.bool_]
) -> Array:
    """τ² where the generalised Q (decreasing in τ²) equals ``target``; 0 where Q(0) is below
    it. Bisection on all rows at once, to full double precision."""
    m = y.shape[0]
    root = np.zeros(m)
    todo = active & (_gen_q(np.zeros(m), y, v, mask) > target)
    if not todo.any():
        return root
    ys, vs, ms, tg = y[todo], v[todo], mask[todo], target[todo]
    lo = np.zeros(len(tg))
    hi = np.maximum(1.0, 10 * np.max(np.where(ms, vs, 0), axis=1))
    for _ in range(200):  # widen until Q(hi) is below the target
        above = _gen_q(hi, ys, vs, ms) > tg
        if not above.any():
            break
        lo = np.where(above, hi, lo)
        hi = np.where(above, hi * 10, hi)
    for _ in range(_ITER):
        mid = (lo + hi) / 2
        above = _gen_q(mid, ys, vs, ms) > tg
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
        if np.all(hi - lo <= 4e-16 * np.maximum(hi, 1e-300)):
            break
    root[todo] = (lo + hi) / 2
    return root


def _fe_parts(y: Array, v: Array, mask: NDArray[np.bool_]) -> tuple[Array, Array, Array, Array]:
    w = mask / v
    sw = w.sum(axis=1)
    mu = _wsum(w, y) / sw
    q = _wsum(w, (y - mu[:, None]) ** 2)
    c = sw - np.sum(w**2, axis=1) / sw
    return w, q, c, sw


def tau2_dl(y: Array, v: Array, mask: NDArray[np.bool_]) -> Array:
    _w, q, c, _sw = _fe_parts(y, v, mask)
    k = mask.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t2 = np.where(c > 0, (q - (k - 1)) / c, 0.0)
    return np.maximum(0.0, t2)


def tau2_pm(y: Array, v: Array, mask: NDArray[np.bool_]) -> Array:
    k = mask.sum(axis=1).astype(float)
    return _root_decreasing(k - 1, y, v, mask, k >= 2)


def _reml_ll(t2: Array, y: Array, v: Array, mask: NDArray[np.bool_]) -> Array:
    w = mask / (v + t2[:, None])
    sw = w.sum(axis=1)
    mu = _wsum(w, y) / sw
    rss = _wsum(w, (y - mu[:, None]) ** 2)
    logs = np.sum(np.where(mask, np.log(v + t2[:, None]), 0.0), axis=1)
    out: Array = -0.5 * logs - 0.5 * np.log(sw) - 0.5 * rss
    return out


def tau2_reml(y: Array, v: Array, mask: NDArray[np.bool_]) -> Array:
    """Fisher scoring from the DL estimate, step-halved to stay at or above 0, kept inside the
    bracket of the maximum found so far, then metafor's check that the likelihood at τ² = 0 is
    not higher. Each pass works on the rows that have not converged yet.

    Plain Fisher scoring (metafor's) can overshoot and swing around a maximum it never reaches,
    ever wider or without settling: metafor then stops with "did not converge", and a capped
    loop would return wherever the swing happened to be. The score's sign at each point says on
    which side of the maximum it lies, so every pass narrows a bracket (below: the highest
    point where the score was positive; above: the lowest where it was negative); a step that
    would leave the bracket goes to its middle instead. Where plain scoring never steps out of
    the bracket (as on metafor's own examples) the passes are exactly the same."""
    t2 = tau2_dl(y, v, mask)
    below = np.zeros_like(t2)
    above = np.full_like(t2, np.inf)
    todo = np.flatnonzero(mask.sum(axis=1) >= 2)
    for _ in range(1000):
        if todo.size == 0:
            break
        ys, vs, ms, t = y[todo], v[todo], mask[todo], t2[todo]
        w = ms / (vs + t[:, None])
        sw = w.sum(axis=1)
        mu = _wsum(w, ys) / sw
        pr = w * (ys - mu[:, None])
        s2, s3 = np.sum(w**2, axis=1), np.sum(w**3, axis=1)
        tr_p = sw - s2 / sw
        tr_pp = s2 - 2 * s3 / sw + (s2 / sw) ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            adj = (np.sum(pr**2, axis=1) - tr_p) / tr_pp
        adj = np.where(np.isfinite(adj), adj, 0.0)
        lo = below[todo] = np.where(adj > 0, np.maximum(below[todo], t), below[todo])
        hi = above[todo] = np.where(adj < 0, np.minimum(above[todo], t), above[todo])
        for _h in range(60):
            neg = t + adj < 0
            if not neg.any():
                break
            adj = np.where(neg, adj / 2, adj)
        adj = np.where(t + adj < 0, -t, adj)
        step = t + adj
        outside = np.isfinite(hi) & ((step <= lo) | (step >= hi))
        adj = np.where(outside, (lo + hi) / 2 - t, adj)
        t2[todo] = t + adj
        todo = todo[np.abs(adj) > 1e-13 * np.maximum(1.0, t + adj)]
    zero = np.zeros_like(t2)
    with np.errstate(divide="ignore", invalid="ignore"):
        worse = _reml_ll(zero, y, v, mask) > _reml_ll(t2, y, v, mask) + 1e-12
    out: Array = np.where(worse, 0.0, t2)
    return out


TAU2_FUNCS = {Tau2Method.REML: tau2_reml, Tau2Method.PM: tau2_pm, Tau2Method.DL: tau2_dl}


# ------------------------------------------------------------------------------------------
# Random effects


@dataclass(frozen=True)
class Fits:
    """One row per analysis. ``stat`` is z or t (see ``df``: NaN for z)."""

    k: NDArray[np.int64]
    estimate: Array
    se: Array
    stat: Array
    df: Array
    p: Array
    ci_low: Array
    ci_high: Array
    tau2: Array
    tau2_low: Array
    tau2_high: Array
    i2: Array  # 0-1
    i2_low: Array
    i2_high: Array
    h2: Array
    q: Array
    q_df: Array
    q_p: Array
    pi_low: Array
    pi_high: Array
    weights: Array  # (m, K), each row summing to 1


def random_effects(
    y: Array,
    v: Array,
    mask: NDArray[np.bool_],
    tau2: Tau2Method = Tau2Method.REML,
    summary_ci: SummaryCI = SummaryCI.HKSJ,
    *,
    level: float = LEVEL,
    profile: bool = True,
) -> Fits:
    """Random-effects fits of every row (k ≥ 2 each)."""
    v = np.where(mask, v, 1.0)
    y = np.where(mask, y, 0.0)
    k = mask.sum(axis=1)
    kf = k.astype(float)
    t2 = TAU2_FUNCS[tau2](y, v, mask)
    _w0, q, c, _sw0 = _fe_parts(y, v, mask)
    w = mask / (v + t2[:, None])
    sw = w.sum(axis=1)
    mu = _wsum(w, y) / sw
    with np.errstate(divide="ignore", invalid="ignore"):
        if summary_ci is SummaryCI.Z:
            se = np.sqrt(1 / sw)
            df = np.full(mu.shape, np.nan)
            crit = np.full(mu.shape, z_crit(level))
        else:
            s2w = _wsum(w, (y - mu[:, None]) ** 2) / (kf - 1)
            if summary_ci is SummaryCI.HKSJ_FLOOR:
                s2w = np.maximum(1.0, s2w)
            se = np.sqrt(s2w / sw)
            df = kf - 1
            crit = _t_crit(df, level)
        stat = mu / se
        p = 2 * (
            special.ndtr(-np.abs(stat)) if summary_ci is SummaryCI.Z else special.stdtr(df, -np.abs(stat))
        )
        q_df = kf - 1
        q_p = special.chdtrc(q_df, q)
        s2 = (kf - 1) / c  # typical within-study variance
        i2 = t2 / (s2 + t2)
        h2 = (s2 + t2) / s2
        pi_df = kf - 2
        pi_crit = _t_crit(pi_df, level)
        half_pi = pi_crit * np.sqrt(se**2 + t2)
        pi_low = np.where(k >= 3, mu - half_pi, np.nan)
        pi_high = np.where(k >= 3, mu + half_pi, np.nan)
        if profile:
            alpha = 1 - level
            lo_t = _root_decreasing(_chi2_upper(q_df, alpha / 2), y, v, mask, k >= 2)
            hi_t = _root_decreasing(_chi2_upper(q_df, 1 - alpha / 2), y, v, mask, k >= 2)
        else:
            lo_t = hi_t = np.full(mu.shape, np.nan)
        weights = w / sw[:, None]
    return Fits(
        k=k,
        estimate=mu,
        se=se,
        stat=stat,
        df=df,
        p=p,
        ci_low=mu - crit * se,
        ci_high=mu + crit * se,
        tau2=t2,
        tau2_low=lo_t,
        tau2_high=hi_t,
        i2=i2,
        i2_low=lo_t / (s2 + lo_t),
        i2_high=hi_t / (s2 + hi_t),
        h2=h2,
        q=q,
        q_df=q_df,
        q_p=q_p,
        pi_low=pi_low,
        pi_high=pi_high,
        weights=weights,
    )


def fit_many(
    rows: list[tuple[Array, Array]],
    tau2: Tau2Method = Tau2Method.REML,
    summary_ci: SummaryCI = SummaryCI.HKSJ,
    *,
    profile: bool = True,
) -> list[dict[str, Any]]:
    """Fit analyses of different sizes: they are grouped by size (padded to a power of two) so
    that one array operation serves many, and come back in order as dicts of floats."""
    out: list[dict[str, Any]] = [{} for _ in rows]
    for idx, f in _fit_buckets(rows, tau2, summary_ci, profile):
        columns = [_floats(f, name) for name in _FIELDS]
        ks, weights = f.k.tolist(), f.weights.tolist()
        for j, i in enumerate(idx):
            row: dict[str, Any] = dict(zip(_FIELDS, [c[j] for c in columns], strict=True))
            row["k"] = ks[j]
            row["weights"] = weights[j][: ks[j]]
            out[i] = row
    return out


def fit_columns(
    rows: list[tuple[Array, Array]],
    fields: tuple[str, ...],
    tau2: Tau2Method = Tau2Method.REML,
    summary_ci: SummaryCI = SummaryCI.HKSJ,
    *,
    profile: bool = True,
) -> dict[str, list[float]]:
    """:func:`fit_many`'s figures ``fields`` as one list each, in the order of ``rows``: for
    many fits of which a few figures are kept (the leave-one-out refits of every pool), without
    a dict per fit."""
    out: dict[str, list[float]] = {name: [math.nan] * len(rows) for name in fields}
    for idx, f in _fit_buckets(rows, tau2, summary_ci, profile):
        for name in fields:
            column = out[name]
            for i, x in zip(idx, _floats(f, name), strict=True):
                column[i] = x
    return out


def _floats(f: Fits, name: str) -> list[float]:
    """One figure of every fit as Python floats (what ``float(x)`` of each element gives)."""
    out: list[float] = np.asarray(getattr(f, name), dtype=float).tolist()
    return out


def _fit_buckets(
    rows: list[tuple[Array, Array]], tau2: Tau2Method, summary_ci: SummaryCI, profile: bool
) -> Iterator[tuple[list[int], Fits]]:
    """The rows fitted in buckets of like size (padded to a power of two), one bucket at a time."""
    buckets: dict[int, list[int]] = {}
    for i, (y, _v) in enumerate(rows):
        buckets.setdefault(1 << max(0, len(y) - 1).bit_length(), []).append(i)
    for idx in buckets.values():
        y, v, mask = pad([rows[i] for i in idx])
        yield idx, random_effects(y, v, mask, tau2, summary_ci, profile=profile)


_FIELDS = [
    "estimate",
    "se",
    "stat",
    "df",
    "p",
    "ci_low",
    "ci_high",
    "tau2",
    "tau2_low",
    "tau2_high",
    "i2",
    "i2_low",
    "i2_high",
    "h2",
    "q",
    "q_df",
    "q_p",
    "pi_low",
    "pi_high",
]


def fits_row(f: Fits, j: int) -> dict[str, Any]:
    row: dict[str, Any] = {name: float(getattr(f, name)[j]) for name in _FIELDS}
    k = int(f.k[j])
    row["k"] = k
    row["weights"] = [float(x) for x in f.weights[j, :k]]
    return row


def leave_one_out(
    y: Array, v: Array, tau2: Tau2Method = Tau2Method.REML, summary_ci: SummaryCI = SummaryCI.HKSJ
) -> Fits:
    """The k refits of one analysis, each without one study (row i omits study i)."""
    k = len(y)
    ys = np.broadcast_to(y, (k, k)).copy()
    vs = np.broadcast_to(v, (k, k)).copy()
    mask = ~np.eye(k, dtype=bool)
    return random_effects(ys, vs, mask, tau2, summary_ci, profile=False)


# ------------------------------------------------------------------------------------------
# Common-effect methods for 2x2 tables


@dataclass(frozen=True)
class CommonEffect:
    """A Mantel–Haenszel or Peto pool (common effect: no τ²)."""

    k: int  # tables used (double-zero tables left out)
    estimate: float  # log OR, log RR or RD
    se: float
    z: float
    p: float
    ci_low: float
    ci_high: float
    q: float
    q_df: int
    q_p: float
    i2: float  # 0-1, from Q
    weights: list[float]
    used: list[bool]  # per input table: False when left out as double-zero


def _common(est: float, se: float, yi: Array, vi: Array, wts: Array, used: NDArray[np.bool_]) -> CommonEffect:
    """``wts`` has one entry per table used when it is as long as ``yi``, else one per table."""
    k = int(used.sum())
    crit = z_crit()
    with np.errstate(divide="ignore", invalid="ignore"):
        q = float(max(0.0, np.sum((yi - est) ** 2 / vi))) if k > 1 else 0.0
        z = est / se
        i2 = max(0.0, (q - (k - 1)) / q) if q > 0 and k > 1 else 0.0
        weights = wts / wts.sum()
    if len(weights) == len(used):
        full = weights
    else:
        full = np.zeros(len(used))
        full[used] = weights
    return CommonEffect(
        k=k,
        estimate=est,
        se=se,
        z=float(z),
        p=float(2 * special.ndtr(-abs(z))),
        ci_low=est - crit * se,
        ci_high=est + crit * se,
        q=q,
        q_df=k - 1,
        q_p=float(special.chdtrc(k - 1, q)) if k > 1 else 1.0,
        i2=i2,
        weights=[float(x) for x in full],
        used=[bool(u) for u in used],
    )


def mantel_haenszel(measure: str, a: Array, n1: Array, c: Array, n2: Array) -> CommonEffect:
    """metafor's ``rma.mh`` (OR with the Robins–Breslow–Greenland variance, RR with
    Greenland–Robins', RD with Sato's); double-zero tables are left out of Q."""
    a, n1, c, n2 = (np.asarray(x, dtype=float) for x in (a, n1, c, n2))
    used = ~double_zero(a, n1, c, n2)
    b, d = n1 - a, n2 - c
    n = n1 + n2
    # the Mantel-Haenszel sums take every table (a double-zero one adds nothing to an OR, and
    # its share to an RD); the Q statistic takes the tables with a defined effect
    yi, vi, _corr = binary_effects(measure, a[used], n1[used], c[used], n2[used])
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "or":
            r, s = a * d / n, b * c / n
            rs, ss = r.sum(), s.sum()
            pp, qq = (a + d) / n, (b + c) / n
            est = float(np.log(rs / ss))
            var = 0.5 * (
                np.sum(pp * r) / rs**2 + np.sum(pp * s + qq * r) / (rs * ss) + np.sum(qq * s) / ss**2
            )
            wts = s
        elif measure == "rr":
            r, s = a * n2 / n, c * n1 / n
            rs, ss = r.sum(), s.sum()
            est = float(np.log(rs / ss))
            var = np.sum(n1 * n2 * (a + c) / n**2 - a * c / n) / (rs * ss)
            wts = s
        elif measure == "rd":
            f1, f2 = n1 / n, n2 / n
            den = np.sum(n1 * f2)
            est = float(np.sum(a * f2 - c * f1) / den)
            var = (
                est * np.sum(c * f1**2 - a * f2**2 + f1 * f2 * (n2 - n1) / 2)
                + np.sum(a * (n2 - c) / n + c * (n1 - a) / n) / 2
            ) / den**2
            wts = n1 * f2
        else:
            raise ValueError(f"unknown binary measure {measure!r}")
        se = float(np.sqrt(var))
    return _common(est, se, yi, vi, wts, used)


def peto(a: Array, n1: Array, c: Array, n2: Array) -> CommonEffect:
    """metafor's ``rma.peto``: the one-step log odds ratio Σ(O − E) / ΣV."""
    a, n1, c, n2 = (np.asarray(x, dtype=float) for x in (a, n1, c, n2))
    n = n1 + n2
    xt, yt = a + c, n - a - c
    e = xt * n1 / n
    with np.errstate(divide="ignore", invalid="ignore"):
        var = xt * yt * (n1 / n) * (n2 / n) / (n - 1)
        used = var > 0
        oe, vv = (a - e)[used], var[used]
        est = float(oe.sum() / vv.sum())
        se = float(1 / np.sqrt(vv.sum()))
    return _common(est, se, oe / vv, 1 / vv, vv, used)


# ------------------------------------------------------------------------------------------
# Between subgroups, small-study effects


def q_between(estimates: Array, ses: Array) -> tuple[float, int, float]:
    """The fixed-effect Q among subgroup estimates: (Q, df, p)."""
    w = 1 / ses**2
    mu = np.sum(w * estimates) / np.sum(w)
    q = float(np.sum(w * (estimates - mu) ** 2))
    df = len(estimates) - 1
    return q, df, float(special.chdtrc(df, q))


@dataclass(frozen=True)
class Egger:
    t: float
    df: int
    p: float
    limit: float  # the intercept: the estimate as the standard error goes to 0


def egger(y: Array, v: Array) -> Egger:
    """Weighted regression of the effect on its standard error (weights 1/v); the test of the
    slope, t with k − 2 df (metafor's ``regtest(model = "lm")``)."""
    se = np.sqrt(v)
    x = np.column_stack([np.ones_like(se), se])
    w = 1 / v
    xtwx = x.T @ (w[:, None] * x)
    beta = np.linalg.solve(xtwx, x.T @ (w * y))
    resid = y - x @ beta
    df = len(y) - 2
    sigma2 = float(np.sum(w * resid**2) / df)
    cov = sigma2 * np.linalg.inv(xtwx)
    t = float(beta[1] / np.sqrt(cov[1, 1]))
    return Egger(t, df, float(2 * special.stdtr(df, -abs(t))), float(beta[0]))
