"""Evidence statistics: confidence intervals, two-arm effect sizes, pooling of like outcomes.

The arithmetic is in :mod:`mscref.evidence.meta` and :mod:`mscref.evidence.intervals` (arrays,
metafor's conventions); this module does the bookkeeping a reviewer does by hand: which
outcomes are like enough to pool (same indication, endpoint, timepoint, measure and comparator
class), which counts were derived, which cells needed a continuity correction, which tables
were left out, and — for every outcome with numbers that is not pooled — why.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import field
from typing import TYPE_CHECKING, Any, TypeVar, cast

from mscref.data.dataset import Dataset
from mscref.data.errors import MscrefError
from mscref.data.models import Blinding, Control, Outcome, StudyType, Trial, timepoint_days
from mscref.data.query import no_empty_filters
from mscref.data.record import record
from mscref.evidence.methods import (
    CI_NAMES,
    PI_NAME,
    POOL_METHOD_NAMES,
    SUMMARY_CI_NAMES,
    TAU2_NAMES,
    CIMethod,
    Measure,
    PoolMethod,
    Subgroup,
    SummaryCI,
    Tau2Method,
)

if TYPE_CHECKING:  # pragma: no cover
    from mscref.evidence.certainty import Certainty

_T = TypeVar("_T")
CONTINUITY = 0.5
SINGLE = "single-arm proportion"
#: Below this many studies a funnel plot and Egger's test say nothing.
SMALL_STUDY_MIN_K = 10


#: Words of an endpoint id that make it a harm: more of it is worse.
HARMS = (
    "adverse",
    "death",
    "mortality",
    "relapse",
    "chronic-gvhd",
    "infection",
    "failure",
    "toxicity",
    "serious",
)


def higher_is_better(endpoint: str) -> bool:
    """Whether more events are good news (a response) rather than bad (a harm); for the
    'favours' labels either side of no effect."""
    if "free" in endpoint or "survival" in endpoint or "response" in endpoint or "remission" in endpoint:
        return True
    return not any(word in endpoint for word in HARMS)


#: Words of a continuous endpoint where a lower value is better (pain, disability, severity scores).
LOWER_IS_BETTER = (
    "pain",
    "vas",
    "womac",
    "edss",
    "nihss",
    "rankin",
    "mrs",
    "sledai",
    "cdai",
    "pdai",
    "pasi",
    "easi",
    "scorad",
    "hba1c",
    "nyha",
    "fatigue",
    "stiffness",
    "disability",
    "severity",
    "sofa",
    "apache",
)
#: Words of a continuous endpoint where a higher value is better (function, capacity, oxygenation).
HIGHER_IS_BETTER = (
    "walk",
    "distance",
    "alsfrs",
    "fev1",
    "fvc",
    "ejection",
    "lvef",
    "pao2",
    "function",
    "quality",
    "koos",
)
#: Words of a time-to-event endpoint whose event is good news (so a hazard ratio above 1 favours MSC).
GOOD_EVENTS = ("response", "remission", "recovery", "engraftment", "healing", "closure")


def favours(p: PooledEstimate) -> tuple[str, str]:
    """Labels either side of no effect, left then right. For counts and reported OR/RR/RD they
    depend on whether the endpoint is a good outcome or a harm; a hazard ratio below 1 favours
    MSC unless the event is good news; for a difference of means, on whether a lower or a higher
    value is better — and when the endpoint does not say, the labels say only which arm is higher."""
    good = ("favours control", "favours MSC")
    bad = ("favours MSC", "favours control")
    endpoint = p.endpoint
    if p.kind.startswith("hazard ratio"):
        return good if any(w in endpoint for w in GOOD_EVENTS) else bad
    if p.kind.startswith(("mean difference", "standardised mean difference", "ratio of means")):
        if any(w in endpoint for w in LOWER_IS_BETTER):
            return bad
        if any(w in endpoint for w in HIGHER_IS_BETTER):
            return good
        return ("higher with control", "higher with MSC")
    return good if higher_is_better(endpoint) else bad


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
    comparator: str
    treatment: ArmCount
    control: ArmCount
    risk_difference: Interval
    risk_ratio: Interval
    odds_ratio: Interval
    correction: float | None  # added to every cell when a cell was zero
    p_value: float | None  # Pearson chi-square, no continuity correction; None when undefined
    reported_p: str | None  # the p-value the source reports, for comparison


@record
class ArmMeans:
    """One arm of a continuous outcome as reported: n with a mean and SD (or SE), or a median
    with its quartiles and range."""

    arm: str
    label: str
    n: int | None
    mean: float | None = None
    sd: float | None = None  # from the SE (SD = SE √n) when sd_from_se
    sd_from_se: bool = False
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    range_low: float | None = None
    range_high: float | None = None
    unit: str | None = None
    change: bool = False  # changes from baseline rather than final values
    n_from_arm: bool = False  # n is the arm's size, not the number analysed

    @property
    def usable(self) -> bool:
        """A mean with its SD and an n of at least 2: what an MD or SMD needs."""
        return self.mean is not None and self.sd is not None and self.n is not None and self.n >= 2

    def shown(self) -> str:
        unit = "" if not self.unit else ("%" if self.unit == "%" else f" {self.unit}")
        n = (
            "n not reported"
            if self.n is None
            else f"n = {self.n}" + (" (arm size)" if self.n_from_arm else "")
        )
        if self.mean is not None:
            sd = "no SD" if self.sd is None else f"SD {self.sd:.4g}" + (" from SE" if self.sd_from_se else "")
            return f"mean {self.mean:g}{unit} ({sd}), {n}"
        if self.median is not None:
            parts = [f"median {self.median:g}{unit}"]
            if self.q1 is not None and self.q3 is not None:
                parts.append(f"IQR {self.q1:g}–{self.q3:g}")
            if self.range_low is not None and self.range_high is not None:
                parts.append(f"range {self.range_low:g}–{self.range_high:g}")
            return f"{', '.join(parts)}, {n}"
        return n


@record
class ContinuousRow:
    """A continuous outcome's arms as reported, and (MSC arm vs control, both with mean, SD and
    n) the mean difference with its 95% CI."""

    trial_id: str
    indication: str
    endpoint: str
    endpoint_label: str
    timepoint: str | None
    comparator: str
    arms: tuple[ArmMeans, ...]
    difference: Interval | None = None
    use: str = ""  # how the analysis uses it: a pool, or why not


@record
class EffectRow:
    """An effect estimate as the source reports it, and how the analysis uses it."""

    trial_id: str
    indication: str
    endpoint: str
    endpoint_label: str
    timepoint: str | None
    comparator: str
    measure: str
    estimate: float
    low: float | None
    high: float | None
    level: float
    unit: str | None
    adjusted: bool | None
    use: str = ""
    measure_label: str | None = None  # as the source words it


@record
class StudyEffect:
    trial_id: str
    label: str  # with its denominators, e.g. "msb-gvhd001 (38/54)"
    estimate: float  # on the natural scale (proportion, OR, RR, RD, MD …)
    low: float
    high: float
    weight: float  # relative weight in the pool, 0-1
    derived: bool
    corrected: bool
    effect: float = 0.0  # on the pooling scale
    variance: float = 0.0
    arms: tuple[ArmCount, ...] = ()  # MSC arm first; one arm for a single-arm rate
    group: str = ""  # the study's subgroup, when the pool is split
    comparator: str = ""
    means: tuple[ArmMeans, ...] = ()  # a continuous outcome's arms, MSC arm first

    def arm_cells(self) -> list[str]:
        """Each arm's figures for a forest's columns: events/total, or mean ± SD (n)."""
        if self.means:
            return [
                f"{m.mean:.3g} ± {m.sd:.3g} ({m.n}{'†' if m.n_from_arm else ''})"
                if m.mean is not None and m.sd is not None
                else m.shown()
                for m in self.means
            ]
        return [f"{c.events}/{c.total}{'*' if c.derived else ''}" for c in self.arms]


@record
class LeaveOneOut:
    omitted: str
    estimate: float
    low: float
    high: float
    tau2: float | None
    i2: float | None


@record
class SubgroupResult:
    name: str
    k: int
    estimate: float
    low: float
    high: float
    effect: float  # pooling scale
    se: float
    tau2: float | None
    i2: float | None


@record
class SubgroupTest:
    by: str
    q: float
    df: int
    p: float
    method: str


@record
class EggerTest:
    t: float
    df: int
    p: float
    limit: float  # natural scale


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
    tau2: float | None  # None for a common-effect method
    i2: float
    q: float
    q_df: int
    q_p: float
    method: str
    notes: tuple[str, ...]
    comparator: str = ""
    model: str = "random effects"
    se: float = math.nan  # of the estimate on the pooling scale
    stat_name: str = "z"
    stat: float = math.nan
    df: float | None = None
    p: float = math.nan
    pi_low: float | None = None
    pi_high: float | None = None
    pi_note: str = ""
    tau2_low: float | None = None
    tau2_high: float | None = None
    i2_low: float | None = None
    i2_high: float | None = None
    leave_one_out: tuple[LeaveOneOut, ...] = ()
    subgroup_by: str | None = None
    subgroups: tuple[SubgroupResult, ...] = ()
    subgroup_test: SubgroupTest | None = None
    subgroup_note: str = ""
    egger: EggerTest | None = None
    small_study_note: str = ""
    certainty: Certainty | None = None
    measure_choice: str = ""  # for a continuous pool: why MD or SMD
    unit: str | None = None  # of a mean difference

    @property
    def k(self) -> int:
        return len(self.studies)

    @property
    def is_ratio(self) -> bool:
        return self.scale.startswith("log ")

    @property
    def arm_caption(self) -> str:
        """What the arm columns hold: '' for reported estimates, which have none."""
        if any(s.means for s in self.studies):
            return "mean ± SD (n)"
        return "events/total" if any(s.arms for s in self.studies) else ""

    def arm_totals(self) -> list[str]:
        if any(s.means for s in self.studies):
            return [str(sum(s.means[i].n or 0 for s in self.studies)) for i in range(2)]
        if not any(s.arms for s in self.studies):
            return []
        width = 1 if self.kind == SINGLE else 2
        return [
            f"{sum(s.arms[i].events for s in self.studies)}/{sum(s.arms[i].total for s in self.studies)}"
            for i in range(width)
        ]

    def fmt(self, x: float | None, missing: str = "—") -> str:
        """A figure of this pool: a percentage for rates and risk differences from counts, two
        decimals (or significant figures when extreme) for ratios and differences of means."""
        if x is None or not math.isfinite(x):
            return missing
        if self.kind in (SINGLE, "risk difference"):
            return f"{100 * x:.1f}%"
        if abs(x) >= 1000 or 0 < abs(x) < 0.01:
            return f"{x:.2g}"
        return f"{x:.2f}"

    @property
    def title_kind(self) -> str:
        """The measure, with its unit for a mean difference."""
        return f"{self.kind} ({self.unit})" if self.unit else self.kind

    @property
    def null(self) -> float | None:
        """The value of no difference, when the measure has one."""
        if self.kind == SINGLE:
            return None
        return 1.0 if self.is_ratio else 0.0

    def heterogeneity(self) -> str:
        i2 = f"I² = {100 * self.i2:.0f}%"
        if self.i2_low is not None and self.i2_high is not None:
            i2 += f" ({100 * self.i2_low:.0f}%–{100 * self.i2_high:.0f}%)"
        tau = "τ² not estimated (common effect)"
        if self.tau2 is not None:
            tau = f"τ² = {self.tau2:.3f}"
            if self.tau2_low is not None and self.tau2_high is not None:
                tau += f" ({self.tau2_low:.3f}–{self.tau2_high:.3f})"
        return f"{tau}, {i2}, Q = {self.q:.2f} (df = {self.q_df}, p = {self.q_p:.3g})"

    def overall_test(self) -> str:
        df = "" if self.df is None else f"{self.df:g}, "
        name = "z" if self.stat_name == "z" else f"t({df.rstrip(', ')})"
        return f"Test for overall effect: {name} = {self.stat:.2f}, p = {self.p:.3g}"


@record
class Refusal:
    indication: str
    endpoint: str
    timepoint: str | None
    kind: str
    reason: str
    trial_id: str | None = None
    comparator: str | None = None


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
    summary_ci: SummaryCI = SummaryCI.HKSJ
    pool_method: PoolMethod = PoolMethod.IV
    subgroup: Subgroup | None = None
    continuous: tuple[ContinuousRow, ...] = ()
    effects: tuple[EffectRow, ...] = ()


# ------------------------------------------------------------------------------------------
# Single proportions and two-arm comparisons (scalar entry points over the array functions)


def proportion_interval(events: int, total: int, method: CIMethod) -> Interval:
    """events/total with its 95% confidence interval."""
    import numpy as np

    from mscref.evidence.intervals import proportion_ci

    if total < 1 or not 0 <= events <= total:
        raise ValueError(f"impossible proportion {events}/{total}")
    low, high = proportion_ci(np.array([events]), np.array([total]), method)
    return Interval(events / total, float(low[0]), float(high[0]), CI_NAMES[method])


def compare_arms(t: ArmCount, c: ArmCount) -> tuple[Interval, Interval, Interval, float | None]:
    """Risk difference (Newcombe), risk ratio (log) and odds ratio (logit), each with a 95% CI."""
    rows = _comparison_intervals([(t, c)])
    return rows[0]


def _comparison_intervals(
    pairs: list[tuple[ArmCount, ArmCount]],
) -> list[tuple[Interval, Interval, Interval, float | None]]:
    import numpy as np

    from mscref.evidence.intervals import newcombe, ratio_cis

    if not pairs:
        return []
    a = np.array([t.events for t, _ in pairs], dtype=float)
    n1 = np.array([t.total for t, _ in pairs], dtype=float)
    c = np.array([k.events for _, k in pairs], dtype=float)
    n2 = np.array([k.total for _, k in pairs], dtype=float)
    rd = newcombe(a, n1, c, n2)
    rr, or_, zero = ratio_cis(a, n1, c, n2)
    out = []
    for i in range(len(pairs)):
        note = f" ({CONTINUITY} added to every cell)" if zero[i] else ""
        out.append(
            (
                Interval(float(rd[0][i]), float(rd[1][i]), float(rd[2][i]), "Newcombe hybrid score"),
                Interval(float(rr[0][i]), float(rr[1][i]), float(rr[2][i]), "log (Katz)" + note),
                Interval(float(or_[0][i]), float(or_[1][i]), float(or_[2][i]), "logit (Woolf)" + note),
                CONTINUITY if zero[i] else None,
            )
        )
    return out


# ------------------------------------------------------------------------------------------
# What a trial is


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


COMPARATOR_NAMES = {
    Control.PLACEBO: "placebo/sham",
    Control.ACTIVE: "active treatment",
    Control.STANDARD_CARE: "add-on to standard care",
    Control.EXTERNAL: "external (historical) control",
    Control.NONE: "no control",
}
COMPARATOR_UNKNOWN = "comparator not recorded"


def comparator_class(trial: Trial) -> str:
    """The comparator class from the trial's design: placebo/sham, active treatment, add-on to
    standard care, external control, no control — or not recorded."""
    if is_uncontrolled(trial):
        return COMPARATOR_NAMES[Control.NONE]
    control = trial.design.control
    return COMPARATOR_UNKNOWN if control is None else COMPARATOR_NAMES[control]


def design_label(trial: Trial) -> str:
    if is_uncontrolled(trial):
        return "single-arm"
    d = trial.design
    parts = [
        "randomized"
        if d.randomized
        else ("non-randomized" if d.randomized is False else "randomization not recorded")
    ]
    parts.append(d.blinding.value if d.blinding is not None else "blinding not recorded")
    return ", ".join(parts)


def subgroup_of(ds: Dataset, trial: Trial, by: Subgroup) -> str:
    if by is Subgroup.SOURCE:
        sid = ds.source_of(trial)
        if sid is None:
            return "source not recorded"
        src = ds.source(sid)
        return src.abbreviation or src.name
    if by is Subgroup.ORIGIN:
        origin = trial.origin
        product = ds.product_of(trial)
        if origin is None and product is not None:
            origin = product.origin
        return origin.value if origin is not None else "origin not recorded"
    if by is Subgroup.ROUTE:
        routes = sorted({a.route for a in trial.arms if a.route})
        return "; ".join(routes) if routes else "route not recorded"
    if by is Subgroup.COMPARATOR:
        return comparator_class(trial)
    return design_label(trial)


def _control_index(trial: Trial, counts: list[ArmCount]) -> int | None:
    """Which of two arms is the control: one named control/placebo, else the second (by convention
    the data lists the MSC arm first)."""
    if len(counts) != 2 or is_uncontrolled(trial):
        return None
    for i, c in enumerate(counts):
        if c.arm in ("control", "placebo") or "placebo" in c.label.lower():
            return i
    return 1


def _counts(trial: Trial, outcome: Outcome) -> list[ArmCount]:
    labels = {a.id: a.label for a in trial.arms}
    out = []
    for a in outcome.arms:
        if a.events is not None and a.total is not None:
            out.append(ArmCount(a.arm, labels.get(a.arm, a.arm), a.events, a.total, a.derived))
    return out


def _values_only(outcome: Outcome) -> str | None:
    """The outcome's reported values when it has values but no counts (e.g. '39.5% vs 62.7%')."""
    shown = []
    for a in outcome.arms:
        if a.events is not None:
            continue
        reported = a.value if a.value is not None else a.median if a.median is not None else a.mean
        if reported is not None:
            shown.append(f"{reported:g}{'' if a.unit == '%' else ' '}{a.unit or ''}")
    return " vs ".join(shown) if shown else None


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
# Pool inputs


