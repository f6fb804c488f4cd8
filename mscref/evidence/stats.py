"""Evidence statistics: confidence intervals, two-arm effect sizes, random-effects pooling.

The formulas are statsmodels' (``proportion_confint``, ``confint_proportions_2indep``,
``effectsize_2proportions``, ``combine_effects``), imported when a function runs, so nothing
here slows a plain listing. What mscref adds is the bookkeeping a reviewer does by hand:
which outcomes are like enough to pool, which counts were derived, which cells needed a
continuity correction, and why a pool was refused.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import field
from typing import Any

from mscref.data.dataset import Dataset
from mscref.data.errors import MscrefError
from mscref.data.models import Control, Outcome, StudyType, Trial, timepoint_days
from mscref.data.query import no_empty_filters
from mscref.data.record import record
from mscref.evidence.methods import CI_NAMES, STATSMODELS_CI, TAU2_NAMES, CIMethod, Measure, Tau2Method

CONTINUITY = 0.5


class PoolingError(MscrefError):
    """Outcomes that must not be pooled together were asked to be."""


@record
class Interval:
    estimate: float
    low: float
    high: float
    method: str

    def as_dict(self) -> dict[str, Any]:
        return {"estimate": self.estimate, "low": self.low, "high": self.high, "method": self.method}


@record
class ArmCount:
    arm: str
    label: str
    events: int
    total: int
    derived: bool


@record
class ProportionRow:
    """One arm's events/total with its confidence interval."""

    trial_id: str
    indication: str
    endpoint: str
    endpoint_label: str
    timepoint: str | None
    design: str  # "single-arm", "controlled" or "design unknown"
    count: ArmCount
    interval: Interval


@record
class ComparisonRow:
    """An MSC arm against its control: risk difference, risk ratio and odds ratio."""

    trial_id: str
    indication: str
    endpoint: str
    endpoint_label: str
    timepoint: str | None
    treatment: ArmCount
    control: ArmCount
    risk_difference: Interval
    risk_ratio: Interval
    odds_ratio: Interval
    correction: float | None  # added to every cell when a cell was zero
    p_value: float  # Pearson chi-square test, no continuity correction
    reported_p: str | None  # the p-value the source reports, for comparison


@record
class StudyEffect:
    trial_id: str
    label: str  # with its denominators, e.g. "msb-gvhd001 (38/54)"
    estimate: float  # on the natural scale (proportion, OR, RR or RD)
    low: float
    high: float
    weight: float  # relative random-effects weight, 0-1
    derived: bool
    corrected: bool


@record
class PooledEstimate:
    indication: str
    endpoint: str
    endpoint_label: str
    timepoint: str
    kind: str  # "single-arm proportion" or the comparison measure
    scale: str  # what was pooled: "logit proportion", "log odds ratio" …
    studies: tuple[StudyEffect, ...]
    estimate: float
    low: float
    high: float
    tau2: float
    i2: float
    q: float
    q_df: int
    q_p: float
    method: str
    notes: tuple[str, ...]

    @property
    def k(self) -> int:
        return len(self.studies)

    def heterogeneity(self) -> str:
        return (
            f"τ² = {self.tau2:.3f}, I² = {100 * self.i2:.0f}%, "
            f"Q = {self.q:.2f} (df = {self.q_df}, p = {self.q_p:.3g})"
        )


@record
class Refusal:
    indication: str
    endpoint: str
    timepoint: str | None
    kind: str
    reason: str


@record
class EvidenceFilter:
    indication: str | None = None
    source: str | None = None
    endpoints: tuple[str, ...] = ()
    timepoints: tuple[str, ...] = ()
    exclude_derived: bool = False


@record
class Evidence:
    ci_method: CIMethod
    measure: Measure
    tau2_method: Tau2Method
    proportions: tuple[ProportionRow, ...]
    comparisons: tuple[ComparisonRow, ...]
    pooled: tuple[PooledEstimate, ...]
    refusals: tuple[Refusal, ...]
    excluded: tuple[str, ...] = field(default=())


# ------------------------------------------------------------------------------------------
# Single proportions and two-arm comparisons


def proportion_interval(events: int, total: int, method: CIMethod) -> Interval:
    """events/total with its 95% confidence interval."""
    from statsmodels.stats.proportion import proportion_confint

    if total < 1 or not 0 <= events <= total:
        raise ValueError(f"impossible proportion {events}/{total}")
    low, high = proportion_confint(events, total, alpha=0.05, method=STATSMODELS_CI[method])
    return Interval(events / total, max(0.0, float(low)), min(1.0, float(high)), CI_NAMES[method])


