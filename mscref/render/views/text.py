"""The small formatters every view shares: labels, outcomes, designs, references in both languages."""

from __future__ import annotations

import re

from mscref.data.dataset import Dataset
from mscref.data.models import (
    SECONDARY_REFERENCE_KINDS,
    Approval,
    Arm,
    ArmResult,
    Control,
    Effect,
    EffectMeasure,
    Outcome,
    Product,
    Reference,
    SafetyArm,
    StudyType,
    Trial,
)
from mscref.data.query import Record
from mscref.render.i18n import Lang, enum_label, label, name_in

_ENDPOINT_SHORT: dict[str, tuple[str, str]] = {
    "overall-response": ("ORR", "总缓解率"),
    "complete-response": ("CR", "完全缓解"),
    "partial-response": ("PR", "部分缓解"),
    "durable-complete-response": ("durable CR", "持久完全缓解"),
    "durable-overall-response": ("durable ORR", "持久总缓解"),
    "survival": ("survival", "生存率"),
    "overall-survival": ("overall survival", "总生存"),
    "adverse-events": ("adverse events", "不良事件"),
    "serious-adverse-events": ("serious AEs", "严重不良事件"),
    "combined-remission": ("combined remission", "联合缓解"),
    "complete-healing": ("complete healing", "完全愈合"),
}
_TIME_ZH = {"day": "第{}天", "week": "第{}周", "month": "第{}个月", "year": "第{}年"}


# ------------------------------------------------------------------------------------------
# Small formatters


def timepoint_text(timepoint: str | None, lang: Lang) -> str:
    if timepoint is None:
        return ""
    if lang is Lang.ZH:
        unit, _, num = timepoint.partition(" ")
        return _TIME_ZH[unit].format(num)
    return timepoint


def names_timepoint(text: str, timepoint: str | None) -> bool:
    """Whether ``text`` already says ``timepoint``: "28-day mortality" or "Day-100 survival" at
    day 28 or day 100, so the timepoint is not printed a second time."""
    if not timepoint:
        return False
    unit, _, num = timepoint.partition(" ")
    said = rf"\b(?:{re.escape(num)}[- ]?{unit}s?|{unit}[- ]?{re.escape(num)})\b"
    return re.search(said, text, re.IGNORECASE) is not None


def endpoint_text(outcome: Outcome, lang: Lang) -> str:
    short = _ENDPOINT_SHORT.get(outcome.endpoint)
    if short is None:
        return outcome.endpoint_label
    return short[1] if lang is Lang.ZH else short[0]


def _num(x: float) -> str:
    """A number as reported: 70.4, -2.33, 60 (no trailing .0)."""
    return f"{x:g}"


def _with_unit(x: float, unit: str | None) -> str:
    if unit == "%":
        return f"{_num(x)}%"
    return f"{_num(x)} {unit}".strip() if unit else _num(x)


def _level(level: float) -> str:
    """0.95 -> '95%', 0.975 -> '97.5%'."""
    return f"{_num(round(100 * level, 3))}%"


def _pair(low: float | None, high: float | None) -> str:
    return f"{_num(low)} to {_num(high)}" if low is not None and high is not None else "?"


def _ci(low: float | None, high: float | None, level: float) -> str:
    if low is None or high is None:
        return ""
    return f"{_level(level)} CI {_pair(low, high)}"