@record
class _Input:
    trial_id: str
    label: str
    effect: float  # on the pooling scale
    variance: float
    derived: bool
    corrected: bool
    timepoint: str | None
    arms: tuple[ArmCount, ...] = ()
    group: str = ""
    comparator: str = ""
    flags: tuple[str, ...] = ()  # risk-of-bias proxies, for the certainty rating
    randomized: bool = False
    means: tuple[ArmMeans, ...] = ()


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x > -700 else 0.0


def _exp(x: float) -> float:
    return math.exp(x) if x < 700 else math.inf


def _identity(x: float) -> float:
    return x


_BACK: dict[str, Callable[[float], float]] = {"expit": _expit, "exp": _exp, "identity": _identity}

_MEASURE = {
    Measure.OR: ("odds ratio", "log odds ratio", "exp"),
    Measure.RR: ("risk ratio", "log risk ratio", "exp"),
    Measure.RD: ("risk difference", "risk difference", "identity"),
}
#: For continuous outcomes and reported effects: (kind, pooling scale, back-transform).
_OTHER_SCALES = {
    "md": ("mean difference", "mean difference", "identity"),
    "smd": ("standardised mean difference (Hedges' g)", "standardised mean difference", "identity"),
    "hr": ("hazard ratio", "log hazard ratio", "exp"),
    "or": ("odds ratio", "log odds ratio", "exp"),
    "rr": ("risk ratio", "log risk ratio", "exp"),
    "rd": ("risk difference", "risk difference", "identity"),
    "rate-ratio": ("rate ratio", "log rate ratio", "exp"),
    "ratio-of-means": ("ratio of means", "log ratio of means", "exp"),
}
#: Reported measures on a ratio scale (pooled as logs).
RATIO_KINDS = frozenset({"hr", "or", "rr", "rate-ratio", "ratio-of-means"})
#: Kinds of pool built from a two-arm table of counts (Mantel-Haenszel and Peto apply to these).
COUNT_KINDS = frozenset({"odds ratio", "risk ratio", "risk difference"})
REPORTED = " (reported estimates)"
MEDIANS = "medians: no stated method to pool them as means"


