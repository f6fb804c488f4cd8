"""Labels in English and Chinese, and picking a record's name in the asked language."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Lang(StrEnum):
    EN = "en"
    ZH = "zh"


_LABELS: dict[str, tuple[str, str]] = {
    # columns and fields
    "id": ("ID", "编号"),
    "trait": ("Trait", "特性指标"),
    "product": ("Product", "产品"),
    "product_id": ("Product ID", "产品编号"),
    "source": ("Source", "来源"),
    "sources": ("Sources", "来源"),
    "indication": ("Indication", "适应症"),
    "phase": ("Phase", "分期"),
    "design": ("Design", "设计"),
    "n": ("n", "例数"),
    "key_outcome": ("Key outcome", "主要结果"),
    "approvals": ("Approvals", "批准情况"),
    "verdict": ("Verdict", "核查结论"),
    "kind": ("Kind", "类型"),
    "title": ("Title", "标题"),
    "registry_ids": ("Registry ids", "注册号"),
    "product_type": ("Product type", "产品类型"),
    "origin": ("Origin", "供体类型"),
    "population": ("Population", "人群"),
    "study_type": ("Study type", "研究类型"),
    "countries": ("Countries", "国家/地区"),
    "period": ("Period", "时间"),
    "status": ("Status", "状态"),
    "notes": ("Notes", "备注"),
    "arms": ("Arms", "分组"),
    "arm": ("Arm", "组别"),
    "dose": ("Dose", "剂量"),
    "route": ("Route", "途径"),
    "schedule": ("Schedule", "方案"),
    "outcomes": ("Outcomes", "结局"),
    "endpoint": ("Endpoint", "终点"),
    "timepoint": ("Timepoint", "时间点"),
    "result": ("Result", "结果"),
    "p_value": ("p", "p 值"),
    "references": ("References", "参考文献"),
    "refs": ("Refs", "文献"),
    "safety": ("Safety", "安全性"),
    "sae": ("≥1 SAE", "≥1 例严重不良事件"),
    "deaths": ("Deaths", "死亡"),
    "related_sae": ("Related SAE", "相关严重不良事件"),
    "related_ae": ("Related AE", "相关不良事件"),
    "cells_per_kg": ("Cells/kg", "细胞数/kg"),
    "cells_per_dose": ("Cells/dose", "每剂细胞数"),
    "doses": ("Doses", "给药次数"),
    "interval_days": ("Interval (days)", "间隔(天)"),
    "contradiction": ("Contradiction", "自相矛盾"),
    "analysis": ("Analysis", "分析人群"),
    "primary_tag": ("primary", "主要终点"),
    "secondary_source": ("secondary source: {kind}", "二手来源:{kind}"),
    "not_pooled": ("not pooled: {reason}", "不参与合并:{reason}"),
    "claims": ("Seed claims", "原文论断"),
    "seed_text": ("Seed says", "原文"),
    "correction": ("Sources say", "核查"),
    "agency": ("Agency", "机构"),
    "region": ("Region", "地区"),
    "date": ("Date", "日期"),
    "sponsor": ("Sponsor", "申办方"),
    "aliases": ("Also called", "别名"),
    "category": ("Category", "类别"),
    "description": ("Description", "描述"),
    "traits": ("Traits", "特性"),
    "trials": ("Trials", "试验"),
    "milestones": ("Milestones", "里程碑"),
    "name": ("Name", "名称"),
    "parent": ("Part of", "上级"),
    "level": ("Level", "等级"),
    # values
    "none": ("—", "—"),
    "unknown": ("unknown", "未知"),
    "unclassified": ("unclassified", "未分类"),
    "not_in_seed": ("not in seed", "原文未提及"),
    "randomized": ("randomized", "随机"),
    "non_randomized": ("non-randomized", "非随机"),
    "single_arm": ("single-arm", "单臂"),
    "controlled": ("controlled", "对照"),
    "uncontrolled": ("uncontrolled", "无对照"),
    "derived_note": (
        "* counts derived, not reported (from reported percentages and arm sizes unless "
        "`mscref show ID` says otherwise)",
        "* 例数为推算值,非报告值(除 `mscref show ID` 另有说明外,由报告的百分比和组别人数推算)",
    ),
    "non_msc_hidden": (
        "{count} record(s) that are not culture-expanded MSCs hidden ({kinds}); "
        "add --product-type with their type to list them",
        "已隐藏 {count} 条非培养扩增间充质干细胞的记录({kinds});加 --product-type 及其类型可显示",
    ),
    "non_msc_banner": (
        "NOT an MSC trial: kept only as flagged context for a seed claim",
        "非间充质干细胞试验:仅作为原文论断的背景记录保留",
    ),
    "not_expanded_banner": (
        "Not culture-expanded MSCs ({kind}): kept out of MSC counts and pools unless asked for",
        "非培养扩增的间充质干细胞({kind}):除非指定,不计入间充质干细胞的统计与合并",
    ),
    "product_record": ("product", "产品"),
    "trial_record": ("trial", "试验"),
    "vs": ("vs", "对比"),
    "derived": ("derived", "推算"),
    "verified_false": ("unverified", "未核实"),
    "seed_statement_note": (
        "Traits are the seed article's general statements (unverified; no specific source).",
        "特性为原文的一般性陈述(未核实,无具体来源)。",
    ),
    "rank": ("rank", "等级"),
    "columns_hidden": (
        "hidden for want of room: {hidden} (--columns names the fields to show; a wider terminal shows more)",
        "因宽度不足而隐藏:{hidden}(用 --columns 指定要显示的字段;终端更宽时显示更多)",
    ),
    "no_match": ("no {what} match {filters}", "没有符合 {filters} 的{what}"),
    "no_match_all": ("no {what} in the data", "数据中没有{what}"),
}

_ENUMS: dict[str, tuple[str, str]] = {
    # verdicts
    "verified": ("verified", "已核实"),
    "partly": ("partly", "部分属实"),
    "unverified": ("unverified", "未核实"),
    "contradicted": ("contradicted", "与来源矛盾"),
    # product types
    "cells": ("cells", "细胞"),
    "extracellular-vesicles": ("extracellular vesicles", "细胞外囊泡"),
    "engineered-cells": ("engineered cells", "工程化细胞"),
    "stromal-vascular-fraction": ("stromal vascular fraction", "基质血管组分"),
    "marrow-concentrate": ("bone-marrow concentrate", "骨髓浓缩物"),
    "precursor-cells": ("mesenchymal precursor cells", "间充质前体细胞"),
    "msc-derived-cells": ("MSC-derived cells", "间充质干细胞衍生细胞"),
    "non-msc": ("non-MSC", "非间充质干细胞"),
    # figure sources and reference kinds
    "primary": ("primary publication", "原始文献"),
    "conference": ("conference report", "会议报告"),
    "review": ("review table or summary", "综述表格或摘要"),
    "news": ("news", "新闻"),
    "press-release": ("press release", "新闻稿"),
    "secondary": ("secondary source", "二手来源"),
    # effect measures
    "hr": ("HR", "HR"),
    "or": ("OR", "OR"),
    "rr": ("RR", "RR"),
    "rd": ("RD", "RD"),
    "md": ("MD", "MD"),
    "smd": ("SMD", "SMD"),
    "ratio-of-means": ("ratio of means", "均值比"),
    "rate-ratio": ("rate ratio", "率比"),
    # origins
    "allogeneic": ("allogeneic", "同种异体"),
    "autologous": ("autologous", "自体"),
    # approval statuses
    "approved": ("approved", "已批准"),
    "conditional": ("conditional", "附条件批准"),
    "withdrawn": ("withdrawn", "已撤市"),
    # blinding / control
    "open-label": ("open-label", "开放标签"),
    "single-blind": ("single-blind", "单盲"),
    "double-blind": ("double-blind", "双盲"),
    "placebo": ("placebo-controlled", "安慰剂对照"),
    "active": ("active control", "阳性对照"),
    "standard-care": ("standard-care control", "标准治疗对照"),
    "external": ("external control", "外部对照"),
    # study types
    "interventional": ("interventional", "干预性"),
    "expanded-access": ("expanded access", "扩展使用"),
    "observational": ("observational", "观察性"),
    "registry": ("registry", "登记研究"),
    # source classes
    "msc": ("MSC", "间充质干细胞"),
    "msc-progenitor": ("MSC progenitor", "间充质祖细胞"),
}


def label(key: str, lang: Lang, **fmt: Any) -> str:
    """A label in ``lang``; ``fmt`` fills its placeholders."""
    en, zh = _LABELS[key]
    text = zh if lang is Lang.ZH else en
    return text.format(**fmt) if fmt else text


def enum_label(value: str | None, lang: Lang) -> str:
    """A closed-vocabulary value (verdict, product type …) as words in ``lang``."""
    if value is None:
        return label("unknown", lang)
    pair = _ENUMS.get(str(value))
    if pair is None:
        return str(value)
    return pair[1] if lang is Lang.ZH else pair[0]


def name_in(record: Any, lang: Lang) -> str:
    """A record's name in ``lang`` (its English name when it has no Chinese one)."""
    zh = getattr(record, "name_zh", None)
    return zh if lang is Lang.ZH and zh else str(record.name)


def text_in(en: str | None, zh: str | None, lang: Lang) -> str | None:
    """Pick the text of ``lang``, falling back to the other language."""
    if lang is Lang.ZH:
        return zh or en
    return en or zh


def region_label(name: str | None, lang: Lang) -> str:
    """A country or region of approval in ``lang`` ("韩国" for Korea); as written when unknown."""
    if name is None:
        return label("unknown", lang)
    if lang is Lang.ZH:
        from mscref.data.places import place_zh

        return place_zh(name) or name
    return name