def arm_result_text(ar: ArmResult) -> str:
    """One arm's figures as reported: ``38/54 (70.4%)``, ``27/33 (82%)`` (the reported percentage,
    else one computed from the counts), ``24/40* (60%)`` for derived counts, a value with its
    unit, ``mean 5.2 points (SD 1.5)``, ``median 54.3 PaO2/FiO2 (IQR -15.5 to 93.3)``."""
    parts: list[str] = []
    if ar.events is not None and ar.total is not None:
        star = "*" if ar.derived else ""
        if ar.value is not None and ar.unit == "%":
            pct = _num(ar.value)  # as reported
        else:
            pct = _num(round(100 * ar.events / ar.total, 1))  # computed: one decimal
        parts.append(f"{ar.events}/{ar.total}{star} ({pct}%)")
    elif ar.value is not None:
        parts.append(_with_unit(ar.value, ar.unit))
    if ar.mean is not None:
        spread = [
            f"SD {_num(ar.sd)}" if ar.sd is not None else "",
            f"SE {_num(ar.se)}" if ar.se is not None else "",
        ]
        shown = ", ".join(x for x in spread if x)
        parts.append(f"mean {_with_unit(ar.mean, ar.unit)}" + (f" ({shown})" if shown else ""))
    if ar.median is not None:
        spread = [
            f"IQR {_pair(ar.iqr_low, ar.iqr_high)}" if ar.iqr_low is not None else "",
            f"range {_pair(ar.range_low, ar.range_high)}" if ar.range_low is not None else "",
        ]
        shown = ", ".join(x for x in spread if x)
        parts.append(f"median {_with_unit(ar.median, ar.unit)}" + (f" ({shown})" if shown else ""))
    if not parts:
        return "?"
    text = "; ".join(parts)
    ci = _ci(ar.ci_low, ar.ci_high, ar.ci_level)
    extras = [x for x in (ci, f"n={ar.n_analysed}" if ar.n_analysed is not None else "") if x]
    if extras:
        text += f" [{', '.join(extras)}]"
    if ar.change_from_baseline:
        text = f"change {text}"
    return text


def effect_text(e: Effect, lang: Lang, outcome: Outcome | None = None) -> str:
    """``MD 7.4 (95% CI -44.7 to 59.7), p=0.77, adjusted``; ``RD 15.8 percentage points (97.5% CI
    0.5 to 31.2), mITT``; ``HR 1.2, p=0.406``."""
    name = e.measure_label if e.measure is EffectMeasure.OTHER else enum_label(e.measure, lang)
    if e.measure_label and e.measure is not EffectMeasure.OTHER:
        name = f"{name} ({e.measure_label})"
    text = f"{name} {_with_unit(e.estimate, e.unit)}"
    ci = _ci(e.ci_low, e.ci_high, e.ci_level)
    if ci:
        text += f" ({ci})"
    bits = []
    if e.p_value and (outcome is None or e.p_value != outcome.p_value):
        bits.append(_p_text(e.p_value))
    if e.adjusted is not None:
        bits.append("adjusted" if e.adjusted else "unadjusted")
    if e.analysis and (outcome is None or e.analysis != outcome.analysis):
        bits.append(e.analysis)
    return ", ".join([text, *bits])


def _p_text(p: str) -> str:
    return f"p{p}" if p[:1] in "<>=" else f"p={p}"


def outcome_tags(outcome: Outcome, lang: Lang, shown: str | None = None) -> list[str]:
    """What a reader must know beside the figures: the analysis population (unless ``shown``, the
    endpoint as printed, already names it; the full label by default) and a secondary source."""
    shown = outcome.endpoint_label if shown is None else shown
    tags = []
    if outcome.analysis and outcome.analysis.casefold() not in shown.casefold():
        tags.append(outcome.analysis)
    if outcome.secondary and outcome.figure_source is not None:
        tags.append(label("secondary_source", lang, kind=enum_label(outcome.figure_source, lang)))
    return tags


def outcome_text(outcome: Outcome, lang: Lang, with_endpoint: bool = True) -> str:
    head = endpoint_text(outcome, lang)
    tp = timepoint_text(outcome.timepoint, lang)
    if tp and not names_timepoint(head, outcome.timepoint):
        head = f"{head} {tp}"
    tags = outcome_tags(outcome, lang, head)
    if tags:
        head += f" ({'; '.join(tags)})"
    if outcome.arms:
        body = f" {label('vs', lang)} ".join(arm_result_text(a) for a in outcome.arms)
    elif not outcome.effects:
        body = outcome.result or ""
    else:
        body = ""
    effects = [effect_text(e, lang, outcome) for e in outcome.effects]
    body = ", ".join(x for x in (body, *effects) if x)
    if outcome.p_value:
        body += ", " + _p_text(outcome.p_value)
    if outcome.met is False:
        body += " (not met)" if lang is Lang.EN else "(未达到)"
    return f"{head}: {body}" if with_endpoint else body