def _study_effect(i: _Input, weight: float, back: str, z: float) -> StudyEffect:
    inv = _BACK[back]
    half = z * math.sqrt(i.variance) if i.variance >= 0 else math.nan
    return StudyEffect(
        i.trial_id,
        i.label,
        inv(i.effect),
        inv(i.effect - half),
        inv(i.effect + half),
        weight,
        i.derived,
        i.corrected,
        i.effect,
        i.variance,
        i.arms,
        i.group,
        i.comparator,
        i.means,
    )


def _none(x: float) -> float | None:
    return x if math.isfinite(x) else None


def pool(
    inputs: list[_Input],
    *,
    scale: str,
    back: str,
    tau2_method: Tau2Method = Tau2Method.REML,
    summary_ci: SummaryCI = SummaryCI.HKSJ,
) -> tuple[list[StudyEffect], dict[str, Any]]:
    """Random-effects pooling of one group of like outcomes (same endpoint, same timepoint)."""
    days = {timepoint_days(i.timepoint) for i in inputs}
    if len(days) != 1 or None in days:
        shown = ", ".join(sorted({i.timepoint or "no timepoint" for i in inputs}))
        raise PoolingError(f"refusing to pool outcomes at different timepoints ({shown})")
    if len(inputs) < 2:
        raise PoolingError("pooling needs at least two studies")
    (summary,) = _fit_iv([inputs], scale=scale, back=back, tau2_method=tau2_method, summary_ci=summary_ci)
    return summary


def _fit_iv(
    groups: list[list[_Input]],
    *,
    scale: str,
    back: str,
    tau2_method: Tau2Method,
    summary_ci: SummaryCI,
) -> list[tuple[list[StudyEffect], dict[str, Any]]]:
    """Random-effects fits of many groups in a few array operations."""
    import numpy as np

    from mscref.evidence.meta import fit_many, z_crit

    rows = [
        (np.array([i.effect for i in g], dtype=float), np.array([i.variance for i in g], dtype=float))
        for g in groups
    ]
    fits = fit_many(rows, tau2_method, summary_ci)
    inv = _BACK[back]
    z = z_crit()
    out = []
    for g, f in zip(groups, fits, strict=True):
        studies = [_study_effect(i, w, back, z) for i, w in zip(g, f["weights"], strict=True)]
        k = f["k"]
        t_based = summary_ci is not SummaryCI.Z
        summary: dict[str, Any] = {
            "estimate": inv(f["estimate"]),
            "low": inv(f["ci_low"]),
            "high": inv(f["ci_high"]),
            "se": f["se"],
            "stat_name": "t" if t_based else "z",
            "stat": f["stat"],
            "df": f["df"] if t_based else None,
            "p": f["p"],
            "tau2": f["tau2"],
            "tau2_low": _none(f["tau2_low"]),
            "tau2_high": _none(f["tau2_high"]),
            "i2": f["i2"],
            "i2_low": _none(f["i2_low"]),
            "i2_high": _none(f["i2_high"]),
            "q": f["q"],
            "q_df": k - 1,
            "q_p": f["q_p"],
            "pi_low": inv(f["pi_low"]) if k >= 3 else None,
            "pi_high": inv(f["pi_high"]) if k >= 3 else None,
            "pi_note": f"95% prediction interval: {PI_NAME}"
            if k >= 3
            else "No prediction interval: it needs at least 3 studies",
            "model": "random effects",
            "method": (
                f"inverse variance, random effects on the {scale} scale; τ²: {TAU2_NAMES[tau2_method]}, "
                f"Q-profile 95% CI; 95% CI and test of the summary: {SUMMARY_CI_NAMES[summary_ci]}; "
                "I² from τ²"
            ),
        }
        out.append((studies, summary))
    return out


def _fit_common(
    inputs: list[_Input], method: PoolMethod, measure: Measure, *, scale: str, back: str
) -> tuple[list[StudyEffect], dict[str, Any]] | str:
    """Mantel–Haenszel or Peto; a reason string when the pool is not estimable."""
    import numpy as np

    from mscref.evidence.meta import mantel_haenszel, peto, z_crit

    a = np.array([i.arms[0].events for i in inputs], dtype=float)
    n1 = np.array([i.arms[0].total for i in inputs], dtype=float)
    c = np.array([i.arms[1].events for i in inputs], dtype=float)
    n2 = np.array([i.arms[1].total for i in inputs], dtype=float)
    res = peto(a, n1, c, n2) if method is PoolMethod.PETO else mantel_haenszel(measure.value, a, n1, c, n2)
    if not (math.isfinite(res.estimate) and math.isfinite(res.se)):
        return (
            f"{POOL_METHOD_NAMES[method]}: not estimable from these counts "
            "(an empty margin across all tables)"
        )
    inv = _BACK[back]
    z = z_crit()
    studies = [_study_effect(i, w, back, z) for i, w in zip(inputs, res.weights, strict=True)]
    if method is PoolMethod.PETO:  # the study rows show each study's own Peto odds ratio
        oe = a - (a + c) * n1 / (n1 + n2)
        v = (a + c) * (n1 + n2 - a - c) * n1 * n2 / ((n1 + n2) ** 2 * (n1 + n2 - 1))
        studies = [
            _study_effect(
                _Input(
                    i.trial_id,
                    i.label,
                    float(oe[j] / v[j]),
                    float(1 / v[j]),
                    i.derived,
                    False,
                    i.timepoint,
                    i.arms,
                    i.group,
                    i.comparator,
                ),
                w,
                back,
                z,
            )
            for j, (i, w) in enumerate(zip(inputs, res.weights, strict=True))
        ]
    summary: dict[str, Any] = {
        "estimate": inv(res.estimate),
        "low": inv(res.ci_low),
        "high": inv(res.ci_high),
        "se": res.se,
        "stat_name": "z",
        "stat": res.z,
        "df": None,
        "p": res.p,
        "tau2": None,
        "i2": res.i2,
        "q": res.q,
        "q_df": res.q_df,
        "q_p": res.q_p,
        "pi_note": "No prediction interval: a common-effect method assumes one true effect",
        "model": "common effect",
        "method": f"{POOL_METHOD_NAMES[method]} on the {scale} scale, 95% CI (normal); "
        "I² from Cochran's Q (no τ² in a common-effect model)",
    }
    return studies, summary


# ------------------------------------------------------------------------------------------
# The analysis


@record
class _Pending:
    """A group of like outcomes waiting to be pooled."""

    kind: str
    indication: str
    endpoint: str
    days: int | None
    comparator: str
    inputs: list[_Input]
    generic: bool = False  # continuous or reported effects: always inverse variance
    scale: str = ""
    back: str = ""
    notes: tuple[str, ...] = ()
    choice: str = ""
    unit: str | None = None

    def iv(self, pool_method: PoolMethod) -> bool:
        """Whether this pool is fitted by inverse variance (random effects)."""
        return self.generic or self.kind == SINGLE or pool_method is PoolMethod.IV


def _flags(
    ds: Dataset,
    trial: Trial,
    counts: list[ArmCount],
    outcome: Outcome | None = None,
    memo: dict[str, tuple[bool, bool]] | None = None,
) -> tuple[str, ...]:
    """Risk-of-bias proxies the data holds for one study's result: the design's blinding,
    derived counts, where the figures were read (the outcome's figure_source, else the trial's
    references), a post hoc analysis and a contradicted claim."""
    out = []
    if not is_uncontrolled(trial):
        if trial.design.blinding is Blinding.OPEN_LABEL:
            out.append("open-label")
        elif trial.design.blinding is None:
            out.append("blinding not recorded")
    if any(c.derived for c in counts):
        out.append("counts derived from percentages")
    secondary_refs, contradicted = _trial_proxies(ds, trial, {} if memo is None else memo)
    if outcome is not None and outcome.figure_source is not None:
        if outcome.secondary:  # the outcome says where its figures were read
            out.append(f"figures from a secondary source ({outcome.figure_source.value})")
    elif secondary_refs:
        out.append("figures from secondary sources only")
    if outcome is not None and outcome.analysis and "post hoc" in outcome.analysis.lower():
        out.append("post hoc analysis")
    if contradicted:
        out.append("the seed's claim about it is contradicted")
    return tuple(out)


def _trial_proxies(ds: Dataset, trial: Trial, memo: dict[str, tuple[bool, bool]]) -> tuple[bool, bool]:
    """(cited only by secondary references, a seed claim about it contradicted), once per trial
    in one analysis (a trial has many outcomes, and the lookups scan the references and claims)."""
    got = memo.get(trial.id)
    if got is None:
        kinds = {ds.reference(r).kind.value for r in trial.refs}
        got = (
            bool(kinds) and kinds <= {"seed", "curation", "news", "web"},
            any(c.verdict.value == "contradicted" for c in ds.claims_about(trial.id)),
        )
        memo[trial.id] = got
    return got


# ------------------------------------------------------------------------------------------
# Continuous outcomes and reported effects


@record
class _MeansItem:
    trial: Trial
    outcome: Outcome
    treatment: ArmMeans
    control: ArmMeans
    summaries: tuple[Any, Any]  # continuous.ArmSummary of each arm


