"""The markdown report: a document that stands on its own, every table citing a numbered list."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mscref import __version__
from mscref.data.dataset import Dataset
from mscref.data.models import Control, Product, StatementCategory, Trial, Verdict
from mscref.data.query import Selection, TrialFilter
from mscref.render.i18n import Lang, enum_label, label, localize_table, name_in, text_in, zh_text
from mscref.render.output import Block, Bullets, Document, Fields, Figure, Heading, Paragraph, Table
from mscref.render.views.claims import claim_rows, claims_table
from mscref.render.views.compare import compare_table
from mscref.render.views.products import product_rows, products_table
from mscref.render.views.text import (
    approval_text,
    design_text,
    indication_label,
    n_text,
    outcome_result_text,
    outcome_tags,
    product_label,
    reference_text,
    safety_arm_text,
    source_label,
    timepoint_text,
    verdict_text,
)

if TYPE_CHECKING:  # pragma: no cover
    from mscref.render.chart import Scene

_HEADINGS: dict[str, tuple[str, str]] = {
    "title": ("mscref report", "mscref 报告"),
    "overview": ("Overview", "概览"),
    "sources": ("Source-tissue comparison", "不同来源间充质干细胞比较"),
    "trials": ("Trials by indication", "按适应症列出的试验"),
    "outcomes": ("Outcomes", "结局"),
    "products": ("Approved products", "已获批产品"),
    "safety": ("Safety risks", "安全风险"),
    "mechanisms": ("Mechanisms of action", "作用机制"),
    "challenges": ("Manufacturing challenges", "产业化挑战"),
    "claims": ("Checked seed claims", "原文论断核查"),
    "evidence": ("Evidence statistics", "证据统计"),
    "references": ("References", "参考文献"),
}


def _h(key: str, lang: Lang) -> str:
    en, zh = _HEADINGS[key]
    return zh if lang is Lang.ZH else en


def report_date() -> dt.date:
    """Today, or the date of ``SOURCE_DATE_EPOCH`` for reproducible output."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.date.today()


@dataclass
class Citations:
    """Numbers references in the order they are first cited."""

    order: list[str] = field(default_factory=list)

    def cite(self, ref_ids: Iterable[str]) -> str:
        numbers = []
        for ref_id in dict.fromkeys(ref_ids):
            if ref_id not in self.order:
                self.order.append(ref_id)
            numbers.append(self.order.index(ref_id) + 1)
        return "[" + ", ".join(str(n) for n in sorted(numbers)) + "]" if numbers else ""


def _filter_text(flt: TrialFilter, lang: Lang) -> str:
    parts = []
    for key, value in (
        ("indication", flt.indication),
        ("source", flt.source),
        ("phase", ", ".join(p.value for p in flt.phases)),
        ("product_type", ", ".join(p.value for p in flt.product_types)),
        ("design", ", ".join(d.value for d in flt.designs)),
        ("countries", flt.country),
        ("text", flt.text),
    ):
        if value:
            name = label(key, lang) if key != "text" else ("text" if lang is Lang.EN else "文本")
            name = name.lower() if lang is Lang.EN else name
            parts.append(f"{name}: {value}")
    return "; ".join(parts) if parts else ("all records" if lang is Lang.EN else "全部记录")


def _design_report(trial: Trial, lang: Lang) -> str:
    text = design_text(trial, lang)
    d = trial.design
    if d.control is Control.NONE:
        text += ", no control group" if lang is Lang.EN else ",无对照组"
    elif d.control_text:
        text += f" ({d.control_text})"
    return text


def build_report(
    ds: Dataset,
    selection: Selection,
    flt: TrialFilter,
    lang: Lang,
    date: dt.date | None = None,
    figures: bool = False,
    png: bool = False,
) -> Document:
    """The whole report for the selected records; ``figures`` adds SVG charts (for HTML), as
    PNG instead with ``png`` (for Word)."""
    from mscref.data.gcpause import gc_paused

    with gc_paused():  # tables, pools and chart scenes: many small objects and no cycles
        return _build_report(ds, selection, flt, lang, date, figures, png)


