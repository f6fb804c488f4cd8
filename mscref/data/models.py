"""The mscref data model: frozen dataclasses that the loader builds from the YAML files.

The YAML keys are spelled exactly as the field names, so an error path such as
``trials[3].outcomes[0].arms[1].events`` is what a curator sees in the file.

Field metadata drives validation (see :mod:`mscref.data.schema`):

- ``ref``: the value (or each value of a tuple) must name an existing record of that collection;
- ``pattern``: a regular expression the string must match in full;
- ``min`` / ``max``: bounds for numbers;
- ``date``: a partial date ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` that must exist on the calendar;
- ``doc``: the field's description (used in error hints and the JSON schema).
"""

# No ``from __future__ import annotations`` here: annotations that are already types let the
# cache's decoder (msgspec) read the field types without compiling some 200 strings at start-up.
import re
from collections.abc import Iterator, Mapping
from dataclasses import field
from enum import StrEnum
from typing import Any

from mscref.data.record import record

ID_PATTERN = r"[a-z0-9][a-z0-9-]*"
#: No count of patients, events or centres is larger than this (a guard against typos).
MAX_COUNT = 100_000_000
SLUG_PATTERN = r"[a-z0-9][a-z0-9-]*"
TIMEPOINT_PATTERN = r"(day|week|month|year) [0-9]{1,5}"
#: Registry identifiers mscref knows how to check (and link).
REGISTRY_PATTERNS: dict[str, str] = {
    "ClinicalTrials.gov": r"NCT[0-9]{8}",
    "ChiCTR": r"ChiCTR[0-9]{10}|ChiCTR-[A-Z]{2,4}-[0-9]{8}",
    "jRCT": r"jRCT[0-9]{10}",
    "CTR (China drug trials)": r"CTR[0-9]{8}",
    "EudraCT": r"[0-9]{4}-[0-9]{6}-[0-9]{2}",
    "ISRCTN": r"ISRCTN[0-9]{8}",
}
REGISTRY_PATTERN = "|".join(f"(?:{p})" for p in REGISTRY_PATTERNS.values())


def meta(
    *,
    ref: str | None = None,
    pattern: str | None = None,
    min: float | None = None,
    max: float | None = None,
    date: bool = False,
    doc: str = "",
) -> dict[str, Any]:
    """Build the metadata mapping of a dataclass field."""
    out: dict[str, Any] = {"doc": doc}
    if ref is not None:
        out["ref"] = ref
    if pattern is not None:
        out["pattern"] = pattern
    if min is not None:
        out["min"] = min
    if max is not None:
        out["max"] = max
    if date:
        out["date"] = True
    return out


def _f(default: Any = None, **kwargs: Any) -> Any:
    """A field with an immutable default and validation metadata."""
    return field(default=default, metadata=meta(**kwargs))


def _req(**kwargs: Any) -> Any:
    """A required field with validation metadata."""
    return field(metadata=meta(**kwargs))


# --------------------------------------------------------------------------------------------
# Closed vocabularies


class SourceClass(StrEnum):
    """What kind of cell source a tissue is."""

    MSC = "msc"
    MSC_PROGENITOR = "msc-progenitor"
    NON_MSC = "non-msc"


class TraitKind(StrEnum):
    ORDINAL = "ordinal"
    TEXT = "text"


class OrganSystem(StrEnum):
    IMMUNE = "immune"
    MUSCULOSKELETAL = "musculoskeletal"
    NEUROLOGICAL = "neurological"
    RESPIRATORY = "respiratory"
    CARDIOVASCULAR = "cardiovascular"
    VASCULAR = "vascular"
    RENAL = "renal"
    GASTROINTESTINAL = "gastrointestinal"
    REPRODUCTIVE = "reproductive"
    ENDOCRINE_METABOLIC = "endocrine-metabolic"
    HAEMATOLOGICAL = "haematological"
    DERMATOLOGICAL = "dermatological"
    OTHER = "other"


class ProductType(StrEnum):
    """What was given. Only ``cells`` (culture-expanded MSCs) count as MSC evidence by default;
    the others are kept out of MSC counts and pools unless asked for by name."""

    CELLS = "cells"
    EXTRACELLULAR_VESICLES = "extracellular-vesicles"
    ENGINEERED_CELLS = "engineered-cells"
    STROMAL_VASCULAR_FRACTION = "stromal-vascular-fraction"
    MARROW_CONCENTRATE = "marrow-concentrate"
    PRECURSOR_CELLS = "precursor-cells"
    MSC_DERIVED_CELLS = "msc-derived-cells"
    NON_MSC = "non-msc"


#: The product types that are culture-expanded MSCs: the default of every count and pool.
MSC_PRODUCT_TYPES = frozenset({ProductType.CELLS})


class Origin(StrEnum):
    ALLOGENEIC = "allogeneic"
    AUTOLOGOUS = "autologous"


class ApprovalStatus(StrEnum):
    APPROVED = "approved"
    CONDITIONAL = "conditional"
    WITHDRAWN = "withdrawn"


class Phase(StrEnum):
    EARLY_1 = "0"
    P1 = "1"
    P1_2 = "1/2"
    P2 = "2"
    P2_3 = "2/3"
    P3 = "3"
    P4 = "4"