@record
class _EffectItem:
    trial: Trial
    outcome: Outcome
    effect: Any  # models.Effect
    unit: str | None


class _Others:
    """Collects the continuous outcomes and reported effects of the selected trials, then
    queues their pools: differences of means (MD or SMD, chosen per pool) and generic inverse
    variance of reported estimates, like with like as for counts."""

    def __init__(
        self,
        ds: Dataset,
        subgroup: Subgroup | None,
        refusals: list[Refusal],
        labels: dict[tuple[str, str, int | None], str],
        timepoints: dict[tuple[str, str], set[str]],
    ) -> None:
        self.ds = ds
        self.subgroup = subgroup
        self.refusals = refusals
        self.labels = labels
        self.timepoints = timepoints
        self.rows: list[ContinuousRow] = []
        self.effect_rows: list[EffectRow] = []
        self.means: list[_MeansItem] = []
        self.effects: list[_EffectItem] = []
        self.memo: dict[str, tuple[bool, bool]] = {}

    def _arm(self, trial: Trial, a: Any) -> tuple[ArmMeans, Any]:
        from mscref.evidence.continuous import arm_summary_from_model

        summary = arm_summary_from_model(a)
        declared = next((x for x in trial.arms if x.id == a.arm), None)
        from_arm = summary.n is None and declared is not None and declared.n is not None
        if from_arm and declared is not None:
            summary = _replace(summary, n=declared.n)
        sd = summary.spread()
        return (
            ArmMeans(
                a.arm,
                declared.label if declared is not None else a.arm,
                summary.n,
                summary.mean,
                sd,
                summary.sd is None and sd is not None,
                summary.median,
                summary.q1,
                summary.q3,
                a.range_low,
                a.range_high,
                a.unit,
                a.change_from_baseline,
                from_arm,
            ),
            summary,
        )

    def collect(self, trial: Trial, outcome: Outcome, counts_first: bool) -> bool:
        """Take an outcome's means, medians and reported effects; False when it has none."""
        pairs = [self._arm(trial, a) for a in outcome.arms if a.mean is not None or a.median is not None]
        if not pairs and not outcome.effects:
            return False
        ind = trial.indication or "unclassified"
        comp = comparator_class(trial)
        tp = outcome.timepoint
        design = _design_class(trial)

        def show_row(arms: list[ArmMeans], use: str, difference: Interval | None = None) -> None:
            """The outcome's row in the continuous-outcomes table, saying how it was used."""
            row = ContinuousRow(
                trial.id,
                ind,
                outcome.endpoint,
                outcome.endpoint_label,
                tp,
                comp,
                tuple(arms),
                difference=difference,
                use=use,
            )
            self.rows.append(row)

        def refuse(kind: str, reason: str) -> None:
            controlled = design == "controlled"
            self.refusals.append(
                Refusal(ind, outcome.endpoint, tp, kind, reason, trial.id, comp if controlled else None)
            )

        arms = [m for m, _s in pairs]
        shown = " vs ".join(m.shown() for m in arms)
        gate: tuple[str, str] | None = None
        if counts_first:
            gate = (
                "reported effect" if outcome.effects else "continuous",
                "counts first: this outcome's counts are analysed (see the comparisons and pools); "
                "its other figures are shown, not pooled a second time",
            )
        elif (reason := trial.pooling_exclusion(outcome)) is not None:
            gate = ("left out", f"{trial.id}: {reason}")
        elif trial.indication is None:
            gate = ("all", "the trial has no indication (unclassified): nothing to pool it with")
        elif design == "single-arm":
            gate = ("all", "single-arm: no control to compare its figures with; shown, not pooled")
        elif design == "design unknown":
            gate = ("all", "study design not recorded (neither single-arm nor controlled): shown, not pooled")
        if gate is not None:
            refuse(*gate)
            if arms:
                show_row(arms, gate[1])
            for e in outcome.effects:
                self._effect_row(trial, outcome, e, comp, gate[1])
            return True

        days = timepoint_days(outcome.timepoint)
        pool_key = (trial.indication or "unclassified", outcome.endpoint, days)
        self.labels.setdefault(pool_key, outcome.endpoint_label)
        if tp and trial.indication:
            self.timepoints[(trial.indication, outcome.endpoint)].add(tp)
        pair: _MeansItem | None = None
        row_use = ""
        if arms:
            if len(arms) == 2 and all(m.mean is not None for m in arms):
                found = _control_index(trial, cast("list[ArmCount]", arms))
                ci = 1 if found is None else found
                t, c = pairs[1 - ci], pairs[ci]
                arms = [t[0], c[0]]
                if t[0].usable and c[0].usable:
                    pair = _MeansItem(trial, outcome, t[0], c[0], (t[1], c[1]))
                    row_use = ""  # told once the pools are made
                elif any(m.sd is None for m in arms):
                    row_use = (
                        "means without an SD or SE in both arms: the variance is unknown; shown, not pooled"
                    )
                else:
                    row_use = "an arm without its size (n >= 2): shown, not pooled"
            elif any(m.mean is None and m.median is not None for m in arms):
                row_use = f"{MEDIANS} ({shown}); shown, not pooled"
            elif len(arms) == 1:
                row_use = "one arm only: no comparison; shown, not pooled"
            else:
                row_use = f"{len(arms)} arms: which pair is the comparison is not recorded; shown, not pooled"
            if pair is None:
                refuse("continuous", row_use)
            difference = None if pair is None else _mean_difference(pair.treatment, pair.control)
            show_row(arms, row_use, difference)
            if pair is not None:
                self.means.append(pair)
        for e in outcome.effects:
            measure = e.measure.value
            label = e.measure_label or measure.upper()
            if pair is not None:
                why = (
                    f"the arms' means and SDs are pooled instead (arm data first); the reported {label} "
                    "is shown, not pooled a second time"
                )
            elif measure not in _OTHER_SCALES:
                why = f"measure {label!r}: no stated scale to pool it on; shown, not pooled"
            elif e.ci_low is None or e.ci_high is None:
                why = (
                    f"the reported {label} has no confidence interval: its variance is unknown; "
                    "shown, not pooled"
                )
            else:
                self.effects.append(
                    _EffectItem(trial, outcome, e, e.unit if measure in ("md", "rd") else None)
                )
                self._effect_row(trial, outcome, e, comp, "")  # told once the pools are made
                continue
            refuse("reported effect", why)
            self._effect_row(trial, outcome, e, comp, why)
        return True

    def _effect_row(self, trial: Trial, outcome: Outcome, e: Any, comp: str, use: str) -> None:
        self.effect_rows.append(
            EffectRow(
                trial.id,
                trial.indication or "unclassified",
                outcome.endpoint,
                outcome.endpoint_label,
                outcome.timepoint,
                comp,
                e.measure.value,
                e.estimate,
                e.ci_low,
                e.ci_high,
                e.ci_level,
                e.unit,
                e.adjusted,
                use,
                e.measure_label,
            )
        )

    def _enqueue(
        self,
        pending: list[_Pending],
        kind: str,
        ind: str,
        endpoint: str,
        days: int | None,
        comp: str,
        inputs: list[_Input],
        notes: tuple[str, ...] = (),
        choice: str = "",
        unit: str | None = None,
        scale_of: str = "",
    ) -> None:
        tp = inputs[0].timepoint
        where = f", {comp}" if comp else ""
        if days is None:
            self.refusals += [
                Refusal(
                    ind, endpoint, None, kind, "no timepoint recorded; not pooled", i.trial_id, comp or None
                )
                for i in inputs
            ]
            return
        if len(inputs) < 2:
            self.refusals.append(
                Refusal(
                    ind,
                    endpoint,
                    tp,
                    kind,
                    f"only one study ({inputs[0].trial_id}{where}); nothing to pool",
                    inputs[0].trial_id,
                    comp or None,
                )
            )
            return
        _k, scale, back = _OTHER_SCALES[scale_of]
        pending.append(
            _Pending(kind, ind, endpoint, days, comp, inputs, True, scale, back, notes, choice, unit)
        )

    def _dedupe(self, ind: str, endpoint: str, kind: str, items: list[_T]) -> list[_T]:
        """One result per trial in a pool: a second (another arm, another report) is listed."""
        seen: set[str] = set()
        out = []
        for item in items:
            t: Trial = getattr(item, "trial")  # noqa: B009
            if t.id in seen:
                self.refusals.append(
                    Refusal(
                        ind,
                        endpoint,
                        getattr(item, "outcome").timepoint,  # noqa: B009
                        kind,
                        f"{t.id} has a second result for this endpoint, timepoint and comparator (another "
                        "arm or report): the first is pooled, this one is shown only",
                        t.id,
                    )
                )
                continue
            seen.add(t.id)
            out.append(item)
        return out

    def _input(
        self,
        i: _Input,
        trial: Trial,
        outcome: Outcome,
        label: str | None = None,
        means: tuple[ArmMeans, ...] = (),
    ) -> _Input:
        return _Input(
            i.trial_id,
            i.label if label is None else label,
            i.effect,
            i.variance,
            False,
            False,
            outcome.timepoint,
            (),
            subgroup_of(self.ds, trial, self.subgroup) if self.subgroup else "",
            comparator_class(trial),
            _flags(self.ds, trial, [], outcome, self.memo),
            bool(trial.design.randomized),
            means,
        )

    @staticmethod
    def _batched(
        parts: list[list[_T]], convert: Callable[[list[_T]], tuple[list[_Input], list[tuple[str, str]]]]
    ) -> list[tuple[list[_Input], list[tuple[str, str]]]]:
        """``convert`` over every part in one call (one array operation for all pools), split
        back into the parts; part by part when something was refused (the positions shift)."""
        flat = [x for part in parts for x in part]
        if not flat:
            return []
        raw, refused = convert(flat)
        if refused or len(raw) != len(flat):
            return [convert(part) for part in parts]
        out: list[tuple[list[_Input], list[tuple[str, str]]]] = []
        start = 0
        for part in parts:
            out.append((raw[start : start + len(part)], []))
            start += len(part)
        return out

    def queue(self, pending: list[_Pending]) -> None:
        """Group like outcomes and queue their pools (or list why not)."""
        self._queue_means(pending)
        self._queue_effects(pending)

    def _queue_means(self, pending: list[_Pending]) -> None:
        from functools import partial

        from mscref.evidence.continuous import ContinuousStudy, continuous_inputs

        split = self.subgroup is Subgroup.COMPARATOR
        groups: dict[tuple[str, str, int | None, str], list[_MeansItem]] = defaultdict(list)
        for m in self.means:
            comp = comparator_class(m.trial)
            key = (
                m.trial.indication or "",
                m.outcome.endpoint,
                timepoint_days(m.outcome.timepoint),
                "" if split else comp,
            )
            groups[key].append(m)
        plans: list[tuple[str, str, int | None, str, str, list[_MeansItem], list[str], str, str]] = []
        for (ind, endpoint, days, comp), items in sorted(
            groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or -1, kv[0][3])
        ):
            items = self._dedupe(ind, endpoint, "continuous", items)
            units = sorted({m.treatment.unit or "" for m in items} | {m.control.unit or "" for m in items})
            change = {m.treatment.change or m.control.change for m in items}
            notes: list[str] = []
            if len(units) == 1 and units[0]:
                measure = "md"
                choice = f"mean difference: every study reports it in the same unit ({units[0]})"
                parts = [items]
                if len(change) > 1:
                    changed = ", ".join(m.trial.id for m in items if m.treatment.change or m.control.change)
                    notes.append(
                        f"changes from baseline ({changed}) pooled with final values, as an MD may be "
                        "(Cochrane Handbook 10.5.2)"
                    )
            else:
                measure = "smd"
                why = (
                    "the studies report it in different units ("
                    + ", ".join(u or "unit not recorded" for u in units)
                    + ")"
                    if len(units) > 1
                    else "its unit is not recorded"
                )
                choice = f"standardised mean difference (Hedges' g): {why}"
                parts = [
                    [m for m in items if (m.treatment.change or m.control.change) is c]
                    for c in sorted(change)
                ]
                if len(parts) > 1:
                    notes.append(
                        "changes from baseline and final values are pooled apart: their SDs differ, "
                        "so an SMD must not mix them (Cochrane Handbook 10.5.2)"
                    )
            for part in parts:
                plans.append((ind, endpoint, days, comp, measure, part, notes, choice, units[0]))
        for measure in ("md", "smd"):
            mine = [plan for plan in plans if plan[4] == measure]
            studies = [
                [
                    ContinuousStudy(m.trial.id, m.summaries[0], m.summaries[1], m.outcome.timepoint)
                    for m in plan[5]
                ]
                for plan in mine
            ]
            converted = self._batched(studies, partial(continuous_inputs, measure=measure))
            for (ind, endpoint, days, comp, _m, part, notes, choice, unit), (raw, _refused) in zip(
                mine, converted, strict=True
            ):
                kind = _OTHER_SCALES[measure][0]
                by_id = {m.trial.id: m for m in part}
                inputs = []
                for i in raw:
                    m = by_id[i.trial_id]
                    star = "†" if m.treatment.n_from_arm or m.control.n_from_arm else ""
                    label = (
                        f"{m.trial.id} ({m.treatment.mean:g} ± {m.treatment.sd:.3g}, "
                        f"n = {m.treatment.n}{star} vs {m.control.mean:g} ± {m.control.sd:.3g}, "
                        f"n = {m.control.n}{star})"
                    )
                    inputs.append(self._input(i, m.trial, m.outcome, label, (m.treatment, m.control)))
                extra = list(notes)
                if any(m.treatment.n_from_arm or m.control.n_from_arm for m in part):
                    extra.append("† n is the arm's size: the number analysed is not reported")
                if any(m.treatment.sd_from_se or m.control.sd_from_se for m in part):
                    extra.append(
                        "an SD computed from a reported SE (SD = SE √n): "
                        + ", ".join(
                            m.trial.id for m in part if m.treatment.sd_from_se or m.control.sd_from_se
                        )
                    )
                if any("pooled apart" in n for n in notes):
                    extra.append(
                        "this pool: "
                        + (
                            "changes from baseline"
                            if part[0].treatment.change or part[0].control.change
                            else "final values"
                        )
                    )
                self._enqueue(
                    pending,
                    kind,
                    ind,
                    endpoint,
                    days,
                    comp,
                    inputs,
                    tuple(extra),
                    choice,
                    unit if measure == "md" else None,
                    measure,
                )

    def _queue_effects(self, pending: list[_Pending]) -> None:
        from mscref.evidence.continuous import reported_effect_from_model, reported_inputs

        split = self.subgroup is Subgroup.COMPARATOR
        egroups: dict[tuple[str, str, str, int | None, str, str | None], list[_EffectItem]] = defaultdict(
            list
        )
        for e in self.effects:
            comp = comparator_class(e.trial)
            key = (
                e.effect.measure.value,
                e.trial.indication or "",
                e.outcome.endpoint,
                timepoint_days(e.outcome.timepoint),
                "" if split else comp,
                e.unit,
            )
            egroups[key].append(e)
        keys = sorted(
            egroups, key=lambda k: (k[0], k[1], k[2], k[3] if k[3] is not None else -1, k[4], k[5] or "")
        )
        kept = {k: self._dedupe(k[1], k[2], _OTHER_SCALES[k[0]][0] + REPORTED, egroups[k]) for k in keys}
        converted: dict[tuple[str, str, str, int | None, str, str | None], Any] = {}
        for measure in sorted({k[0] for k in keys}):
            mine = [k for k in keys if k[0] == measure]
            reported = [
                [reported_effect_from_model(e.trial.id, e.effect, e.outcome.timepoint) for e in kept[k]]
                for k in mine
            ]
            converted.update(zip(mine, self._batched(reported, reported_inputs), strict=True))
        for key in keys:
            measure, ind, endpoint, days, comp, unit = key
            kind = _OTHER_SCALES[measure][0] + REPORTED
            items = kept[key]
            raw, refused = converted[key]
            for tid, why in refused:
                self.refusals.append(Refusal(ind, endpoint, None, kind, why, tid, comp or None))
            by_id = {e.trial.id: e for e in items}
            inputs = [self._input(i, by_id[i.trial_id].trial, by_id[i.trial_id].outcome) for i in raw]
            if not inputs:
                continue
            notes = []
            adjusted = {by_id[i.trial_id].effect.adjusted for i in inputs}
            if True in adjusted and len(adjusted) > 1:
                notes.append(
                    "adjusted and unadjusted (or unstated) estimates pooled together: "
                    "adjusted " + ", ".join(i.trial_id for i in inputs if by_id[i.trial_id].effect.adjusted)
                )
            odd = [i.trial_id for i in inputs if by_id[i.trial_id].effect.ci_level != 0.95]
            if odd:
                notes.append(
                    "SE from an interval at its own level (not 95%): "
                    + ", ".join(f"{t} ({100 * by_id[t].effect.ci_level:g}%)" for t in odd)
                )
            choice = (
                f"generic inverse variance: each reported {_OTHER_SCALES[measure][0]} and its CI as an "
                f"effect and SE on the {_OTHER_SCALES[measure][1]} scale"
            )
            self._enqueue(
                pending, kind, ind, endpoint, days, comp, inputs, tuple(notes), choice, unit, measure
            )