def _build_report(
    ds: Dataset,
    selection: Selection,
    flt: TrialFilter,
    lang: Lang,
    date: dt.date | None,
    figures: bool,
    png: bool,
) -> Document:
    cites = Citations()
    zh = lang is Lang.ZH
    date = date or report_date()
    records = selection.records
    trials = [r for r in records if isinstance(r, Trial)]
    indication_ids = list(dict.fromkeys(r.indication for r in records))
    filtered = any(
        (flt.indication, flt.source, flt.phases, flt.product_types, flt.designs, flt.country, flt.text)
    )
    blocks: list[Block] = []

    # -- overview ---------------------------------------------------------------------------
    if filtered:
        claims = claim_rows(
            ds, indications={i for ind in indication_ids if ind for i in ds.indication_family(ind)}
        )
    else:
        claims = claim_rows(ds)
    product_ids = {r.id for r in records if isinstance(r, Product)} | {t.product for t in trials if t.product}
    approvals = [r for r in product_rows(ds) if r["product_id"] in product_ids]
    verdict_counts = {v.value: sum(1 for c in claims if c["verdict"] == v.value) for v in Verdict}
    selection_text = _filter_text(flt, lang)
    if zh:
        generated = f"生成日期 {date.isoformat()},mscref {__version__};筛选条件:{selection_text}。"
    else:
        generated = f"Generated {date.isoformat()} by mscref {__version__}; selection: {selection_text}."
    blocks.append(Paragraph(generated))
    blocks.append(Heading(_h("overview", lang)))
    blocks.append(
        Fields(
            (
                (label("trials", lang), str(len(trials))),
                ("获批记录" if zh else "Approvals", str(len(approvals))),
                (
                    label("indication", lang),
                    ", ".join(indication_label(ds, i, lang) for i in indication_ids) or None,
                ),
                (
                    label("claims", lang),
                    ", ".join(f"{enum_label(v, lang)} {n}" for v, n in verdict_counts.items()),
                ),
            )
        )
    )
    blocks.append(
        Paragraph(
            "例数后标 * 者由报告的百分比和组别人数推算,并非原文报告。核查结论说明原文论断与来源的符合程度:"
            "已核实、部分属实、未核实、与来源矛盾。"
            if zh
            else "Counts marked * were derived from reported percentages and arm sizes, not reported. "
            "Verdicts say how far each claim of the seed article holds against the sources: "
            "verified, partly, unverified, contradicted."
        )
    )

    # -- source tissues ---------------------------------------------------------------------
    sources = [s for s in ds.sources if s.traits]
    if flt.source:
        family = ds.source_family(ds.resolve_source(flt.source).id)
        sources = [s for s in sources if s.id in family] or sources
    if sources:
        table = compare_table(ds, sources, lang)
        trait_refs = [r for s in sources for v in s.traits.values() for r in v.refs]
        blocks.append(Heading(_h("sources", lang)))
        blocks.append(Paragraph(f"{table.notes[0]} {cites.cite(trait_refs)}"))
        blocks.append(Table(table.columns, table.rows))
        if figures:
            from mscref.render.bars import source_scene

            caption = (
                "各特性在五级等级上的位置;不在等级上的数值不画柱,标为“不在等级上”"
                if zh
                else "Ordinal traits ranked on the five-step scale; a value not on the scale has no bar "
                "and is marked “not on scale”, as in the table"
            )
            blocks.append(_drawn(source_scene(ds, sources, lang), caption, "sources.svg", png))

    # -- trials by indication ---------------------------------------------------------------
    if trials:
        blocks.append(Heading(_h("trials", lang)))
    for ind_id in indication_ids:
        group = [t for t in trials if t.indication == ind_id]
        if not group:
            continue
        if ind_id is None:
            blocks.append(Heading(indication_label(ds, None, lang), level=3))
        else:
            ind = ds.indication(ind_id)
            other = ind.name if zh else ind.name_zh
            blocks.append(Heading(f"{name_in(ind, lang)} ({other})", level=3))
        blocks.append(
            Table(
                tuple(
                    label(k, lang)
                    for k in (
                        "id",
                        "registry_ids",
                        "product",
                        "source",
                        "phase",
                        "design",
                        "n",
                        "approvals",
                        "verdict",
                        "references",
                    )
                ),
                tuple(
                    (
                        t.id,
                        ", ".join(t.registry_ids) or label("unknown", lang),
                        product_label(ds, t, lang),
                        source_label(ds, ds.source_of(t), lang),
                        (t.phase.value if t.phase else label("unknown", lang))
                        + (f" ({t.phase_label})" if t.phase_label else ""),
                        _design_report(t, lang),
                        n_text(t) or label("unknown", lang),
                        "; ".join(approval_text(a, lang) for a in ds.approvals_of(t)) or label("none", lang),
                        verdict_text(ds, t, lang),
                        cites.cite(t.refs),
                    )
                    for t in group
                ),
            )
        )
        outcome_rows = []
        safety_rows = []
        derived = False
        for t in group:
            for o in t.outcomes:
                derived = derived or any(a.derived for a in o.arms)
                result = outcome_result_text(t, o, lang)
                if o.result:
                    result = f"{result}. {o.result}" if result else o.result
                tags = (["primary" if not zh else "主要终点"] if o.primary else []) + outcome_tags(o, lang)
                outcome_rows.append(
                    (
                        t.id,
                        o.endpoint_label + (f" ({'; '.join(tags)})" if tags else ""),
                        timepoint_text(o.timepoint, lang),
                        result,
                        o.p_value or "",
                        cites.cite([*o.refs, *(r for e in o.effects for r in e.refs)] or t.refs),
                    )
                )
            names = {a.id: a.label for a in t.arms}
            for sf in t.safety:
                for a in sf.arms:
                    safety_rows.append(
                        (
                            t.id,
                            names.get(a.arm, a.arm),
                            safety_arm_text(a),
                            "; ".join(x for x in (sf.related, a.note, sf.note) if x),
                            cites.cite(sf.refs or t.refs),
                        )
                    )
        if outcome_rows:
            blocks.append(
                Table(
                    tuple(
                        label(k, lang)
                        for k in ("id", "endpoint", "timepoint", "result", "p_value", "references")
                    ),
                    tuple(outcome_rows),
                    title=_h("outcomes", lang),
                    notes=(label("derived_note", lang),) if derived else (),
                )
            )
        if safety_rows:
            blocks.append(
                Table(
                    tuple(label(k, lang) for k in ("id", "arm", "safety", "notes", "references")),
                    tuple(safety_rows),
                )
            )

    # -- evidence statistics ----------------------------------------------------------------
    if trials:
        blocks += _evidence_blocks(ds, flt, lang, figures, png)

    # -- approved products ------------------------------------------------------------------
    product_list = product_rows(ds)
    if filtered:
        wanted = {i for ind in indication_ids if ind for i in ds.indication_family(ind)}
        product_list = [r for r in product_list if r["indication"] in wanted]
    if product_list:
        blocks.append(Heading(_h("products", lang)))
        blocks.append(products_table(ds, product_list, lang, cite=cites.cite))

    # -- seed statements: safety, mechanisms, challenges -------------------------------------
    for key, category in (
        ("safety", StatementCategory.SAFETY_RISK),
        ("mechanisms", StatementCategory.MECHANISM),
        ("challenges", StatementCategory.MANUFACTURING_CHALLENGE),
    ):
        statements = [s for s in ds.statements if s.category is category]
        if not statements:
            continue
        blocks.append(Heading(_h(key, lang)))
        blocks.append(
            Table(
                (
                    label("name", lang),
                    label("description", lang),
                    label("verdict", lang),
                    label("references", lang),
                ),
                tuple(
                    (
                        name_in(s, lang),
                        text_in(s.text, s.text_zh, lang) or "",
                        enum_label(s.verdict, lang),
                        cites.cite(s.refs),
                    )
                    for s in statements
                ),
            )
        )

    # -- claims -----------------------------------------------------------------------------
    if claims:
        blocks.append(Heading(_h("claims", lang)))
        blocks.append(claims_table(claims, lang, cite=cites.cite))

    # -- references -------------------------------------------------------------------------
    blocks.append(Heading(_h("references", lang)))
    blocks.append(
        Bullets(tuple(reference_text(ds.reference(r)) for r in cites.order), numbered=True, anchor="ref")
    )

    title = _h("title", lang)
    if flt.indication:
        title += f": {name_in(ds.resolve_indication(flt.indication), lang)}"
    return Document(title, tuple(blocks))