class StudyType(StrEnum):
    INTERVENTIONAL = "interventional"
    EXPANDED_ACCESS = "expanded-access"
    OBSERVATIONAL = "observational"
    REGISTRY = "registry"


class Blinding(StrEnum):
    OPEN_LABEL = "open-label"
    SINGLE_BLIND = "single-blind"
    DOUBLE_BLIND = "double-blind"


class Control(StrEnum):
    NONE = "none"
    PLACEBO = "placebo"
    ACTIVE = "active"
    STANDARD_CARE = "standard-care"
    EXTERNAL = "external"


class Verdict(StrEnum):
    """How far a seed claim holds, best first."""

    VERIFIED = "verified"
    PARTLY = "partly"
    UNVERIFIED = "unverified"
    CONTRADICTED = "contradicted"


class ReferenceKind(StrEnum):
    SEED = "seed"
    ARTICLE = "article"
    REGISTRY = "registry"
    REGULATOR = "regulator"
    NEWS = "news"
    PRESS_RELEASE = "press-release"
    CONFERENCE = "conference"
    REVIEW = "review"
    WEB = "web"
    CURATION = "curation"


#: Reference kinds that report a trial at second hand.
SECONDARY_REFERENCE_KINDS = frozenset(
    {ReferenceKind.NEWS, ReferenceKind.PRESS_RELEASE, ReferenceKind.CONFERENCE, ReferenceKind.REVIEW}
)


class EffectMeasure(StrEnum):
    """The measure of a reported effect estimate."""

    HR = "hr"
    OR = "or"
    RR = "rr"
    RD = "rd"
    MD = "md"
    SMD = "smd"
    RATIO_OF_MEANS = "ratio-of-means"
    RATE_RATIO = "rate-ratio"
    OTHER = "other"


#: Measures on a ratio scale: the estimate and its interval must be above zero.
RATIO_MEASURES = frozenset(
    {
        EffectMeasure.HR,
        EffectMeasure.OR,
        EffectMeasure.RR,
        EffectMeasure.RATIO_OF_MEANS,
        EffectMeasure.RATE_RATIO,
    }
)


class OutcomeKind(StrEnum):
    BINARY = "binary"
    CONTINUOUS = "continuous"
    TIME_TO_EVENT = "time-to-event"


class FigureSource(StrEnum):
    """Where an outcome's figures were read: the trial's own publication or registry results, or
    a secondary source (a conference report, a review's table, news, a press release)."""

    PRIMARY = "primary"
    REGISTRY = "registry"
    CONFERENCE = "conference"
    REVIEW = "review"
    NEWS = "news"
    PRESS_RELEASE = "press-release"
    SECONDARY = "secondary"


#: Figure sources that are not the trial's own report.
SECONDARY_SOURCES = frozenset(
    {
        FigureSource.CONFERENCE,
        FigureSource.REVIEW,
        FigureSource.NEWS,
        FigureSource.PRESS_RELEASE,
        FigureSource.SECONDARY,
    }
)


class Route(StrEnum):
    """How a product was given; 'other' needs the arm's free-text ``route``."""

    INTRAVENOUS = "intravenous"
    INTRA_ARTERIAL = "intra-arterial"
    INTRA_ARTICULAR = "intra-articular"
    INTRATHECAL = "intrathecal"
    INTRAMUSCULAR = "intramuscular"
    INTRALESIONAL = "intralesional"
    INTRACORONARY = "intracoronary"
    TRANSENDOCARDIAL = "transendocardial"
    INTRAMYOCARDIAL = "intramyocardial"
    INTRACEREBRAL = "intracerebral"
    INTRANASAL = "intranasal"
    INHALED = "inhaled"
    SUBCUTANEOUS = "subcutaneous"
    INTRADERMAL = "intradermal"
    TOPICAL = "topical"
    INTRAOVARIAN = "intraovarian"
    INTRAHEPATIC = "intrahepatic"
    OTHER = "other"


class StatementCategory(StrEnum):
    MECHANISM = "mechanism"
    SAFETY_RISK = "safety-risk"
    MANUFACTURING_CHALLENGE = "manufacturing-challenge"
    CONTEXT = "context"


# --------------------------------------------------------------------------------------------
# Partial dates


_DATE_RE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


def date_problem(text: str) -> str | None:
    """Why ``text`` is not a valid partial date, or None when it is one."""
    import calendar

    m = _DATE_RE.fullmatch(text)
    if m is None:
        return f"expected a date YYYY, YYYY-MM or YYYY-MM-DD, got {text!r}"
    year = int(m.group(1))
    if not 1900 <= year <= 2100:
        return f"year {year} is out of range 1900-2100 in {text!r}"
    if m.group(2) is not None:
        month = int(m.group(2))
        if not 1 <= month <= 12:
            return f"month {month} does not exist in {text!r}"
        if m.group(3) is not None:
            day = int(m.group(3))
            last = calendar.monthrange(year, month)[1]
            if not 1 <= day <= last:
                return f"day {day} does not exist in {text!r} (that month has {last} days)"
    return None


def timepoint_days(timepoint: str | None) -> int | None:
    """A timepoint such as ``week 4`` in days (28), so like can be pooled with like."""
    if timepoint is None:
        return None
    unit, _, num = timepoint.partition(" ")
    factor = {"day": 1, "week": 7, "month": 30, "year": 365}[unit]
    return int(num) * factor