def _mean_difference(t: ArmMeans, c: ArmMeans) -> Interval:
    """MSC arm minus control with its 95% CI (normal; unequal variances, as the pool's MD)."""
    from statistics import NormalDist

    assert t.mean is not None and c.mean is not None and t.sd is not None and c.sd is not None
    assert t.n and c.n
    md = t.mean - c.mean
    half = NormalDist().inv_cdf(0.975) * math.sqrt(t.sd**2 / t.n + c.sd**2 / c.n)
    return Interval(md, md - half, md + half, "normal (Wald), unequal variances")


def analyse(
    ds: Dataset,
    flt: EvidenceFilter,
    ci_method: CIMethod = CIMethod.EXACT,
    measure: Measure = Measure.OR,
    tau2_method: Tau2Method = Tau2Method.REML,
    summary_ci: SummaryCI = SummaryCI.HKSJ,
    pool_method: PoolMethod = PoolMethod.IV,
    subgroup: Subgroup | None = None,
) -> Evidence:
    """Intervals for every count outcome of the selected trials, and every legitimate pool;
    every outcome with numbers that is not pooled is listed with its reason."""
    from mscref.data.gcpause import gc_paused

    with gc_paused():  # tens of thousands of small records and no cycles
        return _analyse(ds, flt, ci_method, measure, tau2_method, summary_ci, pool_method, subgroup)


