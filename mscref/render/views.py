"""What the commands show: tables, documents and JSON records built from the data set."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mscref.data.dataset import Dataset
from mscref.data.models import (
    Approval,
    ArmResult,
    Control,
    Outcome,
    Product,
    Reference,
    Source,
    StudyType,
    TraitKind,
    Trial,
)
from mscref.data.query import Record, Selection
from mscref.render.i18n import Lang, enum_label, label, name_in, text_in
from mscref.render.output import Bullets, Document, Fields, Heading, Paragraph, Table

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


# ------------------------------------------------------------------------------------------
# compare


def compare_table(ds: Dataset, sources: Iterable[Source], lang: Lang) -> Table:
    sources = list(sources)
    columns = (label("trait", lang), *(source_label(ds, s.id, lang) for s in sources))
    scale = len(ds.levels)
    rows = []
    for trait in ds.traits:
        row = [name_in(trait, lang)]
        for src in sources:
            value = src.traits.get(trait.id)
            if value is None:
                row.append(label("none", lang))
                continue
            text = text_in(value.text, value.text_zh, lang) or ""
            if trait.kind is TraitKind.ORDINAL:
                if value.level is not None:
                    level = ds.level(value.level)
                    rank = ds.level_rank(value.level)
                    text = f"{text} [{name_in(level, lang)} {rank}/{scale}]"
                else:
                    text += " [not on scale]" if lang is Lang.EN else " [不在等级上]"
            row.append(text)
        rows.append(tuple(row))
    return Table(columns, tuple(rows), notes=(label("seed_statement_note", lang),))


def compare_json(ds: Dataset, sources: Iterable[Source]) -> list[dict[str, Any]]:
    out = []
    for src in sources:
        traits = {}
        for trait in ds.traits:
            value = src.traits.get(trait.id)
            if value is None:
                continue
            traits[trait.id] = {
                "level": value.level,
                "rank": ds.level_rank(value.level) if trait.kind is TraitKind.ORDINAL else None,
                "text": value.text,
                "text_zh": value.text_zh,
            }
        out.append(
            {
                "id": src.id,
                "name": src.name,
                "name_zh": src.name_zh,
                "abbreviation": src.abbreviation,
                "category": src.category.value,
                "traits": traits,
                "refs": sorted({r for v in src.traits.values() for r in v.refs} | set(src.refs)),
            }
        )
    return out


# ------------------------------------------------------------------------------------------
# trials


def trials_table(ds: Dataset, selection: Selection, lang: Lang) -> Table:
    columns = tuple(
        label(k, lang)
        for k in (
            "id",
            "product",
            "source",
            "indication",
            "phase",
            "design",
            "n",
            "key_outcome",
            "approvals",
            "verdict",
        )
    )
    rows = []
    derived = False
    for rec in selection.records:
        approvals = "; ".join(approval_text(a, lang) for a in ds.approvals_of(rec))
        if isinstance(rec, Trial):
            outcome = key_outcome(rec)
            derived = derived or any(a.derived for o in rec.outcomes for a in o.arms)
            rows.append(
                (
                    rec.id,
                    product_label(ds, rec, lang),
                    source_label(ds, ds.source_of(rec), lang),
                    indication_label(ds, rec.indication, lang),
                    rec.phase.value if rec.phase else label("none", lang),
                    design_text(rec, lang),
                    str(rec.n) if rec.n is not None else "?",
                    outcome_text(outcome, lang) if outcome else label("none", lang),
                    approvals or label("none", lang),
                    verdict_text(ds, rec, lang),
                )
            )
        else:
            rows.append(
                (
                    rec.id,
                    product_label(ds, rec, lang),
                    source_label(ds, rec.source, lang),
                    name_in(ds.indication(rec.indication), lang),
                    label("none", lang),
                    f"({label('product_record', lang)})",
                    label("none", lang),
                    label("none", lang),
                    approvals or label("none", lang),
                    verdict_text(ds, rec, lang),
                )
            )
    notes = []
    if derived:
        notes.append(label("derived_note", lang))
    if selection.hidden_non_msc:
        notes.append(label("non_msc_hidden", lang, count=selection.hidden_non_msc))
    return Table(columns, tuple(rows), notes=tuple(notes))


def _approval_json(a: Approval) -> dict[str, Any]:
    return {
        "agency": a.agency,
        "region": a.region,
        "date": a.date,
        "status": a.status.value,
        "status_date": a.status_date,
        "trade_name": a.trade_name,
        "verified": a.verified,
        "note": a.note,
        "refs": list(a.refs),
    }


def _outcome_json(o: Outcome) -> dict[str, Any]:
    return {
        "endpoint": o.endpoint,
        "endpoint_label": o.endpoint_label,
        "timepoint": o.timepoint,
        "primary": o.primary,
        "analysis": o.analysis,
        "arms": [
            {
                "arm": a.arm,
                "events": a.events,
                "total": a.total,
                "value": a.value,
                "unit": a.unit,
                "derived": a.derived,
                "note": a.note,
            }
            for a in o.arms
        ],
        "p_value": o.p_value,
        "met": o.met,
        "result": o.result,
        "refs": list(o.refs),
    }


def record_json(ds: Dataset, rec: Record) -> dict[str, Any]:
    """One trial or product as the documented JSON record."""
    product = rec if isinstance(rec, Product) else ds.product_of(rec)
    verdict = ds.verdict_of(rec)
    base: dict[str, Any] = {
        "id": rec.id,
        "kind": "product" if isinstance(rec, Product) else "trial",
        "product": product_label(ds, rec, Lang.EN),
        "product_zh": product.name_zh if product else None,
        "product_id": product.id if product else None,
        "indication": rec.indication,
        "approvals": [_approval_json(a) for a in ds.approvals_of(rec)],
        "verdict": verdict.value if verdict else None,
        "claims": [c.id for c in ds.claims_about(rec.id)],
        "refs": list(rec.refs),
    }
    if isinstance(rec, Product):
        base.update(
            {
                "title": rec.name,
                "registry_ids": [],
                "product_type": rec.product_type.value,
                "source": rec.source,
                "origin": rec.origin.value if rec.origin else None,
                "phase": None,
                "design": None,
                "n": None,
                "outcomes": [],
                "notes": rec.notes,
            }
        )
        return base
    d = rec.design
    base.update(
        {
            "title": rec.title,
            "registry_ids": list(rec.registry_ids),
            "product_type": ds.product_type_of(rec).value,
            "source": ds.source_of(rec),
            "origin": (rec.origin or (product.origin if product else None)),
            "population": rec.population,
            "study_type": rec.study_type.value,
            "phase": rec.phase.value if rec.phase else None,
            "phase_label": rec.phase_label,
            "design": {
                "randomized": d.randomized,
                "blinding": d.blinding.value if d.blinding else None,
                "control": d.control.value if d.control else None,
                "control_text": d.control_text,
                "allocation": d.allocation,
                "centres": d.centres,
                "multicentre": d.multicentre,
            },
            "countries": list(rec.countries),
            "n": rec.n,
            "n_label": rec.n_label,
            "registry_n": rec.registry_n,
            "arms": [
                {
                    "id": a.id,
                    "label": a.label,
                    "n": a.n,
                    "n_derived": a.n_derived,
                    "intervention": a.intervention,
                    "dose": a.dose,
                    "route": a.route,
                    "schedule": a.schedule,
                }
                for a in rec.arms
            ],
            "outcomes": [_outcome_json(o) for o in rec.outcomes],
            "status": rec.status,
            "notes": rec.notes,
        }
    )
    if base["origin"] is not None:
        base["origin"] = str(base["origin"])
    return base


# ------------------------------------------------------------------------------------------
# show


def show_document(ds: Dataset, rec: Trial | Product | Source, lang: Lang) -> Document:
    if isinstance(rec, Source):
        return _source_document(ds, rec, lang)
    product = rec if isinstance(rec, Product) else ds.product_of(rec)
    blocks: list[Any] = []
    refs: list[str] = list(rec.refs)
    if not ds.is_msc(rec):
        blocks.append(Paragraph("⚠ " + label("non_msc_banner", lang)))
    if isinstance(rec, Trial):
        title = f"{rec.id}: {rec.title}"
        blocks.append(
            Fields(
                (
                    (label("kind", lang), label("trial_record", lang)),
                    (label("registry_ids", lang), ", ".join(rec.registry_ids) or None),
                    (label("product", lang), product_label(ds, rec, lang)),
                    (label("product_type", lang), enum_label(ds.product_type_of(rec), lang)),
                    (label("source", lang), source_label(ds, ds.source_of(rec), lang)),
                    (
                        label("origin", lang),
                        enum_label(rec.origin or (product.origin if product else None), lang),
                    ),
                    (label("indication", lang), indication_label(ds, rec.indication, lang)),
                    (label("population", lang), rec.population),
                    (label("study_type", lang), enum_label(rec.study_type, lang)),
                    (label("phase", lang), _phase_text(rec)),
                    (label("design", lang), _design_full(rec, lang)),
                    (label("countries", lang), ", ".join(rec.countries) or None),
                    (label("period", lang), rec.period),
                    (label("n", lang), n_text(rec)),
                    (label("status", lang), rec.status),
                    (label("notes", lang), rec.notes),
                    (label("verdict", lang), verdict_text(ds, rec, lang)),
                )
            )
        )
        if rec.arms:
            blocks.append(Heading(label("arms", lang)))
            blocks.append(
                _compact(
                    Table(
                        tuple(label(k, lang) for k in ("arm", "n", "product", "dose", "route", "schedule")),
                        tuple(
                            (
                                a.label,
                                (str(a.n) + ("*" if a.n_derived else "")) if a.n else "?",
                                a.intervention or "",
                                a.dose or "",
                                a.route or "",
                                a.schedule or "",
                            )
                            for a in rec.arms
                        ),
                    )
                )
            )
        if rec.outcomes:
            blocks.append(Heading(label("outcomes", lang)))
            arm_names = {a.id: a.label for a in rec.arms}
            rows = []
            for o in rec.outcomes:
                refs += o.refs
                rows.append(
                    (
                        o.endpoint_label
                        + (" (primary)" if o.primary and lang is Lang.EN else "")
                        + ("(主要终点)" if o.primary and lang is Lang.ZH else ""),
                        timepoint_text(o.timepoint, lang),
                        "; ".join(f"{arm_names.get(a.arm, a.arm)}: {arm_result_text(a)}" for a in o.arms)
                        or (o.result or ""),
                        o.p_value or "",
                        " ".join(x for x in (o.analysis or "", o.result if o.arms and o.result else "") if x),
                    )
                )
            blocks.append(
                _compact(
                    Table(
                        tuple(
                            label(k, lang) for k in ("endpoint", "timepoint", "result", "p_value", "notes")
                        ),
                        tuple(rows),
                        notes=(label("derived_note", lang),)
                        if any(a.derived for o in rec.outcomes for a in o.arms)
                        else (),
                    )
                )
            )
    else:
        title = f"{rec.id}: {name_in(rec, lang)}"
        blocks.append(
            Fields(
                (
                    (label("kind", lang), label("product_record", lang)),
                    (label("name", lang), rec.name),
                    ("名称" if lang is Lang.EN else "中文名", rec.name_zh),
                    (label("aliases", lang), ", ".join(rec.aliases) or None),
                    (label("sponsor", lang), text_in(rec.sponsor, rec.sponsor_zh, lang)),
                    (label("product_type", lang), enum_label(rec.product_type, lang)),
                    (label("source", lang), source_label(ds, rec.source, lang)),
                    (label("origin", lang), enum_label(rec.origin, lang)),
                    (label("indication", lang), name_in(ds.indication(rec.indication), lang)),
                    (label("notes", lang), rec.notes),
                    (label("verdict", lang), verdict_text(ds, rec, lang)),
                )
            )
        )
        trials = ds.trials_of(rec)
        if trials:
            blocks.append(Heading(label("trials", lang)))
            blocks.append(Bullets(tuple(f"{t.id}: {t.title}" for t in trials)))
        if rec.milestones:
            blocks.append(Heading(label("milestones", lang)))
            blocks.append(
                Bullets(
                    tuple(
                        f"{m.date or '?'}: {text_in(m.event, m.event_zh, lang)}"
                        + ("" if m.verified else f" ({label('verified_false', lang)})")
                        for m in rec.milestones
                    )
                )
            )
            refs += [r for m in rec.milestones for r in m.refs]
    approvals = ds.approvals_of(rec)
    if approvals:
        blocks.append(Heading(label("approvals", lang)))
        blocks.append(
            _compact(
                Table(
                    tuple(label(k, lang) for k in ("agency", "region", "date", "status", "product", "notes")),
                    tuple(
                        (
                            a.agency,
                            a.region,
                            a.date or "?",
                            enum_label(a.status, lang)
                            + (f" {a.status_date}" if a.status_date else "")
                            + ("" if a.verified else f" ({label('verified_false', lang)})"),
                            a.trade_name or "",
                            a.note or "",
                        )
                        for a in approvals
                    ),
                )
            )
        )
        refs += [r for a in approvals for r in a.refs]
    claims = ds.claims_about(rec.id)
    if claims:
        blocks.append(Heading(label("claims", lang)))
        for c in claims:
            blocks.append(
                Fields(
                    (
                        (label("claims", lang), text_in(c.topic, c.topic_zh, lang)),
                        (label("verdict", lang), enum_label(c.verdict, lang)),
                        (label("seed_text", lang), c.seed_text),
                        (label("correction", lang), text_in(c.correction, c.correction_zh, lang)),
                    )
                )
            )
            refs += c.refs
    blocks += _reference_blocks(ds, refs, lang)
    return Document(title, tuple(blocks))


def _compact(table: Table) -> Table:
    """The table without the columns that are empty in every row (the first column stays)."""
    keep = [i for i in range(len(table.columns)) if i == 0 or any(row[i] for row in table.rows)]
    return Table(
        tuple(table.columns[i] for i in keep),
        tuple(tuple(row[i] for i in keep) for row in table.rows),
        table.title,
        table.notes,
    )


def _phase_text(trial: Trial) -> str | None:
    if trial.phase is None:
        return trial.phase_label
    if trial.phase_label:
        return f"{trial.phase.value} ({trial.phase_label})"
    return trial.phase.value


def _design_full(trial: Trial, lang: Lang) -> str:
    d = trial.design
    text = design_text(trial, lang)
    extra = [
        x
        for x in (
            d.control_text,
            f"{d.allocation}" if d.allocation else None,
            (f"{d.centres} centres" if d.centres > 1 else "single centre") if d.centres else None,
            "multicentre" if d.multicentre and not d.centres else None,
        )
        if x
    ]
    return text + (f" ({'; '.join(extra)})" if extra else "")


def n_text(trial: Trial) -> str | None:
    """``54 treated and evaluated; registry enrolment 55``."""
    if trial.n is None:
        return None
    text = f"{trial.n} {trial.n_label}" if trial.n_label else str(trial.n)
    if trial.registry_n and trial.registry_n != trial.n:
        text += f"; registry enrolment {trial.registry_n}"
    return text


def _reference_blocks(ds: Dataset, ref_ids: Iterable[str], lang: Lang) -> list[Any]:
    refs = ds.refs_in_order(ref_ids)
    if not refs:
        return []
    return [
        Heading(label("references", lang)),
        Bullets(tuple(f"[{r.id}] {reference_text(r)}" for r in refs), numbered=True),
    ]


def _source_document(ds: Dataset, src: Source, lang: Lang) -> Document:
    title = f"{src.id}: {name_in(src, lang)}"
    blocks: list[Any] = [
        Fields(
            (
                (label("kind", lang), enum_label(src.category, lang)),
                (label("name", lang), src.name),
                ("名称" if lang is Lang.EN else "中文名", src.name_zh),
                ("Abbreviation" if lang is Lang.EN else "缩写", src.abbreviation),
                (label("aliases", lang), ", ".join(src.aliases) or None),
                (label("parent", lang), source_label(ds, src.parent, lang) if src.parent else None),
            )
        )
    ]
    description = text_in(src.description, src.description_zh, lang)
    if description:
        blocks += [Heading(label("description", lang)), Paragraph(description)]
        if lang is Lang.EN and src.description_zh:
            blocks.append(Paragraph(src.description_zh))
    refs: list[str] = list(src.refs)
    if src.traits:
        blocks.append(Heading(label("traits", lang)))
        table = compare_table(ds, [src], lang)
        blocks.append(
            Table(
                table.columns, tuple(r for r in table.rows if r[1] != label("none", lang)), notes=table.notes
            )
        )
        refs += [r for v in src.traits.values() for r in v.refs]
    trials = [t for t in ds.trials if ds.source_of(t) in ds.source_family(src.id)]
    if trials:
        blocks.append(Heading(label("trials", lang)))
        blocks.append(Bullets(tuple(f"{t.id}: {t.title}" for t in trials)))
    blocks += _reference_blocks(ds, refs, lang)
    return Document(title, tuple(blocks))


# ------------------------------------------------------------------------------------------
# indications, products, claims


def indication_rows(ds: Dataset) -> list[dict[str, Any]]:
    """One record per indication: names, organ system, trials, sources tried, strongest evidence."""
    from mscref.evidence.ladder import strongest_evidence

    out = []
    for ind in ds.indications:
        family = ds.indication_family(ind.id)
        trials = [t for t in ds.trials if t.indication in family and ds.is_msc(t)]
        products = [p for p in ds.products if p.indication in family and ds.is_msc(p)]
        sources = sorted(
            {s for s in [*(ds.source_of(t) for t in trials), *(p.source for p in products)] if s},
            key=[s.id for s in ds.sources].index,
        )
        best = strongest_evidence(ds, ind.id)
        out.append(
            {
                "id": ind.id,
                "name": ind.name,
                "name_zh": ind.name_zh,
                "aliases": list(ind.aliases),
                "system": ind.system.value,
                "parent": ind.parent,
                "trials": len(trials),
                "products": len(products),
                "sources": sources,
                "evidence": best.level.name.lower().replace("_", "-"),
                "evidence_rank": int(best.level),
                "evidence_records": list(best.record_ids),
            }
        )
    return out


def indications_table(ds: Dataset, rows: list[dict[str, Any]], lang: Lang) -> Table:
    from mscref.evidence.ladder import LEVEL_LABELS, EvidenceLevel

    zh = lang is Lang.ZH
    columns = (
        label("id", lang),
        label("indication", lang),
        "器官系统" if zh else "Organ system",
        label("trials", lang),
        label("sources", lang),
        "最强证据" if zh else "Strongest evidence",
        "依据" if zh else "From",
    )
    body = []
    for r in rows:
        ind = ds.indication(r["id"])
        other = ind.name if zh else ind.name_zh
        level = LEVEL_LABELS[EvidenceLevel(r["evidence_rank"])]
        body.append(
            (
                r["id"],
                f"{name_in(ind, lang)} ({other})",
                r["system"],
                str(r["trials"]),
                ", ".join(source_label(ds, s, lang) for s in r["sources"]) or label("none", lang),
                level[1] if zh else level[0],
                ", ".join(r["evidence_records"]) or label("none", lang),
            )
        )
    return Table(columns, tuple(body))


def product_rows(ds: Dataset, statuses: set[str] | None = None) -> list[dict[str, Any]]:
    """One record per approval of an MSC product, oldest first."""
    out = []
    for product in ds.products:
        if not ds.is_msc(product):
            continue
        for a in product.approvals:
            if statuses and a.status.value not in statuses:
                continue
            out.append(
                {
                    "product_id": product.id,
                    "product": product.name,
                    "product_zh": product.name_zh,
                    "trade_name": a.trade_name,
                    "sponsor": product.sponsor,
                    "sponsor_zh": product.sponsor_zh,
                    "agency": a.agency,
                    "region": a.region,
                    "date": a.date,
                    "status": a.status.value,
                    "status_date": a.status_date,
                    "verified": a.verified,
                    "indication": a.indication or product.indication,
                    "source": product.source,
                    "origin": product.origin.value if product.origin else None,
                    "product_type": product.product_type.value,
                    "note": a.note,
                    "refs": list(dict.fromkeys([*a.refs, *product.refs])),
                }
            )
    return sorted(out, key=lambda r: (r["date"] or "9999", r["product_id"]))


def products_table(ds: Dataset, rows: list[dict[str, Any]], lang: Lang, cite: Any = None) -> Table:
    columns = [
        label(k, lang)
        for k in ("product", "agency", "region", "date", "status", "indication", "source", "origin")
    ]
    if cite is not None:
        columns.append(label("references", lang))
    body = []
    for r in rows:
        name = r["product_zh"] if lang is Lang.ZH and r["product_zh"] else r["product"]
        if r["trade_name"] and r["trade_name"] not in name:
            name += f" ({r['trade_name']})"
        status = enum_label(r["status"], lang)
        if r["status_date"] and r["status_date"] != r["date"]:
            status += f" {r['status_date']}"
        if not r["verified"]:
            status += f" ({label('verified_false', lang)})"
        row = [
            name,
            r["agency"],
            r["region"],
            r["date"] or "?",
            status,
            name_in(ds.indication(r["indication"]), lang),
            source_label(ds, r["source"], lang),
            enum_label(r["origin"], lang),
        ]
        if cite is not None:
            row.append(cite(r["refs"]))
        body.append(tuple(row))
    return Table(tuple(columns), tuple(body))


def claim_rows(
    ds: Dataset, verdicts: set[str] | None = None, indications: set[str] | None = None
) -> list[dict[str, Any]]:
    out = []
    for c in ds.claims:
        if verdicts and c.verdict.value not in verdicts:
            continue
        if indications is not None and not indications & set(c.indications):
            continue
        out.append(
            {
                "id": c.id,
                "topic": c.topic,
                "topic_zh": c.topic_zh,
                "verdict": c.verdict.value,
                "seed_text": c.seed_text,
                "seed_text_en": c.seed_text_en,
                "correction": c.correction,
                "correction_zh": c.correction_zh,
                "records": list(c.records),
                "related": list(c.related),
                "indications": list(c.indications),
                "refs": list(c.refs),
            }
        )
    return out


def claims_table(rows: list[dict[str, Any]], lang: Lang, cite: Any = None) -> Table:
    columns = [label(k, lang) for k in ("id", "claims", "verdict", "seed_text", "correction")]
    if cite is not None:
        columns.append(label("references", lang))
    body = []
    for r in rows:
        row = [
            r["id"],
            text_in(r["topic"], r["topic_zh"], lang) or "",
            enum_label(r["verdict"], lang),
            r["seed_text"],
            text_in(r["correction"], r["correction_zh"], lang) or "",
        ]
        if cite is not None:
            row.append(cite(r["refs"]))
        body.append(tuple(row))
    return Table(tuple(columns), tuple(body))
