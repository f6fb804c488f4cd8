"""Labels in English and Chinese, and picking a record's name in the asked language."""

from __future__ import annotations

import re
from collections.abc import Callable
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


# ------------------------------------------------------------------------------------------
# Evidence tables and charts in Chinese. The statistics write their tables, notes and charts in
# English; these turn the fixed words of them (headers, titles, row labels, measure and model
# names, the start of each note, chart labels) into Chinese. Figures and the data's own words
# (endpoint labels, arm labels) stay as they are.

#: A whole cell, header, title or chart label.
_ZH_PHRASES: dict[str, str] = {
    "Trial": "试验",
    "Arm": "组别",
    "Endpoint": "终点",
    "Timepoint": "时间点",
    "Design": "设计",
    "Events/total": "事件数/总数",
    "events/total": "事件数/总数",
    "Rate": "发生率",
    "95% CI": "95% 置信区间",
    "Forest (0–100%)": "森林图(0–100%)",
    "Forest": "森林图",
    "Single proportions": "单组比例",
    "MSC arm": "间充质干细胞组",
    "Control": "对照",
    "MSC": "间充质干细胞",
    "Risk difference (95% CI)": "风险差(95% 置信区间)",
    "Risk ratio (95% CI)": "相对危险度(95% 置信区间)",
    "Odds ratio (95% CI)": "比值比(95% 置信区间)",
    "p (χ²)": "p(χ²)",
    "Note": "备注",
    "Two-arm comparisons (MSC arm vs control)": "两组比较(间充质干细胞组对比对照)",
    "Study": "研究",
    "MSC events/total": "间充质干细胞组 事件数/总数",
    "Control events/total": "对照组 事件数/总数",
    "Weight": "权重",
    "Estimate (95% CI)": "估计值(95% 置信区间)",
    "95% prediction interval": "95% 预测区间",
    "Omitted": "剔除的研究",
    "Outcome": "结局",
    "Measure": "效应量",
    "Start": "起始等级",
    "Certainty": "确定性",
    "Rated down for": "降级原因",
    "Certainty of the pooled results (GRADE-style)": "合并结果的证据确定性(GRADE 式)",
    "Indication": "适应症",
    "Kind": "类型",
    "Not pooled because": "不合并的原因",
    "Not pooled": "未合并",
    "Automated first pass from the data's own fields, not a GRADE panel's judgement: indirectness and "
    "reasons to rate up are not assessed. Certainty is never rated up.": (
        "按数据字段自动给出的初步评估,并非 GRADE 专家组的判断:未评估间接性及升级理由。证据确定性从不升级。"
    ),
    "Every outcome with numbers is either in a pool above or listed here with its reason.": (
        "每个有数值的结局或已在上文合并,或在此列出原因。"
    ),
    "not rated down": "未降级",
    "undefined": "无法计算",
    "single-arm": "单臂",
    "controlled": "对照",
    "design unknown": "设计不详",
    "Proportion": "比例",
    "standard error": "标准误",
    "Risk difference (percentage points)": "风险差(百分点)",
    "favours control": "倾向对照",
    "favours MSC": "倾向间充质干细胞",
    "not on scale": "不在等级上",
    "Nothing to pool for this selection.": "所选范围内没有可合并的结局。",
    "Not pooled:": "未合并:",
    "No outcome with counts matches the selection.": "没有符合所选范围的计数结局。",
    # measures, models, comparators, certainty levels
    "single-arm proportion": "单组比例",
    "odds ratio": "比值比",
    "risk ratio": "相对危险度",
    "risk difference": "风险差",
    "mean difference": "均数差",
    "standardised mean difference (Hedges' g)": "标准化均数差(Hedges' g)",
    "hazard ratio": "风险比",
    "random effects": "随机效应",
    "common effect": "共同效应",
    "placebo/sham": "安慰剂/假手术",
    "active treatment": "阳性治疗",
    "add-on to standard care": "在标准治疗基础上加用",
    "external (historical) control": "外部(历史)对照",
    "no control": "无对照",
    "comparator not recorded": "未记录对照类型",
    "several": "多种",
    "very low": "极低",
    "low": "低",
    "moderate": "中",
    "high": "高",
}