def compare_arms(t: ArmCount, c: ArmCount) -> tuple[Interval, Interval, Interval, float | None]:
    """Risk difference (Newcombe), risk ratio (log) and odds ratio (logit), each with a 95% CI.

    A zero cell gets ``CONTINUITY`` added to every cell for the ratio measures (and says so);
    the Newcombe interval of the difference needs no correction.
    """
    from statsmodels.stats.proportion import confint_proportions_2indep

    p1, p2 = t.events / t.total, c.events / c.total
    lo, hi = confint_proportions_2indep(
        t.events, t.total, c.events, c.total, method="newcomb", compare="diff"
    )
    rd = Interval(p1 - p2, float(lo), float(hi), "Newcombe hybrid score")
    zero = 0 in (t.events, t.total - t.events, c.events, c.total - c.events)
    corr = CONTINUITY if zero else None
    a, n1, b, n2 = float(t.events), float(t.total), float(c.events), float(c.total)
    if corr:
        a, n1, b, n2 = a + corr, n1 + 2 * corr, b + corr, n2 + 2 * corr
    note = f" ({corr} added to every cell)" if corr else ""
    if a == 0 or b == 0:  # pragma: no cover - the correction removes zeros
        raise ValueError("zero cell after correction")
    rr_est = (a / n1) / (b / n2)
    lo, hi = confint_proportions_2indep(a, n1, b, n2, method="log", compare="ratio", correction=False)
    rr = Interval(rr_est, float(lo), float(hi), "log (Katz)" + note)
    odds = (a / (n1 - a)) / (b / (n2 - b))
    lo, hi = confint_proportions_2indep(a, n1, b, n2, method="logit", compare="odds-ratio", correction=False)
    or_ = Interval(odds, float(lo), float(hi), "logit (Woolf)" + note)
    return rd, rr, or_, corr


def chi_square_p(t: ArmCount, c: ArmCount) -> float:
    """Two-sided p of Pearson's chi-square test of two proportions (no continuity correction)."""
    from statsmodels.stats.proportion import proportions_chisquare

    _chi2, p, _table = proportions_chisquare([t.events, c.events], [t.total, c.total])
    return float(p)


# ------------------------------------------------------------------------------------------
# Collecting outcomes


def _counts(trial: Trial, outcome: Outcome) -> list[ArmCount]:
    labels = {a.id: a.label for a in trial.arms}
    out = []
    for a in outcome.arms:
        if a.events is not None and a.total is not None:
            out.append(ArmCount(a.arm, labels.get(a.arm, a.arm), a.events, a.total, a.derived))
    return out


def is_uncontrolled(trial: Trial) -> bool:
    """A study whose results are single-arm rates (no control group to compare with)."""
    if trial.study_type in (StudyType.EXPANDED_ACCESS, StudyType.REGISTRY, StudyType.OBSERVATIONAL):
        return True
    return trial.design.control is Control.NONE


def _design_class(trial: Trial) -> str:
    if is_uncontrolled(trial):
        return "single-arm"
    if trial.design.randomized or trial.design.control is not None:
        return "controlled"
    return "design unknown"


def _control_index(trial: Trial, counts: list[ArmCount]) -> int | None:
    """Which of two arms is the control: one named control/placebo, else the second (by convention
    the data lists the MSC arm first)."""
    if len(counts) != 2 or is_uncontrolled(trial):
        return None
    for i, c in enumerate(counts):
        if c.arm in ("control", "placebo") or "placebo" in c.label.lower():
            return i
    return 1


def _selected(ds: Dataset, flt: EvidenceFilter) -> list[Trial]:
    no_empty_filters(indication=flt.indication, source=flt.source)
    indications = ds.indication_family(ds.resolve_indication(flt.indication).id) if flt.indication else None
    sources = ds.source_family(ds.resolve_source(flt.source).id) if flt.source else None
    out = []
    for t in ds.trials:
        if not ds.is_msc(t):
            continue
        if indications is not None and t.indication not in indications:
            continue
        if sources is not None and ds.source_of(t) not in sources:
            continue
        out.append(t)
    return out