def outcome_result_text(trial: Trial, outcome: Outcome, lang: Lang) -> str:
    """The figures of one outcome arm by arm (named), then its effect estimates."""
    names = {a.id: a.label for a in trial.arms}
    parts = [f"{names.get(a.arm, a.arm)}: {arm_result_text(a)}" for a in outcome.arms]
    parts += [effect_text(e, lang, outcome) for e in outcome.effects]
    return "; ".join(parts)


def outcome_notes(trial: Trial, outcome: Outcome, lang: Lang) -> str:
    """Analysis population, source marking, derivations, why not pooled, the result in words."""
    notes = outcome_tags(outcome, lang)
    names = {a.id: a.label for a in trial.arms}
    notes += [f"{names.get(a.arm, a.arm)}: {a.derivation}" for a in outcome.arms if a.derivation]
    notes += [a.note for a in outcome.arms if a.note]
    reason = trial.pooling_exclusion(outcome)
    if reason and any(a.events is not None for a in outcome.arms):
        notes.append(label("not_pooled", lang, reason=reason))
    if outcome.result and (outcome.arms or outcome.effects):
        notes.append(outcome.result)
    return "; ".join(notes)


def key_outcome(trial: Trial) -> Outcome | None:
    """The outcome a listing shows: the first primary one read in a primary source, else the
    first primary one, else the first with numbers."""
    for o in trial.outcomes:
        if o.primary and not o.secondary:
            return o
    for o in trial.outcomes:
        if o.primary:
            return o
    for o in trial.outcomes:
        if o.arms or o.effects:
            return o
    return trial.outcomes[0] if trial.outcomes else None


def route_text(arm: Arm) -> str:
    """The route in the source's words, else the coded route(s)."""
    if arm.route:
        return arm.route
    return ", ".join(r.value for r in arm.routes)


def cells_text(x: float | None) -> str:
    """A cell count in scientific notation: 1000000 -> '1×10^6', 150000000 -> '1.5×10^8'."""
    if x is None:
        return ""
    mantissa, exponent = f"{x:e}".split("e")
    m = _num(round(float(mantissa), 3))
    return f"{m}×10^{int(exponent)}" if m != "1" else f"10^{int(exponent)}"


def safety_arm_text(sa: SafetyArm) -> str:
    """``SAE 6/21 (28.6%); deaths 2/21``; empty when the arm has only a note."""
    bits = []
    for name, x in (
        ("SAE", sa.sae),
        ("deaths", sa.deaths),
        ("related SAE", sa.related_sae),
        ("related AE", sa.related_ae),
    ):
        if x is None:
            continue
        if sa.total:
            bits.append(f"{name} {x}/{sa.total} ({_num(round(100 * x / sa.total, 1))}%)")
        else:
            bits.append(f"{name} {x}")
    return "; ".join(bits)


def design_text(trial: Trial, lang: Lang) -> str:
    if trial.study_type is not StudyType.INTERVENTIONAL:
        return enum_label(trial.study_type, lang)
    d = trial.design
    parts = []
    if d.randomized is True:
        parts.append(label("randomized", lang))
    elif d.control is Control.NONE:
        parts.append(label("single_arm" if len(trial.arms) <= 1 else "uncontrolled", lang))
    elif d.randomized is False:
        parts.append(label("non_randomized", lang))
    if d.blinding is not None:
        parts.append(enum_label(d.blinding, lang))
    if d.control is not None and d.control is not Control.NONE:
        parts.append(enum_label(d.control, lang))
    return ", ".join(parts) if parts else label("unknown", lang)