def _drawn(scene: Scene, caption: str, name: str, png: bool) -> Figure:
    """A drawn scene as a report figure: SVG, or PNG instead (for Word) when asked."""
    from mscref.render.chart import png_fits, png_size, to_png, to_svg

    if png:
        if not png_fits(scene):  # the pools of thousands of studies: the rest of the report stands
            width, height = png_size(scene)
            return Figure(
                f"{caption} (not drawn: a picture of {width:,} × {height:,} pixels is too large for a "
                "Word document; the HTML report, or mscref evidence --plot FILE.svg, draws it)",
                "",
                name=name.removesuffix(".svg") + ".png",
            )
        return Figure(caption, "", name=name.removesuffix(".svg") + ".png", png=to_png(scene))
    return Figure(caption, to_svg(scene), name=name)


def _evidence_blocks(
    ds: Dataset, flt: TrialFilter, lang: Lang, figures: bool, png: bool = False
) -> list[Block]:
    """Pooled estimates with their certainty, MSC-vs-control comparisons and what was not
    pooled (with the reason), with forest plots."""
    from mscref.evidence.stats import EvidenceFilter, analyse
    from mscref.render.views.evidence import (
        certainty_table,
        comparisons_table,
        continuous_table,
        effects_table,
        pooled_table,
        refusals_table,
    )

    ev = analyse(ds, EvidenceFilter(indication=flt.indication, source=flt.source))
    if not (ev.pooled or ev.comparisons or ev.continuous or ev.effects):
        return []
    blocks: list[Block] = [Heading(_h("evidence", lang))]
    blocks.append(
        Paragraph(
            "由 mscref 根据上表结局计算:单组比例以 logit 比例、对照比较以比值比合并;连续结局以均数差"
            "(各研究单位相同时)或标准化均数差(Hedges' g)合并,报告的效应量(HR 等)以通用倒方差法合并;"
            "中位数仅列出,不作为均数合并;随机效应模型"
            "(τ² 用 REML 估计并给出 Q-profile 置信区间;合并效应用 Hartung-Knapp-Sidik-Jonkman 区间;"
            "k ≥ 3 时给出预测区间);仅合并相同终点、相同时间点、相同对照类型的结局。"
            "确定性评级为按数据字段自动给出的初步评估,并非 GRADE 专家组的判断。"
            if lang is Lang.ZH
            else "Computed by mscref from the outcomes above: single-arm rates pooled as logit proportions "
            "and controlled comparisons as odds ratios; continuous outcomes as mean differences (when every "
            "study shares the unit) or standardised mean differences (Hedges' g), reported effects (HR "
            "and the like) by generic inverse variance; medians are shown, never pooled as means; "
            "random effects (REML τ² with its Q-profile CI, "
            "Hartung-Knapp-Sidik-Jonkman interval for the summary, a prediction interval when k ≥ 3); "
            "only the same endpoint at the same timepoint against the same class of comparator is "
            "pooled. The certainty ratings are an automated first pass from the data's fields, not a "
            "GRADE panel's judgement."
        )
    )
    for i, p in enumerate(ev.pooled, start=1):
        blocks.append(localize_table(pooled_table(ds, p, lang), lang))
        if figures:
            from mscref.render.forest import pools_scene

            # the timepoint unless the label already says it (as the pool's title does)
            when = "" if p.timepoint in p.endpoint_label else f", {p.timepoint}"
            caption = f"Forest plot: {p.endpoint_label}{when}, {p.title_kind}"
            if lang is Lang.ZH:
                when_zh = "" if p.timepoint in p.endpoint_label else f",{timepoint_text(p.timepoint, lang)}"
                caption = f"森林图:{p.endpoint_label}{when_zh},{zh_text(p.title_kind)}"
            blocks.append(_drawn(pools_scene(ds, [p], lang), caption, f"forest-{i}.svg", png))
    if ev.pooled:
        blocks.append(localize_table(certainty_table(ev), lang))
    if ev.comparisons:
        blocks.append(localize_table(comparisons_table(ev, lang), lang))
    if ev.continuous:
        blocks.append(localize_table(continuous_table(ev, lang), lang))
    if ev.effects:
        blocks.append(localize_table(effects_table(ev, lang), lang))
    if ev.refusals:
        blocks.append(localize_table(refusals_table(ev, lang), lang))
    return blocks