# --------------------------------------------------------------------------------------------
# A problem found by a record's own consistency checks: (relative path, message)
Check = tuple[str, str]


# --------------------------------------------------------------------------------------------
# Sources


@record(kw_only=True)
class Level:
    """One step of the ordinal scale, lowest first in the file."""

    id: str = _req(pattern=SLUG_PATTERN, doc="level id, e.g. 'high'")
    name: str = _req(doc="English label")
    name_zh: str = _req(doc="Chinese label")
    aliases: tuple[str, ...] = _f((), doc="other wordings of the level (e.g. 极强, 中等)")


@record(kw_only=True)
class Trait:
    id: str = _req(pattern=SLUG_PATTERN, doc="trait id, e.g. 'immunogenicity'")
    name: str = _req(doc="English name")
    name_zh: str = _req(doc="Chinese name as in the seed's table")
    kind: TraitKind = _req(doc="'ordinal' (ranked on the scale) or 'text'")
    description: str | None = _f(doc="what a higher level means")


@record(kw_only=True)
class TraitValue:
    level: str | None = _f(ref="levels", doc="level on the ordinal scale; null when not on it")
    text: str | None = _f(doc="English wording")
    text_zh: str | None = _f(doc="the seed's original wording")
    indications: tuple[str, ...] = _f((), ref="indications", doc="indications the text names")
    refs: tuple[str, ...] = _f((), ref="references")

    def checks(self) -> Iterator[Check]:
        if self.level is None and self.text is None and self.text_zh is None:
            yield "", "a trait value needs a level, a text or a text_zh"


@record(kw_only=True)
class Source:
    id: str = _req(pattern=ID_PATTERN, doc="short id, e.g. 'uc'")
    abbreviation: str | None = _f(doc="abbreviation, e.g. 'UC-MSCs'")
    name: str = _req(doc="English name")
    name_zh: str = _req(doc="Chinese name")
    aliases: tuple[str, ...] = _f((), doc="other names in any language")
    category: SourceClass = _req(doc="msc, msc-progenitor or non-msc")
    parent: str | None = _f(ref="sources", doc="broader source this one belongs to")
    description: str | None = _f(doc="English prose")
    description_zh: str | None = _f(doc="the seed's prose")
    traits: Mapping[str, TraitValue] = field(
        default_factory=dict, metadata=meta(ref="traits", doc="trait id -> value")
    )
    refs: tuple[str, ...] = _f((), ref="references")


@record(kw_only=True)
class SourcesFile:
    levels: tuple[Level, ...] = _req(doc="the ordinal scale, lowest first")
    traits: tuple[Trait, ...] = _req(doc="the traits compared, in display order")
    sources: tuple[Source, ...] = _req()


# --------------------------------------------------------------------------------------------
# Indications


@record(kw_only=True)
class Indication:
    id: str = _req(pattern=ID_PATTERN)
    name: str = _req()
    name_zh: str = _req()
    aliases: tuple[str, ...] = _f(())
    system: OrganSystem = _req(doc="organ-system category")
    parent: str | None = _f(ref="indications", doc="broader indication")


@record(kw_only=True)
class IndicationsFile:
    indications: tuple[Indication, ...] = _req()


# --------------------------------------------------------------------------------------------
# References


@record(kw_only=True)
class Reference:
    id: str = _req(pattern=ID_PATTERN)
    kind: ReferenceKind = _req()
    title: str | None = _f()
    authors: str | None = _f()
    journal: str | None = _f()
    year: int | None = _f(min=1900, max=2100)
    volume: str | None = _f()
    issue: str | None = _f()
    pages: str | None = _f()
    doi: str | None = _f(pattern=r"10\.[0-9]{4,9}/\S+")
    pmid: str | None = _f(pattern=r"[0-9]{1,9}")
    pmcid: str | None = _f(pattern=r"PMC[0-9]+")
    registry_id: str | None = _f(pattern=REGISTRY_PATTERN)
    url: str | None = _f(pattern=r"https?://\S+")
    publisher: str | None = _f()
    note: str | None = _f()

    @property
    def has_locator(self) -> bool:
        """Whether a reader can find it: a DOI, PMID, PMCID, URL or registry id."""
        return any((self.doi, self.pmid, self.pmcid, self.url, self.registry_id))

    def checks(self) -> Iterator[Check]:
        if not any((self.title, self.doi, self.pmid, self.pmcid, self.registry_id, self.url)) and not (
            self.authors and self.year
        ):
            yield (
                "",
                (
                    "a reference needs at least one of title, doi, pmid, pmcid, registry_id, url "
                    "(or authors with year)"
                ),
            )


@record(kw_only=True)
class ReferencesFile:
    references: tuple[Reference, ...] = _req()


# --------------------------------------------------------------------------------------------
# Products and trials