def _analyse(
    ds: Dataset,
    flt: EvidenceFilter,
    ci_method: CIMethod,
    measure: Measure,
    tau2_method: Tau2Method,
    summary_ci: SummaryCI,
    pool_method: PoolMethod,
    subgroup: Subgroup | None,
) -> Evidence:
    import numpy as np

    from mscref.evidence.intervals import chi_square_p, proportion_ci
    from mscref.evidence.meta import binary_effects, double_zero, logit_proportions

    if pool_method is PoolMethod.PETO and measure is not Measure.OR:
        raise PoolingError("the Peto method gives odds ratios only: use --measure or")
    proportions: list[tuple[Trial, Outcome, str, ArmCount]] = []
    pairs: list[tuple[Trial, Outcome, ArmCount, ArmCount]] = []
    singles: list[tuple[Trial, Outcome, ArmCount]] = []
    excluded: list[str] = []
    refusals: list[Refusal] = []
    # an endpoint's label as worded by the outcomes of one pool (indication, endpoint, days), so
    # that a trial of another indication or timepoint does not rename the pool
    labels: dict[tuple[str, str, int | None], str] = {}
    timepoints: dict[tuple[str, str], set[str]] = defaultdict(set)
    kind_cmp = _MEASURE[measure][0]
    others = _Others(ds, subgroup, refusals, labels, timepoints)
    memo = others.memo  # risk-of-bias proxies of each trial, looked up once

    for trial in _selected(ds, flt):
        for outcome in trial.outcomes:
            if not _outcome_wanted(outcome, flt):
                continue
            counts = _counts(trial, outcome)
            ind = trial.indication or "unclassified"
            taken = others.collect(trial, outcome, bool(counts))
            if not counts:
                values = None if taken else _values_only(outcome)
                if values:
                    refusals.append(
                        Refusal(
                            ind,
                            outcome.endpoint,
                            outcome.timepoint,
                            "values only",
                            f"reported as values only ({values}), without counts or a measure of "
                            "spread: shown, not pooled",
                            trial.id,
                        )
                    )
                continue
            if (reason := trial.pooling_exclusion(outcome)) is not None:
                refusals.append(
                    Refusal(
                        ind,
                        outcome.endpoint,
                        outcome.timepoint,
                        "left out",
                        f"{trial.id}: {reason}",
                        trial.id,
                    )
                )
                continue
            if flt.exclude_derived and any(c.derived for c in counts):
                excluded.append(f"{trial.id} {outcome.endpoint} {outcome.timepoint or ''}".strip())
                continue
            # the pool's first wording in file order names it: records appended later never rename it
            days = timepoint_days(outcome.timepoint)
            pool_key = (trial.indication or "unclassified", outcome.endpoint, days)
            labels.setdefault(pool_key, outcome.endpoint_label)
            design = _design_class(trial)
            for c in counts:
                proportions.append((trial, outcome, design, c))
            if trial.indication is None:
                refusals.append(
                    Refusal(
                        ind,
                        outcome.endpoint,
                        outcome.timepoint,
                        "all",
                        "the trial has no indication (unclassified): nothing to pool it with",
                        trial.id,
                    )
                )
                continue
            if outcome.timepoint:
                timepoints[(trial.indication, outcome.endpoint)].add(outcome.timepoint)
            if design == "design unknown":
                refusals.append(
                    Refusal(
                        ind,
                        outcome.endpoint,
                        outcome.timepoint,
                        "all",
                        "study design not recorded (neither single-arm nor controlled): its rates are "
                        "listed, not pooled",
                        trial.id,
                    )
                )
                continue
            if design == "single-arm":
                if len(counts) == 1:
                    singles.append((trial, outcome, counts[0]))
                else:
                    refusals.append(
                        Refusal(
                            ind,
                            outcome.endpoint,
                            outcome.timepoint,
                            SINGLE,
                            f"{len(counts)} arms without a control (e.g. dose groups): each rate is "
                            "listed, none pooled as the study's rate",
                            trial.id,
                        )
                    )
                continue
            ci = _control_index(trial, counts)
            if ci is None:
                reason = (
                    "only one arm has counts: no comparison"
                    if len(counts) == 1
                    else f"{len(counts)} arms with counts: which pair is the comparison is not recorded"
                )
                refusals.append(
                    Refusal(
                        ind,
                        outcome.endpoint,
                        outcome.timepoint,
                        kind_cmp,
                        reason,
                        trial.id,
                        comparator_class(trial),
                    )
                )
                continue
            pairs.append((trial, outcome, counts[1 - ci], counts[ci]))

    # -- intervals of single proportions, one call for all
    x = np.array([c.events for *_r, c in proportions], dtype=float)
    n = np.array([c.total for *_r, c in proportions], dtype=float)
    lows, highs = proportion_ci(x, n, ci_method)
    prop_rows = tuple(
        ProportionRow(
            t.id,
            t.indication or "unclassified",
            o.endpoint,
            o.endpoint_label,
            o.timepoint,
            design,
            c,
            Interval(c.events / c.total, float(lo), float(hi), CI_NAMES[ci_method]),
        )
        for (t, o, design, c), lo, hi in zip(proportions, lows.tolist(), highs.tolist(), strict=True)
    )

    # -- two-arm comparisons, one call per method for all
    ivs = _comparison_intervals([(tr, ct) for _t, _o, tr, ct in pairs])
    a = np.array([tr.events for _t, _o, tr, _c in pairs], dtype=float)
    n1 = np.array([tr.total for _t, _o, tr, _c in pairs], dtype=float)
    c_ = np.array([ct.events for _t, _o, _tr, ct in pairs], dtype=float)
    n2 = np.array([ct.total for _t, _o, _tr, ct in pairs], dtype=float)
    pvals = chi_square_p(a, n1, c_, n2) if pairs else np.array([])
    comparisons = tuple(
        ComparisonRow(
            t.id,
            t.indication or "unclassified",
            o.endpoint,
            o.endpoint_label,
            o.timepoint,
            comparator_class(t),
            tr,
            ct,
            rd,
            rr,
            or_,
            corr,
            _none(float(p)),
            o.p_value,
        )
        for (t, o, tr, ct), (rd, rr, or_, corr), p in zip(pairs, ivs, pvals.tolist(), strict=True)
    )

    # -- pool inputs on the pooling scale, one call per measure for all
    ly, lv, lcorr = logit_proportions(
        np.array([c.events for *_r, c in singles], dtype=float),
        np.array([c.total for *_r, c in singles], dtype=float),
    )
    by, bv, bcorr = binary_effects(measure.value, a, n1, c_, n2)
    dz = double_zero(a, n1, c_, n2)

    groups: dict[tuple[str, str, str, int | None, str], list[_Input]] = defaultdict(list)
    split_comparator = subgroup is Subgroup.COMPARATOR
    for j, (t, o, c) in enumerate(singles):
        label = f"{t.id} ({c.events}/{c.total}{'*' if c.derived else ''})"
        key = (SINGLE, t.indication or "", o.endpoint, timepoint_days(o.timepoint), "")
        groups[key].append(
            _Input(
                t.id,
                label,
                float(ly[j]),
                float(lv[j]),
                c.derived,
                bool(lcorr[j]),
                o.timepoint,
                (c,),
                subgroup_of(ds, t, subgroup) if subgroup else "",
                comparator_class(t),
                _flags(ds, t, [c], o, memo),
                False,
            )
        )
    dropped: dict[tuple[str, str, str, int | None, str], list[str]] = defaultdict(list)
    dropped_at: dict[tuple[str, str], str | None] = {}  # (trial, endpoint) -> timepoint as written
    for j, (t, o, tr, ct) in enumerate(pairs):
        comp = comparator_class(t)
        key = (
            kind_cmp,
            t.indication or "",
            o.endpoint,
            timepoint_days(o.timepoint),
            "" if split_comparator else comp,
        )
        if dz[j]:
            dropped[key].append(t.id)
            dropped_at[(t.id, o.endpoint)] = o.timepoint
            continue
        star = "*" if tr.derived or ct.derived else ""
        label = f"{t.id} ({tr.events}/{tr.total}{star} vs {ct.events}/{ct.total}{star})"
        groups[key].append(
            _Input(
                t.id,
                label,
                float(by[j]),
                float(bv[j]),
                tr.derived or ct.derived,
                bool(bcorr[j]) and pool_method is PoolMethod.IV,
                o.timepoint,
                (tr, ct),
                subgroup_of(ds, t, subgroup) if subgroup else "",
                comp,
                _flags(ds, t, [tr, ct], o, memo),
                bool(t.design.randomized),
            )
        )
    for key in dropped:
        groups.setdefault(key, [])

    pending: list[_Pending] = []
    for key in sorted(groups, key=lambda k: (k[0] != SINGLE, k[1], k[2], k[3] or -1, k[4])):
        kind, ind, endpoint, days, comp = key
        inputs = groups[key]
        tp = inputs[0].timepoint if inputs else None
        where = f", {comp}" if comp else ""
        # one refusal per trial, so every outcome left out is listed under its own trial
        for trial_id in dropped.get(key, []):
            refusals.append(
                Refusal(
                    ind,
                    endpoint,
                    dropped_at[(trial_id, endpoint)],
                    kind,
                    f"no events (or only events) in both arms: left out of the {kind} pool, which "
                    f"it cannot inform (metafor's drop00): {trial_id}",
                    trial_id,
                    comp or None,
                )
            )
        if not inputs:
            continue
        if days is None:
            # one row per study, each naming its trial, as the one-study refusal below does
            for trial_id in dict.fromkeys(i.trial_id for i in inputs):
                refusals.append(
                    Refusal(
                        ind,
                        endpoint,
                        None,
                        kind,
                        f"no timepoint recorded ({trial_id}{where}); not pooled",
                        trial_id,
                        comp or None,
                    )
                )
            continue
        if len(inputs) < 2:
            refusals.append(
                Refusal(
                    ind,
                    endpoint,
                    tp,
                    kind,
                    f"only one study ({inputs[0].trial_id}{where}); nothing to pool",
                    inputs[0].trial_id,
                    comp or None,
                )
            )
            continue
        pending.append(_Pending(kind, ind, endpoint, days, comp, inputs))
    others.queue(pending)

    pooled = _pool_all(
        ds, pending, labels, dropped, measure, tau2_method, summary_ci, pool_method, subgroup, refusals
    )

    for (ind, endpoint), tps in sorted(timepoints.items()):
        if len({timepoint_days(t) for t in tps}) > 1:
            refusals.append(
                Refusal(
                    ind,
                    endpoint,
                    None,
                    "all",
                    "reported at different timepoints ("
                    + ", ".join(sorted(tps, key=lambda t: (timepoint_days(t) or 0, t)))
                    + "); each timepoint is pooled on its own, never together",
                )
            )
    return Evidence(
        ci_method,
        measure,
        tau2_method,
        prop_rows,
        comparisons,
        tuple(pooled),
        tuple(refusals),
        tuple(excluded),
        summary_ci,
        pool_method,
        subgroup,
        *_told(others, pooled, refusals),
    )