#: The start of a note or label, the rest kept as written.
_ZH_PREFIXES: tuple[tuple[str, str], ...] = (
    ("Heterogeneity: ", "异质性:"),
    ("Test for overall effect: ", "总体效应检验:"),
    ("Test for subgroup differences ", "亚组差异检验 "),
    ("95% prediction interval: ", "95% 预测区间:"),
    ("No prediction interval: ", "无预测区间:"),
    ("Method: ", "方法:"),
    ("Study intervals: ", "研究区间:"),
    ("Certainty (automated first pass, not a GRADE panel): ", "确定性(自动初评,非 GRADE 专家组):"),
    ("Certainty: ", "确定性:"),
    ("No funnel plot or Egger's test: ", "无漏斗图及 Egger 检验:"),
    ("Egger's test ", "Egger 检验 "),
    ("95% confidence intervals: ", "95% 置信区间:"),
    ("Risk difference: ", "风险差:"),
    ("Each row refits the pool without one study ", "每行剔除一项研究后重新合并"),
    ("includes counts derived from reported percentages: ", "含由报告百分比推算的例数:"),
    ("* counts derived from reported percentages and arm sizes", "* 例数由报告的百分比和组别人数推算"),
    ("Forest plot: ", "森林图:"),
    ("Funnel plot: ", "漏斗图:"),
    ("Leave-one-out: ", "逐一剔除分析:"),
)

#: Patterns of labels with numbers or names in them.
_ZH_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"^Total, (random effects|common effect) \(k = (\d+)\)$"),
        lambda m: f"合计,{_ZH_PHRASES[m[1]]}(k = {m[2]})",
    ),
    (re.compile(r"^(\s*)Subtotal \(k = (\d+)\)$"), lambda m: f"{m[1]}小计(k = {m[2]})"),
    (
        re.compile(r"^Pooled ([a-z' ()-]+?)(?: vs ([a-z/ ()-]+))?: (.*)$"),
        lambda m: f"合并{zh_text(m[1])}" + (f"(对比{zh_text(m[2])})" if m[2] else "") + f":{m[3]}",
    ),
    (re.compile(r"^comparator: (.*)$"), lambda m: f"对照类型:{zh_text(m[1])}"),
    (
        re.compile(
            r"^Certainty( \(automated first pass, not a GRADE panel\))?: (very low|low|moderate|high)\b(.*)$"
        ),
        lambda m: (
            ("确定性(自动初评,非 GRADE 专家组):" if m[1] else "确定性:") + _ZH_PHRASES[m[2]] + _zh_words(m[3])
        ),
    ),
    (
        re.compile(r"^Leave-one-out: (.*), ([a-z' ()-]+)$"),
        lambda m: f"逐一剔除分析:{m[1]},{zh_text(m[2])}",
    ),
    (
        re.compile(r"^(.*) - pooled ([a-z' ()-]+?)(?: vs ([a-z/ ()-]+))?$"),
        lambda m: f"{m[1]} - 合并{zh_text(m[2])}" + (f"(对比{zh_text(m[3])})" if m[3] else ""),
    ),
    (re.compile(r"^(.*) \(log scale\)$"), lambda m: f"{zh_text(m[1].lower())}(对数尺度)"),
    (
        re.compile(
            r"^(Single-arm proportion|Odds ratio|Risk ratio|Risk difference|Mean difference|Hazard ratio)"
            r"( \[95% CI\])$"
        ),
        lambda m: f"{zh_text(m[1].lower())} [95% 置信区间]",
    ),
)


def zh_text(text: str) -> str:
    """``text`` with its fixed English words in Chinese (a phrase, a pattern or a note's start);
    anything else is returned as it is. Spaces around it stay."""
    core = text.strip()
    if core != text and core:
        at = text.index(core)
        return text[:at] + zh_text(core) + text[at + len(core) :]
    phrase = _ZH_PHRASES.get(text)
    if phrase is not None:
        return phrase
    for pattern, replace in _ZH_PATTERNS:
        m = pattern.match(text)
        if m:
            return replace(m)
    for en, zh in _ZH_PREFIXES:
        if text.startswith(en):
            return zh + _zh_words(text[len(en) :])
    return text