@record(kw_only=True)
class Approval:
    agency: str = _req(doc="the agency's name at the time, e.g. 'FDA (CBER)', 'KFDA'")
    agency_now: str | None = _f(doc="the agency's current name when it was renamed (KFDA -> MFDS)")
    region: str = _req(doc="country or region, e.g. 'US', 'EU'")
    date: str | None = _f(date=True, doc="approval date; partial dates allowed")
    status: ApprovalStatus = _req()
    status_date: str | None = _f(date=True, doc="date of the current status (e.g. withdrawal)")
    trade_name: str | None = _f()
    indication: str | None = _f(ref="indications")
    verified: bool = _f(True, doc="false when the curation notes could not confirm it")
    note: str | None = _f()
    refs: tuple[str, ...] = _req(ref="references")

    def checks(self) -> Iterator[Check]:
        if not self.refs:
            yield "refs", "an approval needs at least one reference"
        if self.status is ApprovalStatus.WITHDRAWN and self.status_date is None:
            yield "status_date", "a withdrawn approval needs the date of withdrawal"
        if self.date and self.status_date and self.status_date < self.date[: len(self.status_date)]:
            yield "status_date", f"{self.status_date} is before the approval date {self.date}"


@record(kw_only=True)
class Milestone:
    date: str | None = _f(date=True)
    event: str = _req()
    event_zh: str | None = _f()
    verified: bool = _f(True)
    refs: tuple[str, ...] = _req(ref="references")


@record(kw_only=True)
class Product:
    id: str = _req(pattern=ID_PATTERN)
    name: str = _req(doc="English (or international) name")
    name_zh: str | None = _f()
    aliases: tuple[str, ...] = _f(())
    sponsor: str | None = _f()
    sponsor_zh: str | None = _f()
    product_type: ProductType = _req()
    source: str | None = _f(ref="sources", doc="source tissue; null when unknown")
    origin: Origin | None = _f(doc="allogeneic or autologous; null when unknown")
    indication: str = _req(ref="indications")
    approvals: tuple[Approval, ...] = _f(())
    milestones: tuple[Milestone, ...] = _f(())
    notes: str | None = _f()
    refs: tuple[str, ...] = _req(ref="references")


@record(kw_only=True)
class Design:
    randomized: bool | None = _f()
    blinding: Blinding | None = _f()
    control: Control | None = _f(doc="kind of control; 'none' for a single-arm study")
    control_text: str | None = _f(doc="what the control was")
    allocation: str | None = _f(pattern=r"[0-9]+(:[0-9]+)+", doc="randomization ratio, e.g. 2:1")
    centres: int | None = _f(min=1, max=MAX_COUNT)
    multicentre: bool | None = _f()

    def checks(self) -> Iterator[Check]:
        if self.control is Control.NONE and self.randomized:
            yield "randomized", "a randomized study cannot have control 'none'"
        if self.allocation and self.randomized is False:
            yield "allocation", "an allocation ratio needs randomized: true"
        if (
            self.centres is not None
            and self.multicentre is not None
            and (self.centres > 1) != self.multicentre
        ):
            yield "multicentre", f"multicentre: {self.multicentre} disagrees with centres: {self.centres}"


@record(kw_only=True)
class Arm:
    id: str = _req(pattern=SLUG_PATTERN)
    label: str = _req()
    n: int | None = _f(min=1, max=MAX_COUNT)
    n_derived: bool = _f(False, doc="true when n was computed, not reported")
    intervention: str | None = _f()
    dose: str | None = _f(doc="the dose as the source words it")
    route: str | None = _f(doc="the route as the source words it")
    schedule: str | None = _f(doc="the schedule as the source words it")
    cells_per_kg: float | None = _f(min=0, doc="cells per kg body weight per dose, as a plain number")
    cells_per_dose: float | None = _f(min=0, doc="total cells per dose (a fixed dose), as a plain number")
    doses: int | None = _f(min=1, max=MAX_COUNT, doc="number of doses given")
    interval_days: float | None = _f(min=0, doc="days between doses")
    routes: tuple[Route, ...] = _f((), doc="route(s) of administration; 'other' needs the text in route")

    def checks(self) -> Iterator[Check]:
        for name in ("cells_per_kg", "cells_per_dose", "interval_days"):
            if getattr(self, name) == 0:
                yield name, f"{name} must be above 0"
        if self.doses == 1 and self.interval_days is not None:
            yield "interval_days", "a single dose has no interval"
        if Route.OTHER in self.routes and self.route is None:
            yield "route", "route 'other' needs the route in words"
        if len(set(self.routes)) != len(self.routes):
            yield "routes", "a route is listed twice"


def _interval_checks(
    point: float | None, low: float | None, high: float | None, level: float, ratio: bool = False
) -> Iterator[Check]:
    """A confidence interval: both ends, ordered, around its point, at a level within (0, 1)."""
    if (low is None) != (high is None):
        yield "ci_high" if high is None else "ci_low", "ci_low and ci_high go together"
        return
    if not 0 < level < 1:
        yield "ci_level", f"ci_level must be between 0 and 1 (0.95 for a 95% CI), got {level:g}"
    if low is None or high is None:
        return
    if low > high:
        yield "ci_low", f"ci_low ({low:g}) is above ci_high ({high:g})"
    elif point is not None and not low <= point <= high:
        yield "ci_low", f"the interval {low:g} to {high:g} does not contain its estimate {point:g}"
    if ratio and low <= 0:
        yield "ci_low", f"a ratio's interval must be above 0, got {low:g}"