def _outcome_wanted(o: Outcome, flt: EvidenceFilter) -> bool:
    if flt.endpoints and o.endpoint not in flt.endpoints:
        return False
    if flt.timepoints:
        days = timepoint_days(o.timepoint)
        return days is not None and days in {timepoint_days(t) for t in flt.timepoints}
    return True


# ------------------------------------------------------------------------------------------
# Pooling


@record
class _Input:
    trial_id: str
    label: str
    effect: float  # on the pooling scale
    variance: float
    derived: bool
    corrected: bool
    timepoint: str | None


def pool(
    inputs: list[_Input],
    *,
    scale: str,
    back: str,
    tau2_method: Tau2Method,
) -> tuple[list[StudyEffect], dict[str, Any]]:
    """Random-effects pooling of like outcomes (same endpoint, same timepoint in days)."""
    import numpy as np
    from statsmodels.stats.meta_analysis import combine_effects

    days = {timepoint_days(i.timepoint) for i in inputs}
    if len(days) != 1 or None in days:
        shown = ", ".join(sorted({i.timepoint or "no timepoint" for i in inputs}))
        raise PoolingError(f"refusing to pool outcomes at different timepoints ({shown})")
    if len(inputs) < 2:
        raise PoolingError("pooling needs at least two studies")
    eff = np.array([i.effect for i in inputs], dtype=float)
    var = np.array([i.variance for i in inputs], dtype=float)
    res = combine_effects(eff, var, method_re="pm" if tau2_method is Tau2Method.PM else "dl", use_t=False)
    frame = res.summary_frame()
    tau2 = float(res.tau2)
    if tau2 < 0:
        # DerSimonian-Laird's moment estimate can go below zero: truncate at zero, which makes the
        # random-effects model the fixed-effect one (statsmodels would give negative weights).
        tau2 = 0.0
        row, weights = frame.loc["fixed effect"], np.asarray(res.weights_rel_fe)
    else:
        row, weights = frame.loc["random effect"], np.asarray(res.weights_rel_re)
    homogeneity = res.test_homogeneity()
    q = float(res.q)
    df = len(inputs) - 1
    i2 = max(0.0, (q - df) / q) if q > 0 else 0.0
    inv = _BACK[back]
    studies = []
    for i, w in zip(inputs, weights, strict=True):
        half = 1.959963984540054 * math.sqrt(i.variance)
        studies.append(
            StudyEffect(
                i.trial_id,
                i.label,
                inv(i.effect),
                inv(i.effect - half),
                inv(i.effect + half),
                float(w),
                i.derived,
                i.corrected,
            )
        )
    summary = {
        "estimate": inv(float(row["eff"])),
        "low": inv(float(row["ci_low"])),
        "high": inv(float(row["ci_upp"])),
        "tau2": tau2,
        "i2": i2,
        "q": q,
        "q_df": df,
        "q_p": float(homogeneity.pvalue),
        "method": f"random effects ({TAU2_NAMES[tau2_method]}) on the {scale} scale, 95% CI (normal)",
    }
    return studies, summary


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _identity(x: float) -> float:
    return x


_BACK: dict[str, Callable[[float], float]] = {"expit": _expit, "exp": math.exp, "identity": _identity}


def _logit_input(trial_id: str, c: ArmCount, timepoint: str | None) -> _Input:
    """A single-arm proportion on the logit scale; 0 or n events get 0.5 added to both cells."""
    corrected = c.events in (0, c.total)
    x = c.events + (CONTINUITY if corrected else 0.0)
    n = c.total + (2 * CONTINUITY if corrected else 0.0)
    effect = math.log(x / (n - x))
    variance = 1 / x + 1 / (n - x)
    label = f"{trial_id} ({c.events}/{c.total}{'*' if c.derived else ''})"
    return _Input(trial_id, label, effect, variance, c.derived, corrected, timepoint)


def _comparison_input(row: ComparisonRow, measure: Measure) -> _Input:
    import numpy as np
    from statsmodels.stats.meta_analysis import effectsize_2proportions

    t, c = row.treatment, row.control
    statistic = {Measure.OR: "odds-ratio", Measure.RR: "risk-ratio", Measure.RD: "diff"}[measure]
    corrected = measure is not Measure.RD and row.correction is not None
    kwargs: dict[str, Any] = {"zero_correction": CONTINUITY} if corrected else {}
    eff, var = effectsize_2proportions(
        np.array([t.events]),
        np.array([t.total]),
        np.array([c.events]),
        np.array([c.total]),
        statistic=statistic,
        **kwargs,
    )
    star = "*" if t.derived or c.derived else ""
    label = f"{row.trial_id} ({t.events}/{t.total}{star} vs {c.events}/{c.total}{star})"
    return _Input(
        row.trial_id, label, float(eff[0]), float(var[0]), t.derived or c.derived, corrected, row.timepoint
    )