#: Method names and set phrases inside a note (after its translated start).
_ZH_WORDS: tuple[tuple[str, str], ...] = (
    (
        "fewer than 10 studies, they cannot tell small-study effects from chance",
        "研究少于 10 项,无法区分小研究效应与随机误差",
    ),
    ("not assessable with", "无法评估,"),
    (
        "Automated first pass from the data's own fields, not a GRADE panel's judgement: "
        "indirectness and reasons to rate up are not assessed.",
        "按数据字段自动给出的初步评估,并非 GRADE 专家组的判断:未评估间接性及升级理由。",
    ),
    (
        "(a pool's forest shows the Wald interval on the logit scale that it pools). Forest axis 0–100%.",
        "(合并的森林图显示其合并所用的 logit 尺度 Wald 区间)。森林图坐标轴 0–100%。",
    ),
    (
        "Newcombe hybrid score interval; risk ratio: log (Katz); odds ratio: logit (Woolf); "
        "p: Pearson chi-square without continuity correction.",
        "Newcombe 混合得分区间;相对危险度:对数法(Katz);比值比:logit 法(Woolf);"
        "p:不做连续性校正的 Pearson 卡方检验。",
    ),
    (
        "the single-proportions table shows the exact interval of the same counts",
        "单组比例表给出同一计数的精确区间",
    ),
    ("Certainty is never rated up.", "证据确定性从不升级。"),
    ("inverse variance", "倒方差法"),
    ("random effects", "随机效应"),
    ("common effect", "共同效应"),
    ("on the logit proportion scale", "(logit 比例尺度)"),
    ("on the log odds ratio scale", "(对数比值比尺度)"),
    ("on the log risk ratio scale", "(对数相对危险度尺度)"),
    ("95% CI and test of the summary", "合并效应的 95% 置信区间与检验"),
    ("Q-profile 95% CI", "Q-profile 95% 置信区间"),
    ("I² from τ²", "I² 由 τ² 计算"),
    ("forest axis", "森林图坐标轴"),
    (
        "right of no effect favours MSC when the endpoint is a good outcome",
        "终点为良好结局时,无效线右侧倾向间充质干细胞",
    ),
    ("as pooled", "与合并时相同"),
    ("design: ", "设计:"),
    ("risk of bias: ", "偏倚风险:"),
    ("inconsistency: ", "不一致性:"),
    ("imprecision: ", "不精确性:"),
    ("few studies: ", "研究数少:"),
    ("publication bias: ", "发表偏倚:"),
    ("start low", "起始为低"),
    ("start high", "起始为高"),
    ("single-arm rates (no comparison)", "单组率(无比较)"),
    ("every study a randomized comparison", "所有研究均为随机比较"),
    ("the 95% CI includes no effect", "95% 置信区间包含无效值"),
    ("events in all", "个事件"),
    ("fewer than 300", "少于 300"),
    ("fewer than 10 studies", "少于 10 项研究"),
    ("heterogeneity cannot be judged", "无法判断异质性"),
    ("with k = ", "k = "),
    ("proxies only in studies carrying ", "替代指标仅见于合计权重 "),
    (" of the weight", " 的研究"),
    ("no risk-of-bias proxy in the data", "数据中无偏倚风险替代指标"),
    ("the 95% CI spans ", "95% 置信区间跨越 "),
    (" percentage points", " 个百分点"),
)


def _zh_words(text: str) -> str:
    for en, zh in _ZH_WORDS:
        if en in text:
            text = text.replace(en, zh)
    return text


def localize_table(table: Any, lang: Lang) -> Any:
    """An output ``Table`` with its fixed words in ``lang`` (the evidence tables are built in English)."""
    if lang is Lang.EN:
        return table
    return type(table)(
        tuple(zh_text(c) for c in table.columns),
        tuple(tuple(zh_text(c) for c in row) for row in table.rows),
        zh_text(table.title) if table.title else table.title,
        tuple(zh_text(n) for n in table.notes),
        table.keys,
    )