@record(kw_only=True)
class ArmResult:
    """One arm's figures for one outcome: a count (events/total), a single value, or a summary
    of a continuous measure (mean with SD/SE, median with IQR/range), as the source reports it."""

    arm: str = _req(doc="id of one of the trial's arms")
    events: int | None = _f(min=0, max=MAX_COUNT)
    total: int | None = _f(min=1, max=MAX_COUNT)
    value: float | None = _f(doc="the reported value (e.g. a percentage)")
    unit: str | None = _f(doc="unit of value, mean and median, e.g. '%', 'months', 'points', 'mmHg'")
    n_analysed: int | None = _f(min=1, max=MAX_COUNT, doc="participants the figure is computed on")
    mean: float | None = _f()
    sd: float | None = _f(min=0, doc="standard deviation of the mean's data")
    se: float | None = _f(min=0, doc="standard error of the mean")
    median: float | None = _f()
    iqr_low: float | None = _f(doc="first quartile (Q1)")
    iqr_high: float | None = _f(doc="third quartile (Q3)")
    range_low: float | None = _f(doc="minimum")
    range_high: float | None = _f(doc="maximum")
    ci_low: float | None = _f(doc="confidence interval of value (else of mean, else of median)")
    ci_high: float | None = _f()
    ci_level: float = _f(0.95, doc="confidence level, 0.95 for a 95% CI")
    change_from_baseline: bool = _f(False, doc="true when the figures are changes from baseline")
    derived: bool = _f(False, doc="true when events/total were computed, not reported")
    derivation: str | None = _f(doc="how a derived figure was computed, e.g. 'CR 6 + PR 9'")
    note: str | None = _f()

    @property
    def point(self) -> float | None:
        """The figure a confidence interval belongs to."""
        for x in (self.value, self.mean, self.median):
            if x is not None:
                return x
        return None

    def checks(self) -> Iterator[Check]:
        too_many = self.events is not None and self.total is not None and self.events > self.total
        if too_many:
            yield "events", f"events ({self.events}) exceed total ({self.total})"
        if (self.events is None) != (self.total is None):
            yield "total" if self.total is None else "events", "events and total go together"
        if self.unit == "%" and self.value is not None:
            if not 0 <= self.value <= 100:
                yield "value", f"a percentage must be within 0-100, got {self.value:g}"
            elif self.events is not None and self.total and not too_many:
                pct = 100 * self.events / self.total
                if abs(pct - self.value) > 0.5 + 1e-9:
                    yield (
                        "value",
                        f"{self.value:g}% disagrees with {self.events}/{self.total} = {pct:.1f}%",
                    )
        if self.unit is None:
            for name in ("value", "mean", "median"):
                if getattr(self, name) is not None:
                    yield "unit", f"a {name} needs its unit"
                    break
        if self.n_analysed is not None and self.total is not None and self.total > self.n_analysed:
            yield "total", f"total ({self.total}) exceeds n_analysed ({self.n_analysed})"
        if (self.sd is not None or self.se is not None) and self.mean is None:
            yield "mean", "an SD or SE needs its mean"
        if (self.iqr_low is None) != (self.iqr_high is None):
            yield "iqr_high" if self.iqr_high is None else "iqr_low", "iqr_low and iqr_high go together"
        elif self.iqr_low is not None and self.iqr_high is not None:
            if self.median is None:
                yield "median", "an IQR needs its median"
            elif not self.iqr_low <= self.median <= self.iqr_high:
                yield (
                    "iqr_low",
                    f"the IQR must be ordered Q1 <= median <= Q3, got {self.iqr_low:g}, "
                    f"{self.median:g}, {self.iqr_high:g}",
                )
        if (self.range_low is None) != (self.range_high is None):
            missing = "range_high" if self.range_high is None else "range_low"
            yield missing, "range_low and range_high go together"
        elif self.range_low is not None and self.range_high is not None:
            inside = [x for x in (self.median, self.mean, self.iqr_low, self.iqr_high) if x is not None]
            lo, hi = self.range_low, self.range_high
            if lo > hi or any(not lo <= x <= hi for x in inside):
                yield (
                    "range_low",
                    f"the range {self.range_low:g} to {self.range_high:g} must be ordered and hold "
                    "the median, mean and quartiles",
                )
        yield from _interval_checks(self.point, self.ci_low, self.ci_high, self.ci_level)
        if self.derivation is not None and not self.derived:
            yield "derived", "a derivation needs derived: true"
        if self.derived and self.derivation is None:
            yield "derivation", "a derived figure needs its derivation (how it was computed)"


@record(kw_only=True)
class Effect:
    """A reported effect estimate comparing two arms (e.g. HR 1.2, OR 1.33, ANCOVA difference 7.4)."""

    measure: EffectMeasure = _req(doc="hr, or, rr, rd, md, smd, ratio-of-means, rate-ratio or other")
    measure_label: str | None = _f(doc="the measure as the source words it (required for 'other')")
    estimate: float = _req()
    unit: str | None = _f(doc="unit of a difference (e.g. 'mmHg', 'percentage points')")
    ci_low: float | None = _f()
    ci_high: float | None = _f()
    ci_level: float = _f(0.95, doc="confidence level, 0.95 for a 95% CI")
    p_value: str | None = _f(pattern=r"[<>=]?\s?(0(\.[0-9]+)?|1(\.0+)?)", doc="as reported")
    adjusted: bool | None = _f(doc="true for an adjusted estimate (e.g. ANCOVA), false for a crude one")
    analysis: str | None = _f(doc="analysis population, e.g. 'ITT', 'mITT', 'per-protocol'")
    arm: str | None = _f(doc="id of the arm compared (usually the MSC arm)")
    comparator: str | None = _f(doc="id of the arm it is compared with")
    note: str | None = _f()
    refs: tuple[str, ...] = _f((), ref="references")

    def checks(self) -> Iterator[Check]:
        ratio = self.measure in RATIO_MEASURES
        if ratio and self.estimate <= 0:
            yield "estimate", f"a ratio ({self.measure.value}) must be above 0, got {self.estimate:g}"
        yield from _interval_checks(self.estimate, self.ci_low, self.ci_high, self.ci_level, ratio)
        if self.measure is EffectMeasure.OTHER and self.measure_label is None:
            yield "measure_label", "measure 'other' needs the measure in words"
        if self.arm is not None and self.arm == self.comparator:
            yield "comparator", "an arm cannot be compared with itself"


