"""The small formatters every view shares: labels, outcomes, designs, references in both languages."""

from __future__ import annotations

from mscref.data.dataset import Dataset
from mscref.data.models import (
    Approval,
    ArmResult,
    Control,
    Outcome,
    Product,
    Reference,
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


def endpoint_text(outcome: Outcome, lang: Lang) -> str:
    short = _ENDPOINT_SHORT.get(outcome.endpoint)
    if short is None:
        return outcome.endpoint_label
    return short[1] if lang is Lang.ZH else short[0]


def _num(x: float) -> str:
    """A number as reported: 70.4, -2.33, 60 (no trailing .0)."""
    return f"{x:g}"


def arm_result_text(ar: ArmResult) -> str:
    """``38/54 (70.4%)``, ``24/40* (60%)`` for derived counts, or the value with its unit."""
    if ar.events is not None and ar.total is not None:
        star = "*" if ar.derived else ""
        pct = _num(round(100 * ar.events / ar.total, 1))  # computed: one decimal
        return f"{ar.events}/{ar.total}{star} ({pct}%)"
    if ar.value is not None:
        unit = ar.unit or ""
        return f"{_num(ar.value)}{unit}" if unit == "%" else f"{_num(ar.value)} {unit}".strip()
    return "?"


def outcome_text(outcome: Outcome, lang: Lang, with_endpoint: bool = True) -> str:
    head = endpoint_text(outcome, lang)
    tp = timepoint_text(outcome.timepoint, lang)
    if tp:
        head = f"{head} {tp}"
    if outcome.arms:
        body = f" {label('vs', lang)} ".join(arm_result_text(a) for a in outcome.arms)
    else:
        body = outcome.result or ""
    if outcome.p_value:
        p = outcome.p_value
        body += f", p{p}" if p[:1] in "<>=" else f", p={p}"
    if outcome.met is False:
        body += " (not met)" if lang is Lang.EN else "(未达到)"
    return f"{head}: {body}" if with_endpoint else body


def key_outcome(trial: Trial) -> Outcome | None:
    """The outcome a listing shows: the first primary one, else the first with numbers."""
    for o in trial.outcomes:
        if o.primary:
            return o
    for o in trial.outcomes:
        if o.arms:
            return o
    return trial.outcomes[0] if trial.outcomes else None


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
    text = f"{a.agency} {a.date or '?'} {enum_label(a.status, lang)}"
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
    return " ".join(bits)


def n_text(trial: Trial) -> str | None:
    """``54 treated and evaluated; registry enrolment 55``."""
    if trial.n is None:
        return None
    text = f"{trial.n} {trial.n_label}" if trial.n_label else str(trial.n)
    if trial.registry_n and trial.registry_n != trial.n:
        text += f"; registry enrolment {trial.registry_n}"
    return text