def _told(
    others: _Others, pooled: list[PooledEstimate], refusals: list[Refusal]
) -> tuple[tuple[ContinuousRow, ...], tuple[EffectRow, ...]]:
    """The continuous and reported-effect rows, each saying how it was used: in which pool, or
    why it is not pooled."""
    where: dict[tuple[str, str, int | None, str, bool], str] = {}
    for p in pooled:
        reported = p.kind.endswith(REPORTED)
        for st in p.studies:
            key = (p.indication, p.endpoint, timepoint_days(p.timepoint), st.trial_id, reported)
            where[key] = f"pooled: {p.kind}, k = {p.k}"
    why: dict[tuple[str, str, int | None, str, bool], str] = {}
    for r in refusals:
        reported = r.kind.endswith(REPORTED)
        if not (reported or r.kind in (_OTHER_SCALES["md"][0], _OTHER_SCALES["smd"][0], "continuous")):
            continue
        if r.trial_id is not None:
            why.setdefault(
                (r.indication, r.endpoint, timepoint_days(r.timepoint), r.trial_id, reported), r.reason
            )

    def use(ind: str, endpoint: str, tp: str | None, trial: str, reported: bool) -> str:
        key = (ind, endpoint, timepoint_days(tp), trial, reported)
        return where.get(key) or why.get(key) or "not pooled: see the not-pooled list"

    rows = tuple(
        r if r.use else _replace(r, use=use(r.indication, r.endpoint, r.timepoint, r.trial_id, False))
        for r in others.rows
    )
    effects = tuple(
        e if e.use else _replace(e, use=use(e.indication, e.endpoint, e.timepoint, e.trial_id, True))
        for e in others.effect_rows
    )
    return rows, effects


def _pool_all(
    ds: Dataset,
    pending: list[_Pending],
    labels: dict[tuple[str, str, int | None], str],
    dropped: dict[tuple[str, str, str, int | None, str], list[str]],
    measure: Measure,
    tau2_method: Tau2Method,
    summary_ci: SummaryCI,
    pool_method: PoolMethod,
    subgroup: Subgroup | None,
    refusals: list[Refusal],
) -> list[PooledEstimate]:
    from mscref.evidence.certainty import rate

    scales = {
        SINGLE: ("logit proportion", "expit"),
        _MEASURE[measure][0]: (_MEASURE[measure][1], _MEASURE[measure][2]),
    }
    scales.update({p.kind: (p.scale, p.back) for p in pending if p.generic})
    # random-effects fits of every inverse-variance pool at once
    iv = [p for p in pending if p.iv(pool_method)]
    fitted: dict[int, tuple[list[StudyEffect], dict[str, Any]] | str] = {}
    for kind in scales:
        batch = [p for p in iv if p.kind == kind]
        if batch:
            scale, back = scales[kind]
            for p, fit in zip(
                batch,
                _fit_iv(
                    [p.inputs for p in batch],
                    scale=scale,
                    back=back,
                    tau2_method=tau2_method,
                    summary_ci=summary_ci,
                ),
                strict=True,
            ):
                fitted[id(p)] = fit
    for p in pending:
        if id(p) not in fitted:
            scale, back = scales[p.kind]
            fitted[id(p)] = _fit_common(p.inputs, pool_method, measure, scale=scale, back=back)
    loo = _leave_one_out_all(
        [p for p in pending if isinstance(fitted[id(p)], tuple)],
        scales,
        measure,
        tau2_method,
        summary_ci,
        pool_method,
    )

    out = []
    for p in pending:
        res = fitted[id(p)]
        tp = p.inputs[0].timepoint or ""
        if isinstance(res, str):
            refusals.append(Refusal(p.indication, p.endpoint, tp, p.kind, res))
            continue
        studies, summary = res
        scale, back = scales[p.kind]
        notes = []
        derived = [i.trial_id for i in p.inputs if i.derived]
        if derived:
            notes.append(f"includes counts derived from reported percentages: {', '.join(derived)}")
        corrected = [i.trial_id for i in p.inputs if i.corrected]
        if corrected:
            notes.append(f"continuity correction {CONTINUITY} added to every cell: {', '.join(corrected)}")
        gone = dropped.get((p.kind, p.indication, p.endpoint, p.days, p.comparator))
        if gone:
            notes.append(f"left out (no events, or only events, in both arms): {', '.join(gone)}")
        shown = sorted({i.timepoint for i in p.inputs if i.timepoint})
        if len(shown) > 1:
            notes.append(f"timepoints {' = '.join(shown)} ({p.days} days)")
        if p.kind != SINGLE:
            comps = sorted({i.comparator for i in p.inputs})
            if len(comps) > 1:
                notes.append("comparator classes differ (" + ", ".join(comps) + "): see the subgroups")
        notes += p.notes
        est = PooledEstimate(
            p.indication,
            p.endpoint,
            labels.get((p.indication, p.endpoint, p.days), p.endpoint),
            tp,
            p.kind,
            scale,
            tuple(studies),
            notes=tuple(notes),
            comparator=p.comparator or ("no control" if p.kind == SINGLE else "several"),
            leave_one_out=loo.get(id(p), ()),
            measure_choice=p.choice,
            unit=p.unit,
            **summary,
        )
        est = _with_small_study(est, back)
        if subgroup is not None:
            est = _with_subgroups(
                est, p, subgroup, scale, back, measure, tau2_method, summary_ci, pool_method
            )
        out.append(_replace(est, certainty=rate(est, p.inputs)))
    return out


def _replace(obj: _T, **changes: Any) -> _T:
    import dataclasses

    return dataclasses.replace(obj, **changes)  # type: ignore[type-var]


_LOO_FIELDS = ("estimate", "ci_low", "ci_high", "tau2", "i2")


def _leave_one_out_all(
    pending: list[_Pending],
    scales: dict[str, tuple[str, str]],
    measure: Measure,
    tau2_method: Tau2Method,
    summary_ci: SummaryCI,
    pool_method: PoolMethod,
) -> dict[int, tuple[LeaveOneOut, ...]]:
    """Leave-one-out refits of every pool with k ≥ 3, the random-effects ones all at once."""
    import numpy as np

    from mscref.evidence.meta import fit_columns

    out: dict[int, tuple[LeaveOneOut, ...]] = {}
    rows: list[tuple[Any, Any]] = []
    owners: list[tuple[_Pending, int]] = []
    for p in pending:
        if len(p.inputs) < 3:
            continue
        if p.iv(pool_method):
            y = np.array([i.effect for i in p.inputs])
            v = np.array([i.variance for i in p.inputs])
            for j in range(len(p.inputs)):
                keep = np.arange(len(y)) != j
                rows.append((y[keep], v[keep]))
                owners.append((p, j))
        else:
            items = []
            for omitted in p.inputs:
                rest = [i for i in p.inputs if i is not omitted]
                res = _fit_common(rest, pool_method, measure, scale="", back=scales[p.kind][1])
                if isinstance(res, str):
                    continue
                s = res[1]
                items.append(LeaveOneOut(omitted.trial_id, s["estimate"], s["low"], s["high"], None, s["i2"]))
            out[id(p)] = tuple(items)
    # a few figures of each refit, kept as columns: a pool of k studies has k refits
    fits = fit_columns(rows, _LOO_FIELDS, tau2_method, summary_ci, profile=False)
    grouped: dict[int, list[LeaveOneOut]] = defaultdict(list)
    for (p, j), est, low, high, tau2, i2 in zip(owners, *fits.values(), strict=True):
        inv = _BACK[scales[p.kind][1]]
        grouped[id(p)].append(LeaveOneOut(p.inputs[j].trial_id, inv(est), inv(low), inv(high), tau2, i2))
    out.update({k: tuple(v) for k, v in grouped.items()})
    return out


def _with_small_study(est: PooledEstimate, back: str) -> PooledEstimate:
    import numpy as np

    from mscref.evidence.meta import egger

    if est.k < SMALL_STUDY_MIN_K:
        return _replace(
            est,
            small_study_note=f"No funnel plot or Egger's test: with k = {est.k}, fewer than "
            f"{SMALL_STUDY_MIN_K} studies, they cannot tell small-study effects from chance",
        )
    y = np.array([s.effect for s in est.studies])
    v = np.array([s.variance for s in est.studies])
    e = egger(y, v)
    return _replace(
        est,
        egger=EggerTest(e.t, e.df, e.p, _BACK[back](e.limit)),
        small_study_note=f"Egger's test (weighted regression on the standard error): t = {e.t:.2f}, "
        f"df = {e.df}, p = {e.p:.3g}",
    )