@record(kw_only=True)
class SafetyArm:
    """One arm's safety counts: participants, not events."""

    arm: str = _req(doc="id of one of the trial's arms")
    total: int | None = _f(min=1, max=MAX_COUNT, doc="participants assessed for safety")
    sae: int | None = _f(min=0, max=MAX_COUNT, doc="participants with at least one serious adverse event")
    deaths: int | None = _f(min=0, max=MAX_COUNT)
    related_sae: int | None = _f(min=0, max=MAX_COUNT, doc="participants with a treatment-related SAE")
    related_ae: int | None = _f(min=0, max=MAX_COUNT, doc="participants with a treatment-related AE")
    note: str | None = _f()

    def checks(self) -> Iterator[Check]:
        counts = ("sae", "deaths", "related_sae", "related_ae")
        if all(getattr(self, c) is None for c in counts) and self.note is None:
            yield "", "a safety arm needs a count (sae, deaths, related_sae, related_ae) or a note"
        if self.total is not None:
            for c in counts:
                x = getattr(self, c)
                if x is not None and x > self.total:
                    yield c, f"{c} ({x}) exceeds total ({self.total})"
        if self.related_sae is not None and self.sae is not None and self.related_sae > self.sae:
            yield "related_sae", f"related_sae ({self.related_sae}) exceeds sae ({self.sae})"


@record(kw_only=True)
class Safety:
    """Serious adverse events and deaths per arm, with treatment-related events where reported."""

    timepoint: str | None = _f(pattern=TIMEPOINT_PATTERN, doc="end of the safety follow-up, if stated")
    arms: tuple[SafetyArm, ...] = _req()
    related: str | None = _f(doc="what the source says of treatment-related events, in words")
    figure_source: FigureSource | None = _f(doc="primary publication, registry, or a secondary source")
    note: str | None = _f()
    refs: tuple[str, ...] = _f((), ref="references")

    @property
    def secondary_source(self) -> bool:
        return self.figure_source in SECONDARY_SOURCES

    def checks(self) -> Iterator[Check]:
        if not self.arms:
            yield "arms", "a safety block needs at least one arm"
        seen: set[str] = set()
        for i, a in enumerate(self.arms):
            if a.arm in seen:
                yield f"arms[{i}].arm", f"arm {a.arm!r} is listed twice"
            seen.add(a.arm)


@record(kw_only=True)
class Outcome:
    endpoint: str = _req(pattern=SLUG_PATTERN, doc="endpoint id, e.g. 'overall-response'")
    endpoint_label: str = _req(doc="the endpoint as the source words it")
    timepoint: str | None = _f(pattern=TIMEPOINT_PATTERN, doc="e.g. 'day 28', 'week 24'")
    primary: bool | None = _f()
    analysis: str | None = _f(doc="analysis population, e.g. 'ITT', 'mITT', 'per-protocol', 'post hoc'")
    kind: OutcomeKind | None = _f(doc="binary, continuous or time-to-event")
    arms: tuple[ArmResult, ...] = _f(())
    effects: tuple[Effect, ...] = _f((), doc="effect estimates as reported (HR, OR, MD …)")
    p_value: str | None = _f(pattern=r"[<>=]?\s?(0(\.[0-9]+)?|1(\.0+)?)", doc="as reported")
    met: bool | None = _f(doc="whether a primary endpoint was met")
    result: str | None = _f(doc="the result in words")
    figure_source: FigureSource | None = _f(
        doc=(
            "where the figures were read: primary, registry, or a secondary source "
            "(conference, review, news, press-release, secondary)"
        )
    )
    no_pooling: str | None = _f(doc="why this outcome's counts must stay out of any pooling")
    refs: tuple[str, ...] = _f((), ref="references")

    @property
    def secondary(self) -> bool:
        """Whether the figures come from a secondary source (news, a review's table …)."""
        return self.figure_source in SECONDARY_SOURCES

    def checks(self) -> Iterator[Check]:
        seen: set[str] = set()
        for i, a in enumerate(self.arms):
            if a.arm in seen:
                yield f"arms[{i}].arm", f"arm {a.arm!r} is listed twice"
            seen.add(a.arm)
        if not self.arms and not self.effects and self.result is None:
            yield "", "an outcome needs arms, effects or a result"
        if self.kind is OutcomeKind.CONTINUOUS:
            for i, a in enumerate(self.arms):
                if a.events is not None:
                    yield f"arms[{i}].events", "a continuous outcome has no events/total"
        if self.kind is OutcomeKind.BINARY:
            for i, a in enumerate(self.arms):
                if a.mean is not None or a.median is not None:
                    yield f"arms[{i}]", "a binary outcome has no mean or median; use kind: continuous"


