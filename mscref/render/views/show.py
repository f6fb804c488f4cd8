"""``mscref show``: one trial, product or source as a document, and its JSON record."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mscref.data.dataset import Dataset
from mscref.data.models import (
    Approval,
    ArmResult,
    Effect,
    Outcome,
    Product,
    ProductType,
    Safety,
    Source,
    Trial,
)
from mscref.data.query import Record
from mscref.render.i18n import Lang, enum_label, label, name_in, region_label, text_in
from mscref.render.output import Bullets, Document, Fields, Heading, Paragraph, Table
from mscref.render.views.compare import compare_table
from mscref.render.views.text import (
    cells_text,
    design_text,
    indication_label,
    n_text,
    outcome_notes,
    outcome_result_text,
    product_label,
    reference_text,
    route_text,
    safety_arm_text,
    source_label,
    timepoint_text,
    verdict_text,
)


def _approval_json(a: Approval) -> dict[str, Any]:
    return {
        "agency": a.agency,
        "agency_now": a.agency_now,
        "region": a.region,
        "date": a.date,
        "status": a.status.value,
        "status_date": a.status_date,
        "trade_name": a.trade_name,
        "verified": a.verified,
        "note": a.note,
        "refs": list(a.refs),
    }


def _arm_result_json(a: ArmResult) -> dict[str, Any]:
    return {
        "arm": a.arm,
        "events": a.events,
        "total": a.total,
        "value": a.value,
        "unit": a.unit,
        "n_analysed": a.n_analysed,
        "mean": a.mean,
        "sd": a.sd,
        "se": a.se,
        "median": a.median,
        "iqr_low": a.iqr_low,
        "iqr_high": a.iqr_high,
        "range_low": a.range_low,
        "range_high": a.range_high,
        "ci_low": a.ci_low,
        "ci_high": a.ci_high,
        "ci_level": a.ci_level if a.ci_low is not None else None,
        "change_from_baseline": a.change_from_baseline,
        "derived": a.derived,
        "derivation": a.derivation,
        "note": a.note,
    }


def _effect_json(e: Effect) -> dict[str, Any]:
    return {
        "measure": e.measure.value,
        "measure_label": e.measure_label,
        "estimate": e.estimate,
        "unit": e.unit,
        "ci_low": e.ci_low,
        "ci_high": e.ci_high,
        "ci_level": e.ci_level if e.ci_low is not None else None,
        "p_value": e.p_value,
        "adjusted": e.adjusted,
        "analysis": e.analysis,
        "arm": e.arm,
        "comparator": e.comparator,
        "note": e.note,
        "refs": list(e.refs),
    }


def _outcome_json(trial: Trial, o: Outcome) -> dict[str, Any]:
    return {
        "endpoint": o.endpoint,
        "endpoint_label": o.endpoint_label,
        "timepoint": o.timepoint,
        "primary": o.primary,
        "analysis": o.analysis,
        "kind": o.kind.value if o.kind else None,
        "arms": [_arm_result_json(a) for a in o.arms],
        "effects": [_effect_json(e) for e in o.effects],
        "p_value": o.p_value,
        "met": o.met,
        "result": o.result,
        "figure_source": o.figure_source.value if o.figure_source else None,
        "secondary_source": o.secondary,
        "pooling_excluded": trial.pooling_exclusion(o),
        "refs": list(o.refs),
    }


def _safety_json(sf: Safety) -> dict[str, Any]:
    return {
        "timepoint": sf.timepoint,
        "arms": [
            {
                "arm": a.arm,
                "total": a.total,
                "sae": a.sae,
                "deaths": a.deaths,
                "related_sae": a.related_sae,
                "related_ae": a.related_ae,
                "note": a.note,
            }
            for a in sf.arms
        ],
        "related": sf.related,
        "figure_source": sf.figure_source.value if sf.figure_source else None,
        "note": sf.note,
        "refs": list(sf.refs),
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
                    "cells_per_kg": a.cells_per_kg,
                    "cells_per_dose": a.cells_per_dose,
                    "doses": a.doses,
                    "interval_days": a.interval_days,
                    "routes": [r.value for r in a.routes],
                }
                for a in rec.arms
            ],
            "outcomes": [_outcome_json(rec, o) for o in rec.outcomes],
            "safety": [_safety_json(sf) for sf in rec.safety],
            "contradiction": rec.contradiction,
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
    kind = rec.product_type if isinstance(rec, Product) else ds.product_type_of(rec)
    if kind is ProductType.NON_MSC:
        blocks.append(Paragraph("⚠ " + label("non_msc_banner", lang)))
    elif not ds.is_msc(rec):
        blocks.append(Paragraph("⚠ " + label("not_expanded_banner", lang, kind=enum_label(kind, lang))))
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
                    (
                        label("countries", lang),
                        ", ".join(region_label(c, lang) for c in rec.countries) or None,
                    ),
                    (label("period", lang), rec.period),
                    (label("n", lang), n_text(rec)),
                    (label("status", lang), rec.status),
                    (label("contradiction", lang), rec.contradiction),
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
                        tuple(
                            label(k, lang)
                            for k in (
                                "arm",
                                "n",
                                "product",
                                "dose",
                                "cells_per_kg",
                                "cells_per_dose",
                                "doses",
                                "interval_days",
                                "route",
                                "schedule",
                            )
                        ),
                        tuple(
                            (
                                a.label,
                                (str(a.n) + ("*" if a.n_derived else "")) if a.n else "?",
                                a.intervention or "",
                                a.dose or "",
                                cells_text(a.cells_per_kg),
                                cells_text(a.cells_per_dose),
                                str(a.doses) if a.doses is not None else "",
                                f"{a.interval_days:g}" if a.interval_days is not None else "",
                                route_text(a),
                                a.schedule or "",
                            )
                            for a in rec.arms
                        ),
                    )
                )
            )
        if rec.outcomes:
            blocks.append(Heading(label("outcomes", lang)))
            rows = []
            for o in rec.outcomes:
                refs += o.refs
                refs += [r for e in o.effects for r in e.refs]
                rows.append(
                    (
                        o.endpoint_label
                        + (" (primary)" if o.primary and lang is Lang.EN else "")
                        + ("(主要终点)" if o.primary and lang is Lang.ZH else ""),
                        timepoint_text(o.timepoint, lang),
                        outcome_result_text(rec, o, lang) or (o.result or ""),
                        o.p_value or "",
                        outcome_notes(rec, o, lang),
                        ", ".join(dict.fromkeys([*o.refs, *(r for e in o.effects for r in e.refs)])),
                    )
                )
            blocks.append(
                _compact(
                    Table(
                        tuple(
                            label(k, lang)
                            for k in ("endpoint", "timepoint", "result", "p_value", "notes", "refs")
                        ),
                        tuple(rows),
                        notes=(label("derived_note", lang),)
                        if any(a.derived for o in rec.outcomes for a in o.arms)
                        else (),
                    )
                )
            )
        if rec.safety:
            blocks.append(Heading(label("safety", lang)))
            blocks.append(_safety_table(rec, lang))
            refs += [r for sf in rec.safety for r in sf.refs]
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
                            region_label(a.region, lang),
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


def _safety_table(trial: Trial, lang: Lang) -> Table:
    names = {a.id: a.label for a in trial.arms}
    rows = []
    for sf in trial.safety:
        notes = [x for x in (sf.related, sf.note) if x]
        if sf.secondary_source:
            notes.append(label("secondary_source", lang, kind=enum_label(sf.figure_source, lang)))
        for i, a in enumerate(sf.arms):
            rows.append(
                (
                    names.get(a.arm, a.arm),
                    timepoint_text(sf.timepoint, lang),
                    safety_arm_text(a),
                    "; ".join([*([a.note] if a.note else []), *(notes if i == 0 else [])]),
                    ", ".join(sf.refs) if i == 0 else "",
                )
            )
    return _compact(
        Table(tuple(label(k, lang) for k in ("arm", "timepoint", "result", "notes", "refs")), tuple(rows))
    )


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
# The registry record a curated trial links to (from the local store, when there is one)


def registry_link_json(study: dict[str, Any], fetched: str) -> dict[str, Any]:
    """What the stored registry record says now: status, enrolment, dates, sites."""
    ps = study.get("protocolSection") if isinstance(study.get("protocolSection"), dict) else {}
    assert isinstance(ps, dict)

    def get(*keys: str) -> Any:
        node: Any = ps
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        return node

    locations = get("contactsLocationsModule", "locations")
    sites = [
        ", ".join(str(loc[k]) for k in ("facility", "city", "country") if isinstance(loc.get(k), str))
        for loc in (locations if isinstance(locations, list) else [])
        if isinstance(loc, dict)
    ]
    return {
        "id": get("identificationModule", "nctId"),
        "status": get("statusModule", "overallStatus"),
        "enrollment": get("designModule", "enrollmentInfo", "count"),
        "enrollment_type": get("designModule", "enrollmentInfo", "type"),
        "start_date": get("statusModule", "startDateStruct", "date"),
        "primary_completion_date": get("statusModule", "primaryCompletionDateStruct", "date"),
        "completion_date": get("statusModule", "completionDateStruct", "date"),
        "last_update": get("statusModule", "lastUpdatePostDateStruct", "date"),
        "has_results": bool(study.get("hasResults")),
        "sites": [s for s in sites if s],
        "fetched": fetched,
    }


def registry_link_blocks(links: list[dict[str, Any]]) -> list[Heading | Fields | Bullets]:
    """The linked registry records, as ``show`` prints them after the curated record."""
    blocks: list[Heading | Fields | Bullets] = []
    for link in links:
        n = link["enrollment"]
        enrol = (
            None
            if n is None
            else f"{n:,}" + (" (estimated)" if link["enrollment_type"] == "ESTIMATED" else "")
        )
        blocks.append(Heading(f"Registry record {link['id']} (stored {link['fetched'][:10]})"))
        blocks.append(
            Fields(
                (
                    ("Status", (link["status"] or "").lower().replace("_", " ") or None),
                    ("Enrolment", enrol),
                    ("Start", link["start_date"]),
                    ("Primary completion", link["primary_completion_date"]),
                    ("Completion", link["completion_date"]),
                    ("Last update posted", link["last_update"]),
                    ("Results posted", "yes" if link["has_results"] else "no"),
                    ("Sites", f"{len(link['sites'])}" if link["sites"] else None),
                )
            )
        )
        if link["sites"]:
            shown = link["sites"][:10]
            more = len(link["sites"]) - len(shown)
            blocks.append(Bullets((*shown, *([f"… and {more} more"] if more else []))))
    return blocks