def _with_subgroups(
    est: PooledEstimate,
    p: _Pending,
    by: Subgroup,
    scale: str,
    back: str,
    measure: Measure,
    tau2_method: Tau2Method,
    summary_ci: SummaryCI,
    pool_method: PoolMethod,
) -> PooledEstimate:
    import numpy as np

    from mscref.evidence.meta import q_between, z_crit

    inv = _BACK[back]
    names = sorted({i.group for i in p.inputs})
    results: list[SubgroupResult] = []
    for name in names:
        members = [i for i in p.inputs if i.group == name]
        if len(members) == 1:
            m = members[0]
            se = math.sqrt(m.variance)
            z = z_crit()
            results.append(
                SubgroupResult(
                    name,
                    1,
                    inv(m.effect),
                    inv(m.effect - z * se),
                    inv(m.effect + z * se),
                    m.effect,
                    se,
                    None,
                    None,
                )
            )
            continue
        if p.iv(pool_method):
            ((_st, s),) = _fit_iv(
                [members], scale=scale, back=back, tau2_method=tau2_method, summary_ci=summary_ci
            )
        else:
            res = _fit_common(members, pool_method, measure, scale=scale, back=back)
            if isinstance(res, str):
                continue
            s = res[1]
        eff = (
            math.log(s["estimate"])
            if back == "exp"
            else (math.log(s["estimate"] / (1 - s["estimate"])) if back == "expit" else s["estimate"])
        )
        results.append(
            SubgroupResult(
                name, len(members), s["estimate"], s["low"], s["high"], eff, s["se"], s.get("tau2"), s["i2"]
            )
        )
    test = None
    note = ""
    if len(results) >= 2:
        q, df, pval = q_between(np.array([r.effect for r in results]), np.array([r.se for r in results]))
        test = SubgroupTest(
            by.value,
            q,
            df,
            pval,
            "Q between subgroups: fixed-effect test of the subgroup estimates, each subgroup with its own τ² "
            "(as RevMan; metafor rma(estimates, sei = se, method = 'FE'))",
        )
    else:
        note = f"one {by.value} subgroup only ({names[0]}): no test for subgroup differences"
    return _replace(
        est, subgroup_by=by.value, subgroups=tuple(results), subgroup_test=test, subgroup_note=note
    )


# ------------------------------------------------------------------------------------------
# JSON


def _clean(value: Any) -> Any:
    """Non-finite floats become None (JSON has no NaN or Infinity)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def evidence_json(ds: Dataset, ev: Evidence, *, clean: bool = True) -> dict[str, Any]:
    """Every figure, for scripts; absent figures are null with a reason beside them. With
    ``clean=False`` a NaN may remain, for an encoder that writes it as null (orjson does)."""
    out = {
        key: list(value) if isinstance(value, Iterator) else value
        for key, value in evidence_json_items(ds, ev)
    }
    return cast("dict[str, Any]", _clean(out)) if clean else out


def evidence_json_items(ds: Dataset, ev: Evidence) -> list[tuple[str, Any]]:
    """:func:`evidence_json` as its top-level keys and values in order, each list of records an
    iterator that builds one record at a time: a writer can send each on its way before the
    next is made (the evidence of 100k trials is hundreds of MB of JSON). NaN may remain."""

    def arm(c: ArmCount) -> dict[str, Any]:
        return {"arm": c.arm, "label": c.label, "events": c.events, "total": c.total, "derived": c.derived}

    def means(m: ArmMeans) -> dict[str, Any]:
        return {
            "arm": m.arm,
            "label": m.label,
            "n": m.n,
            "n_is_arm_size": m.n_from_arm,
            "mean": m.mean,
            "sd": m.sd,
            "sd_from_se": m.sd_from_se,
            "median": m.median,
            "q1": m.q1,
            "q3": m.q3,
            "range": None if m.range_low is None else [m.range_low, m.range_high],
            "unit": m.unit,
            "change_from_baseline": m.change,
        }

    def pooled(p: PooledEstimate) -> dict[str, Any]:
        cert = p.certainty
        return {
            "indication": p.indication,
            "endpoint": p.endpoint,
            "endpoint_label": p.endpoint_label,
            "timepoint": p.timepoint,
            "kind": p.kind,
            "scale": p.scale,
            "measure_choice": p.measure_choice or None,
            "unit": p.unit,
            "comparator": p.comparator,
            "model": p.model,
            "k": p.k,
            "estimate": p.estimate,
            "low": p.low,
            "high": p.high,
            "se": p.se,
            "test": {"statistic": p.stat_name, "value": p.stat, "df": p.df, "p": p.p},
            "prediction_interval": {"low": p.pi_low, "high": p.pi_high, "note": p.pi_note},
            "method": p.method,
            "heterogeneity": {
                "tau2": p.tau2,
                "tau2_ci": [p.tau2_low, p.tau2_high] if p.tau2_low is not None else None,
                "tau2_note": None if p.tau2 is not None else "a common-effect method: τ² is not estimated",
                "i2": p.i2,
                "i2_ci": [p.i2_low, p.i2_high] if p.i2_low is not None else None,
                "q": p.q,
                "df": p.q_df,
                "p": p.q_p,
            },
            "studies": [
                {
                    "trial": s.trial_id,
                    "label": s.label,
                    "estimate": s.estimate,
                    "low": s.low,
                    "high": s.high,
                    "interval_method": f"Wald on the {p.scale} scale (the interval pooled)",
                    "effect": s.effect,
                    "variance": s.variance,
                    "weight": s.weight,
                    "arms": [arm(c) for c in s.arms],
                    "arms_continuous": [means(m) for m in s.means],
                    "comparator": s.comparator,
                    "subgroup": s.group or None,
                    "derived": s.derived,
                    "continuity_corrected": s.corrected,
                }
                for s in p.studies
            ],
            "leave_one_out": [
                {
                    "omitted": x.omitted,
                    "estimate": x.estimate,
                    "low": x.low,
                    "high": x.high,
                    "tau2": x.tau2,
                    "i2": x.i2,
                }
                for x in p.leave_one_out
            ],
            "leave_one_out_note": None if p.k >= 3 else "leave-one-out needs at least 3 studies",
            "subgroups": None
            if p.subgroup_by is None
            else {
                "by": p.subgroup_by,
                "groups": [
                    {
                        "name": g.name,
                        "k": g.k,
                        "estimate": g.estimate,
                        "low": g.low,
                        "high": g.high,
                        "tau2": g.tau2,
                        "i2": g.i2,
                    }
                    for g in p.subgroups
                ],
                "test": None
                if p.subgroup_test is None
                else {
                    "q": p.subgroup_test.q,
                    "df": p.subgroup_test.df,
                    "p": p.subgroup_test.p,
                    "method": p.subgroup_test.method,
                },
                "note": p.subgroup_note or None,
            },
            "egger": None
            if p.egger is None
            else {"t": p.egger.t, "df": p.egger.df, "p": p.egger.p, "limit_estimate": p.egger.limit},
            "small_study_note": p.small_study_note,
            "certainty": None if cert is None else cert.as_dict(),
            "notes": list(p.notes),
        }

    return [
        ("ci_method", CI_NAMES[ev.ci_method]),
        ("confidence", 0.95),
        ("measure", _MEASURE[ev.measure][0]),
        ("tau2_method", ev.tau2_method.value),
        ("summary_ci", ev.summary_ci.value),
        ("pool_method", ev.pool_method.value),
        ("subgroup", ev.subgroup.value if ev.subgroup else None),
        (
            "proportions",
            (
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
            ),
        ),
        (
            "comparisons",
            (
                {
                    "trial": c.trial_id,
                    "indication": c.indication,
                    "endpoint": c.endpoint,
                    "endpoint_label": c.endpoint_label,
                    "timepoint": c.timepoint,
                    "comparator": c.comparator,
                    "treatment": arm(c.treatment),
                    "control": arm(c.control),
                    "risk_difference": c.risk_difference.as_dict(),
                    "risk_ratio": c.risk_ratio.as_dict(),
                    "odds_ratio": c.odds_ratio.as_dict(),
                    "continuity_correction": c.correction,
                    "p_value": c.p_value,
                    "p_method": "Pearson chi-square, no continuity correction",
                    "p_note": None
                    if c.p_value is not None
                    else "undefined: no events (or only events) in both arms",
                    "reported_p": c.reported_p,
                }
                for c in ev.comparisons
            ),
        ),
        (
            "continuous",
            (
                {
                    "trial": c.trial_id,
                    "indication": c.indication,
                    "endpoint": c.endpoint,
                    "endpoint_label": c.endpoint_label,
                    "timepoint": c.timepoint,
                    "comparator": c.comparator,
                    "arms": [means(m) for m in c.arms],
                    "difference": None if c.difference is None else c.difference.as_dict(),
                    "use": c.use,
                }
                for c in ev.continuous
            ),
        ),
        (
            "reported_effects",
            (
                {
                    "trial": e.trial_id,
                    "indication": e.indication,
                    "endpoint": e.endpoint,
                    "endpoint_label": e.endpoint_label,
                    "timepoint": e.timepoint,
                    "comparator": e.comparator,
                    "measure": e.measure,
                    "measure_label": e.measure_label,
                    "estimate": e.estimate,
                    "ci_low": e.low,
                    "ci_high": e.high,
                    "ci_level": e.level,
                    "unit": e.unit,
                    "adjusted": e.adjusted,
                    "use": e.use,
                }
                for e in ev.effects
            ),
        ),
        ("pooled", (pooled(p) for p in ev.pooled)),
        (
            "not_pooled",
            (
                {
                    "indication": r.indication,
                    "endpoint": r.endpoint,
                    "timepoint": r.timepoint,
                    "kind": r.kind,
                    "trial": r.trial_id,
                    "comparator": r.comparator,
                    "reason": r.reason,
                }
                for r in ev.refusals
            ),
        ),
        ("excluded_derived", list(ev.excluded)),
    ]