class RegistryStatus(StrEnum):
    """ClinicalTrials.gov overall status."""

    NOT_YET_RECRUITING = "NOT_YET_RECRUITING"
    RECRUITING = "RECRUITING"
    ENROLLING_BY_INVITATION = "ENROLLING_BY_INVITATION"
    ACTIVE_NOT_RECRUITING = "ACTIVE_NOT_RECRUITING"
    SUSPENDED = "SUSPENDED"
    TERMINATED = "TERMINATED"
    COMPLETED = "COMPLETED"
    WITHDRAWN = "WITHDRAWN"
    AVAILABLE = "AVAILABLE"
    NO_LONGER_AVAILABLE = "NO_LONGER_AVAILABLE"
    TEMPORARILY_NOT_AVAILABLE = "TEMPORARILY_NOT_AVAILABLE"
    APPROVED_FOR_MARKETING = "APPROVED_FOR_MARKETING"
    WITHHELD = "WITHHELD"
    UNKNOWN = "UNKNOWN"


class RegistryPhase(StrEnum):
    NA = "NA"
    EARLY_PHASE1 = "EARLY_PHASE1"
    PHASE1 = "PHASE1"
    PHASE2 = "PHASE2"
    PHASE3 = "PHASE3"
    PHASE4 = "PHASE4"


class EnrollmentType(StrEnum):
    ACTUAL = "ACTUAL"
    ESTIMATED = "ESTIMATED"


class Allocation(StrEnum):
    RANDOMIZED = "RANDOMIZED"
    NON_RANDOMIZED = "NON_RANDOMIZED"
    NA = "NA"


class Masking(StrEnum):
    NONE = "NONE"
    SINGLE = "SINGLE"
    DOUBLE = "DOUBLE"
    TRIPLE = "TRIPLE"
    QUADRUPLE = "QUADRUPLE"


class InterventionModel(StrEnum):
    SINGLE_GROUP = "SINGLE_GROUP"
    PARALLEL = "PARALLEL"
    CROSSOVER = "CROSSOVER"
    FACTORIAL = "FACTORIAL"
    SEQUENTIAL = "SEQUENTIAL"


class RegistryStudyType(StrEnum):
    INTERVENTIONAL = "INTERVENTIONAL"
    OBSERVATIONAL = "OBSERVATIONAL"
    EXPANDED_ACCESS = "EXPANDED_ACCESS"


@record(kw_only=True)
class RegistryIntervention:
    name: str = _req()
    type: str | None = _f(doc="the registry's intervention type, e.g. BIOLOGICAL")
    description: str | None = _f()


@record(kw_only=True)
class RegistryRecord:
    """What a registry says of a trial, as imported; ``mscref import`` owns this block and
    replaces it on every import, while the trial's other fields stay as the curator left them."""

    registry: str = _f("ClinicalTrials.gov")
    id: str = _req(pattern=REGISTRY_PATTERN)
    brief_title: str | None = _f()
    official_title: str | None = _f()
    overall_status: RegistryStatus | None = _f()
    study_type: RegistryStudyType | None = _f()
    phases: tuple[RegistryPhase, ...] = _f(())
    enrollment: int | None = _f(min=0, max=MAX_COUNT)
    enrollment_type: EnrollmentType | None = _f()
    start_date: str | None = _f(date=True)
    completion_date: str | None = _f(date=True)
    sponsor: str | None = _f()
    conditions: tuple[str, ...] = _f(())
    unmatched_conditions: tuple[str, ...] = _f((), doc="conditions no indication alias matched")
    interventions: tuple[RegistryIntervention, ...] = _f(())
    allocation: Allocation | None = _f()
    masking: Masking | None = _f()
    intervention_model: InterventionModel | None = _f()
    countries: tuple[str, ...] = _f(())
    source_evidence: str | None = _f(doc="the words the source tissue was read from, or why unknown")
    origin_evidence: str | None = _f(doc="the words allogeneic/autologous was read from")
    has_results: bool = _f(False)
    flags: tuple[str, ...] = _f((), doc="what a curator should check")