_MEASURE = {
    Measure.OR: ("odds ratio", "log odds ratio", "exp"),
    Measure.RR: ("risk ratio", "log risk ratio", "exp"),
    Measure.RD: ("risk difference", "risk difference", "identity"),
}


def analyse(
    ds: Dataset,
    flt: EvidenceFilter,
    ci_method: CIMethod = CIMethod.EXACT,
    measure: Measure = Measure.OR,
    tau2_method: Tau2Method = Tau2Method.PM,
) -> Evidence:
    """Intervals for every count outcome of the selected trials, and every legitimate pool."""
    proportions: list[ProportionRow] = []
    comparisons: list[ComparisonRow] = []
    excluded: list[str] = []
    kept_out: list[Refusal] = []  # outcomes whose trial or outcome says they must not be pooled
    single: dict[tuple[str, str, int | None], list[_Input]] = defaultdict(list)
    paired: dict[tuple[str, str, int | None], list[_Input]] = defaultdict(list)
    labels: dict[str, str] = {}
    timepoints: dict[tuple[str, str, int | None], set[str]] = defaultdict(set)
    for trial in _selected(ds, flt):
        indication = trial.indication
        if indication is None:  # unclassified: nothing to pool it with
            continue
        for outcome in trial.outcomes:
            if not _outcome_wanted(outcome, flt):
                continue
            counts = _counts(trial, outcome)
            if not counts:
                continue
            if (reason := trial.pooling_exclusion(outcome)) is not None:
                tp, why = outcome.timepoint, f"{trial.id}: {reason}"
                kept_out.append(Refusal(indication, outcome.endpoint, tp, "left out", why))
                continue
            if flt.exclude_derived and any(c.derived for c in counts):
                excluded.append(f"{trial.id} {outcome.endpoint} {outcome.timepoint or ''}".strip())
                continue
            labels[outcome.endpoint] = outcome.endpoint_label
            uncontrolled = is_uncontrolled(trial)
            for c in counts:
                proportions.append(
                    ProportionRow(
                        trial.id,
                        indication,
                        outcome.endpoint,
                        outcome.endpoint_label,
                        outcome.timepoint,
                        _design_class(trial),
                        c,
                        proportion_interval(c.events, c.total, ci_method),
                    )
                )
            key = (indication, outcome.endpoint, timepoint_days(outcome.timepoint))
            if outcome.timepoint:
                timepoints[(indication, outcome.endpoint, None)].add(outcome.timepoint)
            if uncontrolled and len(counts) == 1:
                single[key].append(_logit_input(trial.id, counts[0], outcome.timepoint))
            ci = _control_index(trial, counts)
            if ci is not None:
                ctrl, treat = counts[ci], counts[1 - ci]
                rd, rr, or_, corr = compare_arms(treat, ctrl)
                row = ComparisonRow(
                    trial.id,
                    indication,
                    outcome.endpoint,
                    outcome.endpoint_label,
                    outcome.timepoint,
                    treat,
                    ctrl,
                    rd,
                    rr,
                    or_,
                    corr,
                    chi_square_p(treat, ctrl),
                    outcome.p_value,
                )
                comparisons.append(row)
                paired[key].append(_comparison_input(row, measure))

    pooled: list[PooledEstimate] = []
    refusals: list[Refusal] = kept_out
    for kind, groups, scale, back in (
        ("single-arm proportion", single, "logit proportion", "expit"),
        (_MEASURE[measure][0], paired, _MEASURE[measure][1], _MEASURE[measure][2]),
    ):
        for (indication, endpoint, days), inputs in sorted(
            groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or -1)
        ):
            tp = inputs[0].timepoint
            if days is None:
                refusals.append(
                    Refusal(indication, endpoint, None, kind, "no timepoint recorded; not pooled")
                )
                continue
            if len(inputs) < 2:
                refusals.append(
                    Refusal(
                        indication,
                        endpoint,
                        tp,
                        kind,
                        f"only one study ({inputs[0].trial_id}); nothing to pool",
                    )
                )
                continue
            studies, summary = pool(inputs, scale=scale, back=back, tau2_method=tau2_method)
            notes = []
            derived = [i.trial_id for i in inputs if i.derived]
            if derived:
                notes.append(f"includes counts derived from reported percentages: {', '.join(derived)}")
            corrected = [i.trial_id for i in inputs if i.corrected]
            if corrected:
                notes.append(
                    f"continuity correction {CONTINUITY} added to every cell: {', '.join(corrected)}"
                )
            shown = sorted({i.timepoint for i in inputs if i.timepoint})
            if len(shown) > 1:
                notes.append(f"timepoints {' = '.join(shown)} ({days} days)")
            pooled.append(
                PooledEstimate(
                    indication,
                    endpoint,
                    labels.get(endpoint, endpoint),
                    tp or "",
                    kind,
                    scale,
                    tuple(studies),
                    notes=tuple(notes),
                    **summary,
                )
            )
    for (indication, endpoint, _none), tps in sorted(timepoints.items()):
        by_days = {timepoint_days(t) for t in tps}
        if len(by_days) > 1:
            refusals.append(
                Refusal(
                    indication,
                    endpoint,
                    None,
                    "all",
                    "reported at different timepoints ("
                    + ", ".join(sorted(tps, key=lambda t: timepoint_days(t) or 0))
                    + "); each timepoint is pooled on its own, never together",
                )
            )
    return Evidence(
        ci_method,
        measure,
        tau2_method,
        tuple(proportions),
        tuple(comparisons),
        tuple(pooled),
        tuple(refusals),
        tuple(excluded),
    )