def design_category(trial: Trial, lang: Lang) -> str:
    """A coarse design class for counting: randomized, single-arm, uncontrolled, controlled …"""
    if trial.study_type is not StudyType.INTERVENTIONAL:
        return enum_label(trial.study_type, lang)
    d = trial.design
    if d.randomized:
        return label("randomized", lang)
    if d.control is Control.NONE:
        return label("single_arm" if len(trial.arms) <= 1 else "uncontrolled", lang)
    if d.control is not None:
        return label("controlled", lang)
    return label("unknown", lang)


def approval_text(a: Approval, lang: Lang) -> str:
    agency = f"{a.agency} (now {a.agency_now})" if a.agency_now and lang is Lang.EN else a.agency
    if a.agency_now and lang is Lang.ZH:
        agency = f"{a.agency}(现 {a.agency_now})"
    text = f"{agency} {a.date or '?'} {enum_label(a.status, lang)}"
    if a.status_date and a.status_date != a.date:
        text += f" {a.status_date}"
    if not a.verified:
        text += f" ({label('verified_false', lang)})"
    return text


def verdict_text(ds: Dataset, rec: Record, lang: Lang) -> str:
    verdict = ds.verdict_of(rec)
    return enum_label(verdict, lang) if verdict else label("not_in_seed", lang)


def indication_label(ds: Dataset, indication_id: str | None, lang: Lang) -> str:
    """An indication's name, or 'unclassified' for a trial no indication matched."""
    return name_in(ds.indication(indication_id), lang) if indication_id else label("unclassified", lang)


def source_label(ds: Dataset, source_id: str | None, lang: Lang) -> str:
    if source_id is None:
        return label("unknown", lang)
    src = ds.source(source_id)
    if lang is Lang.ZH:
        return src.name_zh
    return src.abbreviation or src.name


def product_label(ds: Dataset, rec: Record, lang: Lang) -> str:
    """The product's name with its trade names (``Remestemcel-L (Ryoncil, Prochymal)``)."""
    product = rec if isinstance(rec, Product) else ds.product_of(rec)
    if product is None:
        assert isinstance(rec, Trial)
        return rec.intervention or rec.title
    name = name_in(product, lang)
    trade = [
        t
        for t in dict.fromkeys(a.trade_name for a in product.approvals if a.trade_name)
        if t and t not in name
    ]
    return f"{name} ({', '.join(trade)})" if trade else name


def reference_text(ref: Reference) -> str:
    """A reference written out in full, one line."""
    bits: list[str] = []
    if ref.authors:
        bits.append(ref.authors.rstrip(".") + ".")
    if ref.title:
        bits.append(ref.title.rstrip(".") + ".")
    venue = " ".join(x for x in (ref.journal, str(ref.year) if ref.year else None) if x)
    if ref.volume:
        venue += f";{ref.volume}"
        if ref.issue:
            venue += f"({ref.issue})"
    if ref.pages:
        venue += f":{ref.pages}"
    if venue:
        bits.append(venue + ".")
    if ref.publisher:
        bits.append(ref.publisher + ".")
    if ref.registry_id:
        bits.append(f"Registry: {ref.registry_id}.")
    if ref.doi:
        bits.append(f"doi:{ref.doi}")
    if ref.pmid:
        bits.append(f"PMID {ref.pmid}")
    if ref.pmcid:
        bits.append(ref.pmcid)
    if ref.url:
        bits.append(ref.url)
    if ref.note:
        bits.append(f"({ref.note})")
    if ref.kind in SECONDARY_REFERENCE_KINDS:
        bits.append(f"[{enum_label(ref.kind, Lang.EN)}]")
    if not ref.has_locator and ref.kind.value not in ("seed", "curation"):
        bits.append("[no locator]")
    return " ".join(bits)


def n_text(trial: Trial) -> str | None:
    """``54 treated and evaluated; registry enrolment 55``."""
    if trial.n is None:
        return None
    text = f"{trial.n} {trial.n_label}" if trial.n_label else str(trial.n)
    if trial.registry_n and trial.registry_n != trial.n:
        text += f"; registry enrolment {trial.registry_n}"
    return text