@record(kw_only=True)
class Trial:
    id: str = _req(pattern=ID_PATTERN)
    title: str = _req(doc="short descriptive title")
    registry_ids: tuple[str, ...] = _f((), pattern=REGISTRY_PATTERN)
    product: str | None = _f(ref="products", doc="the product record, when there is one")
    intervention: str | None = _f(doc="what was given, when there is no product record")
    product_type: ProductType | None = _f(doc="defaults to the product's")
    source: str | None = _f(ref="sources", doc="source tissue; null when unknown")
    origin: Origin | None = _f()
    indication: str | None = _req(ref="indications", doc="null when no indication matches (unclassified)")
    population: str | None = _f()
    study_type: StudyType = _f(StudyType.INTERVENTIONAL)
    phase: Phase | None = _f()
    phase_label: str | None = _f(doc="the phase as the source words it, e.g. '1b/2a'")
    design: Design = field(default_factory=Design, metadata=meta())
    countries: tuple[str, ...] = _f(())
    period: str | None = _f(doc="when it ran, as reported")
    n: int | None = _f(min=1, max=MAX_COUNT, doc="patients treated or randomized (see n_label)")
    n_label: str | None = _f(doc="what n counts, e.g. 'randomized', 'treated and evaluated'")
    registry_n: int | None = _f(min=1, max=MAX_COUNT, doc="enrolment on the registry, when it differs")
    arms: tuple[Arm, ...] = _f(())
    outcomes: tuple[Outcome, ...] = _f(())
    safety: tuple[Safety, ...] = _f((), doc="serious adverse events and deaths per arm")
    status: str | None = _f(doc="e.g. 'completed', 'no results published'")
    contradiction: str | None = _f(
        doc="how the trial's own source contradicts itself; its counts are kept out of any pooling"
    )
    notes: str | None = _f()
    registry: RegistryRecord | None = _f(doc="the registry's record, written by mscref import")
    refs: tuple[str, ...] = _f((), ref="references")

    def checks(self) -> Iterator[Check]:
        if self.product is None and self.intervention is None:
            yield "intervention", "a trial needs a product or an intervention"
        if not self.refs and self.registry is None:
            yield "refs", "a trial needs at least one reference (or a registry record, which cites itself)"
        if self.registry is not None and self.registry.id not in self.registry_ids:
            yield "registry_ids", f"registry_ids must list the registry record's id {self.registry.id}"
        arm_ids = [a.id for a in self.arms]
        arm_n = {a.id: a.n for a in self.arms}  # every arm id, with its n (None when unknown)
        if len(arm_n) < len(arm_ids):
            for i, arm_id in enumerate(arm_ids):
                if arm_id in arm_ids[:i]:
                    yield f"arms[{i}].id", f"arm id {arm_id!r} is used twice"

        def unknown(arm: str) -> str:
            return f"unknown arm {arm!r}; arms are: {', '.join(arm_ids) or '(none declared)'}"

        for i, o in enumerate(self.outcomes):
            for j, a in enumerate(o.arms):
                if a.arm not in arm_n:
                    yield f"outcomes[{i}].arms[{j}].arm", unknown(a.arm)
                n = arm_n.get(a.arm)
                if n:
                    for name, x in (("total", a.total), ("n_analysed", a.n_analysed)):
                        if x and x > n:
                            yield f"outcomes[{i}].arms[{j}].{name}", f"{name} ({x}) exceeds the arm's n ({n})"
            for j, e in enumerate(o.effects):
                for name, named in (("arm", e.arm), ("comparator", e.comparator)):
                    if named is not None and named not in arm_n:
                        yield f"outcomes[{i}].effects[{j}].{name}", unknown(named)
        for i, sf in enumerate(self.safety):
            for j, sa in enumerate(sf.arms):
                if sa.arm not in arm_n:
                    yield f"safety[{i}].arms[{j}].arm", unknown(sa.arm)
                n = arm_n.get(sa.arm)
                if n and sa.total and sa.total > n:
                    yield f"safety[{i}].arms[{j}].total", f"total ({sa.total}) exceeds the arm's n ({n})"
        sizes = [a.n for a in self.arms]
        if self.n is not None and sizes and all(x is not None for x in sizes):
            total = sum(x for x in sizes if x is not None)
            if total > self.n:
                yield "arms", f"the arms' n add up to {total}, more than the trial's n ({self.n})"

    def pooling_exclusion(self, outcome: Outcome) -> str | None:
        """Why an outcome's counts must stay out of any pooling, or None when they may be pooled."""
        if self.contradiction is not None:
            return f"the trial's source contradicts itself ({self.contradiction}); not pooled"
        if outcome.no_pooling is not None:
            return f"{outcome.no_pooling}; not pooled"
        return None


@record(kw_only=True)
class TrialsFile:
    products: tuple[Product, ...] = _f(())
    trials: tuple[Trial, ...] = _req()


# --------------------------------------------------------------------------------------------
# Claims and statements


@record(kw_only=True)
class Claim:
    id: str = _req(pattern=ID_PATTERN)
    topic: str = _req()
    topic_zh: str = _req()
    seed_text: str = _req(doc="the seed's wording, verbatim")
    seed_text_en: str = _req(doc="the seed's claim in English")
    verdict: Verdict = _req()
    correction: str = _req(doc="what the sources say")
    correction_zh: str | None = _f()
    records: tuple[str, ...] = _f((), ref="records", doc="trials or products the claim is about")
    related: tuple[str, ...] = _f((), ref="records", doc="nearby real records, not the claim's own")
    indications: tuple[str, ...] = _f((), ref="indications")
    refs: tuple[str, ...] = _req(ref="references")

    def checks(self) -> Iterator[Check]:
        if not self.refs:
            yield "refs", "a claim needs at least one reference"


@record(kw_only=True)
class ClaimsFile:
    claims: tuple[Claim, ...] = _req()


@record(kw_only=True)
class Statement:
    id: str = _req(pattern=ID_PATTERN)
    category: StatementCategory = _req()
    group: str | None = _f()
    group_zh: str | None = _f()
    name: str = _req()
    name_zh: str = _req()
    text: str = _req()
    text_zh: str | None = _f(doc="the seed's wording")
    verdict: Verdict = _req(doc="'unverified' for the seed's general statements")
    refs: tuple[str, ...] = _req(ref="references")

    def checks(self) -> Iterator[Check]:
        if not self.refs:
            yield "refs", "a statement needs at least one reference"


@record(kw_only=True)
class StatementsFile:
    statements: tuple[Statement, ...] = _req()