def evidence_json(ds: Dataset, ev: Evidence) -> dict[str, Any]:
    """Every figure, for scripts."""

    def arm(c: ArmCount) -> dict[str, Any]:
        return {"arm": c.arm, "label": c.label, "events": c.events, "total": c.total, "derived": c.derived}

    return {
        "ci_method": CI_NAMES[ev.ci_method],
        "confidence": 0.95,
        "measure": _MEASURE[ev.measure][0],
        "tau2_method": ev.tau2_method.value,
        "proportions": [
            {
                "trial": p.trial_id,
                "indication": p.indication,
                "endpoint": p.endpoint,
                "endpoint_label": p.endpoint_label,
                "timepoint": p.timepoint,
                "design": p.design,
                **arm(p.count),
                **p.interval.as_dict(),
            }
            for p in ev.proportions
        ],
        "comparisons": [
            {
                "trial": c.trial_id,
                "indication": c.indication,
                "endpoint": c.endpoint,
                "endpoint_label": c.endpoint_label,
                "timepoint": c.timepoint,
                "treatment": arm(c.treatment),
                "control": arm(c.control),
                "risk_difference": c.risk_difference.as_dict(),
                "risk_ratio": c.risk_ratio.as_dict(),
                "odds_ratio": c.odds_ratio.as_dict(),
                "continuity_correction": c.correction,
                "p_value": c.p_value,
                "p_method": "Pearson chi-square, no continuity correction",
                "reported_p": c.reported_p,
            }
            for c in ev.comparisons
        ],
        "pooled": [
            {
                "indication": p.indication,
                "endpoint": p.endpoint,
                "endpoint_label": p.endpoint_label,
                "timepoint": p.timepoint,
                "kind": p.kind,
                "scale": p.scale,
                "k": p.k,
                "estimate": p.estimate,
                "low": p.low,
                "high": p.high,
                "method": p.method,
                "heterogeneity": {"tau2": p.tau2, "i2": p.i2, "q": p.q, "df": p.q_df, "p": p.q_p},
                "studies": [
                    {
                        "trial": s.trial_id,
                        "label": s.label,
                        "estimate": s.estimate,
                        "low": s.low,
                        "high": s.high,
                        "weight": s.weight,
                        "derived": s.derived,
                        "continuity_corrected": s.corrected,
                    }
                    for s in p.studies
                ],
                "notes": list(p.notes),
            }
            for p in ev.pooled
        ],
        "not_pooled": [
            {
                "indication": r.indication,
                "endpoint": r.endpoint,
                "timepoint": r.timepoint,
                "kind": r.kind,
                "reason": r.reason,
            }
            for r in ev.refusals
        ],
        "excluded_derived": list(ev.excluded),
    }
