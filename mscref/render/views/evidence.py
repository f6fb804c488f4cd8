"""Tables (with text forest plots) for the evidence statistics."""

from __future__ import annotations

import math

from mscref.data.dataset import Dataset
from mscref.evidence.methods import CI_NAMES
from mscref.evidence.stats import Evidence, PooledEstimate, StudyEffect, favours
from mscref.render.i18n import Lang, label, localize_table, name_in
from mscref.render.output import Table

WIDTH = 25


def _h(key: str, lang: Lang) -> str:
    """A column header the i18n labels hold, in ``lang``."""
    text = label(key, lang)
    return text[0].upper() + text[1:] if lang is Lang.EN else text


def _trial(lang: Lang) -> str:
    return _h("trial_record", lang)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _ratio(x: float) -> str:
    if x >= 1000 or 0 < x < 0.01:
        return f"{x:.2g}"
    return f"{x:.2f}"


def text_forest(
    low: float,
    est: float,
    high: float,
    axis: tuple[float, float],
    *,
    log: bool = False,
    marker: str = "■",
    width: int = WIDTH,
) -> str:
    """A one-line forest row: ``····├──■───┤·····`` on the given axis (log-scaled for ratios)."""
    lo_axis, hi_axis = axis
    if log:
        low, est, high = (math.log(max(v, 1e-9)) for v in (low, est, high))
        lo_axis, hi_axis = math.log(lo_axis), math.log(hi_axis)
    span = hi_axis - lo_axis or 1.0

    def pos(v: float) -> int:
        return max(0, min(width - 1, round((v - lo_axis) / span * (width - 1))))

    cells = ["·"] * width
    a, m, b = pos(low), pos(est), pos(high)
    for i in range(a, b + 1):
        cells[i] = "─"
    cells[a], cells[b] = "├", "┤"
    cells[m] = marker
    return "".join(cells)


def proportions_table(ev: Evidence, lang: Lang = Lang.EN) -> Table:
    rows = []
    for p in ev.proportions:
        c, iv = p.count, p.interval
        rows.append(
            (
                p.trial_id,
                c.label,
                p.endpoint_label,
                p.timepoint or "",
                p.design,
                f"{c.events}/{c.total}{'*' if c.derived else ''}",
                _pct(iv.estimate),
                f"{_pct(iv.low)}–{_pct(iv.high)}",
                text_forest(iv.low, iv.estimate, iv.high, (0.0, 1.0)),
            )
        )
    notes = [
        f"95% confidence intervals: {CI_NAMES[ev.ci_method]} (a pool's forest shows the Wald interval on "
        "the logit scale that it pools). Forest axis 0–100%."
    ]
    if any(p.count.derived for p in ev.proportions):
        notes.append(
            label("derived_note", lang)
            if lang is Lang.ZH
            else "* counts derived from reported percentages and arm sizes"
        )
    return Table(
        (
            _trial(lang),
            _h("arm", lang),
            _h("endpoint", lang),
            _h("timepoint", lang),
            _h("design", lang),
            "Events/total",
            "Rate",
            "95% CI",
            "Forest (0–100%)",
        ),
        tuple(rows),
        title="Single proportions",
        notes=tuple(notes),
    )


def comparisons_table(ev: Evidence, lang: Lang = Lang.EN) -> Table:
    rows = []
    for c in ev.comparisons:
        t, k = c.treatment, c.control
        star_t, star_c = ("*" if t.derived else ""), ("*" if k.derived else "")
        rows.append(
            (
                c.trial_id,
                c.endpoint_label,
                c.timepoint or "",
                f"{t.label}: {t.events}/{t.total}{star_t}",
                f"{k.label}: {k.events}/{k.total}{star_c}",
                f"{100 * c.risk_difference.estimate:+.1f} pts ({100 * c.risk_difference.low:+.1f} to "
                f"{100 * c.risk_difference.high:+.1f})",
                f"{_ratio(c.risk_ratio.estimate)} ({_ratio(c.risk_ratio.low)}–{_ratio(c.risk_ratio.high)})",
                f"{_ratio(c.odds_ratio.estimate)} ({_ratio(c.odds_ratio.low)}–{_ratio(c.odds_ratio.high)})",
                ("undefined" if c.p_value is None else f"{c.p_value:.3g}")
                + (f" (reported {c.reported_p})" if c.reported_p else ""),
                f"{c.correction} added to every cell for RR/OR" if c.correction else "",
            )
        )
    return Table(
        (
            _trial(lang),
            _h("endpoint", lang),
            _h("timepoint", lang),
            "MSC arm",
            "Control",
            "Risk difference (95% CI)",
            "Risk ratio (95% CI)",
            "Odds ratio (95% CI)",
            "p (χ²)",
            "Note",
        ),
        tuple(rows),
        title="Two-arm comparisons (MSC arm vs control)",
        notes=(
            "Risk difference: Newcombe hybrid score interval; risk ratio: log (Katz); "
            "odds ratio: logit (Woolf); p: Pearson chi-square without continuity correction.",
        ),
    )


def _fmt(p: PooledEstimate, x: float | None) -> str:
    return p.fmt(x)


def _ci(p: PooledEstimate, low: float | None, high: float | None) -> str:
    sep = " to " if any(x is not None and x < 0 for x in (low, high)) else "–"
    return f"{_fmt(p, low)}{sep}{_fmt(p, high)}"


def _arm_cell(s: StudyEffect, i: int) -> str:
    cells = s.arm_cells()
    return cells[i] if i < len(cells) else ""


def _axis(p: PooledEstimate) -> tuple[float, float]:
    values = [v for s in p.studies for v in (s.low, s.high)] + [p.low, p.high]
    values += [v for v in (p.pi_low, p.pi_high) if v is not None]
    values = [v for v in values if math.isfinite(v)]
    if p.is_ratio:
        values = [v for v in values if v > 0]
        return (max(1e-3, min([*values, 1.0]) * 0.9), min(1e3, max([*values, 1.0]) * 1.1))
    if p.kind == "single-arm proportion":
        return (0.0, 1.0)
    return (min([*values, 0.0]), max([*values, 0.0]))


def _study_name(s: StudyEffect) -> str:
    return s.label.split(" (", 1)[0]


def pooled_table(ds: Dataset, p: PooledEstimate, lang: Lang) -> Table:
    """One pool: per-arm counts, weight, estimate with its CI and a text forest; subtotals per
    subgroup; the summary, its prediction interval, and every method and test below."""
    axis = _axis(p)
    log = p.is_ratio
    two_arm = p.kind != "single-arm proportion"
    caption = p.arm_caption
    reported = not caption

    def row(name: str, s: StudyEffect) -> tuple[str, ...]:
        if reported:
            arms: tuple[str, ...] = (s.label.split(" (", 1)[1].rstrip(")") if " (" in s.label else "",)
        else:
            arms = (_arm_cell(s, 0), _arm_cell(s, 1)) if two_arm else (_arm_cell(s, 0),)
        return (
            name,
            *arms,
            f"{100 * s.weight:.1f}%",
            f"{_fmt(p, s.estimate)} ({_ci(p, s.low, s.high)})",
            text_forest(s.low, s.estimate, s.high, axis, log=log),
        )

    blank = ("", "") if two_arm and not reported else ("",)
    rows: list[tuple[str, ...]] = []
    if p.subgroup_by is None:
        rows += [row(_study_name(s), s) for s in p.studies]
    else:
        for g in p.subgroups:
            rows.append((f"{p.subgroup_by}: {g.name}", *blank, "", "", ""))
            members = [s for s in p.studies if s.group == g.name]
            rows += [row("  " + _study_name(s), s) for s in members]
            if g.k > 1:
                weight = sum(s.weight for s in members)
                rows.append(
                    (
                        f"  Subtotal (k = {g.k})",
                        *blank,
                        f"{100 * weight:.1f}%",
                        f"{_fmt(p, g.estimate)} ({_ci(p, g.low, g.high)})",
                        text_forest(g.low, g.estimate, g.high, axis, log=log, marker="◇"),
                    )
                )
    totals = tuple(p.arm_totals()) or blank
    rows.append(
        (
            f"Total, {p.model} (k = {p.k})",
            *totals,
            "100%",
            f"{_fmt(p, p.estimate)} ({_ci(p, p.low, p.high)})",
            text_forest(p.low, p.estimate, p.high, axis, log=log, marker="◆"),
        )
    )
    if p.pi_low is not None and p.pi_high is not None:
        rows.append(
            (
                "95% prediction interval",
                *blank,
                "",
                _ci(p, p.pi_low, p.pi_high),
                text_forest(p.pi_low, p.estimate, p.pi_high, axis, log=log, marker="┼"),
            )
        )
    ind = name_in(ds.indication(p.indication), lang)
    axis_text = f"forest axis {_fmt(p, axis[0])}–{_fmt(p, axis[1])}" + (" (log)" if log else "")
    if p.null is not None:
        left, right = favours(p)
        axis_text += f"; left of no effect: {left}, right: {right}"
    notes = [
        f"Measure: {p.measure_choice}." if p.measure_choice else "",
        f"Heterogeneity: {p.heterogeneity()}",
        p.overall_test(),
        p.pi_note,
    ]
    if p.subgroup_test is not None:
        t = p.subgroup_test
        notes.append(
            f"Test for subgroup differences ({t.by}): Q = {t.q:.2f}, df = {t.df}, p = {t.p:.3g}; {t.method}"
        )
    elif p.subgroup_note:
        notes.append(p.subgroup_note)
    notes += [
        f"Method: {p.method}; {axis_text}.",
        f"Study intervals: Wald on the {p.scale} scale, as pooled (the single-proportions table shows the "
        "exact interval of the same counts)."
        if not two_arm
        else f"Study intervals: Wald on the {p.scale} scale, as pooled.",
        p.small_study_note,
    ]
    if p.certainty is not None:
        c = p.certainty
        notes.append(
            f"Certainty: {c.level} — "
            + "; ".join(f"{s.domain}: {s.reason}" + (f" ({s.change})" if s.change else "") for s in c.steps)
            + f". {c.note[0].upper()}{c.note[1:]}."
        )
    notes += list(p.notes)
    columns = (
        ("Study", "Reported (CI)", "Weight", "Estimate (95% CI)", "Forest")
        if reported
        else ("Study", f"MSC {caption}", f"Control {caption}", "Weight", "Estimate (95% CI)", "Forest")
        if two_arm
        else ("Study", "Events/total", "Weight", "Estimate (95% CI)", "Forest")
    )
    where = "" if p.timepoint in p.endpoint_label else f", {p.timepoint}"
    comp = f" vs {p.comparator}" if two_arm and p.comparator not in ("", "several") else ""
    return Table(
        columns,
        tuple(rows),
        title=f"Pooled {p.title_kind}{comp}: {ind}, {p.endpoint_label}{where}",
        notes=tuple(n for n in notes if n),
    )


def leave_one_out_table(p: PooledEstimate) -> Table:
    rows = [
        (
            x.omitted,
            f"{_fmt(p, x.estimate)} ({_ci(p, x.low, x.high)})",
            "—" if x.tau2 is None else f"{x.tau2:.3f}",
            "—" if x.i2 is None else f"{100 * x.i2:.0f}%",
        )
        for x in p.leave_one_out
    ]
    where = "" if p.timepoint in p.endpoint_label else f", {p.timepoint}"
    return Table(
        ("Omitted", "Estimate (95% CI)", "τ²", "I²"),
        tuple(rows),
        title=f"Leave-one-out: {p.endpoint_label}{where}, {p.title_kind}",
        notes=(f"Each row refits the pool without one study ({p.method.split(';')[0]}).",),
    )


def certainty_table(ev: Evidence) -> Table:
    rows = []
    for p in ev.pooled:
        if p.certainty is None:
            continue
        down = "; ".join(f"{s.domain} {s.change}: {s.reason}" for s in p.certainty.steps if s.change)
        rows.append(
            (
                f"{p.indication}: {p.endpoint_label}"
                + ("" if p.timepoint in p.endpoint_label else f", {p.timepoint}"),
                p.title_kind,
                str(p.k),
                f"{_fmt(p, p.estimate)} ({_ci(p, p.low, p.high)})",
                p.certainty.start,
                p.certainty.level,
                down or "not rated down",
            )
        )
    from mscref.evidence.certainty import NOTE

    return Table(
        ("Outcome", "Measure", "k", "Estimate (95% CI)", "Start", "Certainty", "Rated down for"),
        tuple(rows),
        title="Certainty of the pooled results (GRADE-style)",
        notes=(f"{NOTE[0].upper()}{NOTE[1:]}. Certainty is never rated up.",),
    )


def continuous_table(ev: Evidence, lang: Lang = Lang.EN) -> Table:
    """Every continuous outcome's arms as reported — medians included, which are shown and never
    pooled as means — with the mean difference where both arms have a mean, SD and n."""
    rows = []
    for c in ev.continuous:
        d = c.difference
        rows.append(
            (
                c.trial_id,
                c.endpoint_label,
                c.timepoint or "",
                c.arms[0].label + ": " + c.arms[0].shown() if c.arms else "",
                "; ".join(f"{a.label}: {a.shown()}" for a in c.arms[1:]),
                "" if d is None else f"{d.estimate:+.3g} ({d.low:+.3g} to {d.high:+.3g})",
                c.use,
            )
        )
    notes = ["Mean difference: MSC arm minus control, 95% CI normal with unequal variances."]
    if any(a.sd_from_se for c in ev.continuous for a in c.arms):
        notes.append("SD from SE: the SD computed from a reported standard error (SD = SE √n).")
    return Table(
        (
            _trial(lang),
            _h("endpoint", lang),
            _h("timepoint", lang),
            "MSC arm",
            "Control",
            "Mean difference (95% CI)",
            "Used",
        ),
        tuple(rows),
        title="Continuous outcomes (as reported)",
        notes=tuple(notes),
    )


def effects_table(ev: Evidence, lang: Lang = Lang.EN) -> Table:
    rows = []
    for e in ev.effects:
        ci = "" if e.low is None or e.high is None else f"{e.low:g} to {e.high:g} ({100 * e.level:g}% CI)"
        adjusted = {True: "adjusted", False: "crude", None: ""}[e.adjusted]
        rows.append(
            (
                e.trial_id,
                e.endpoint_label,
                e.timepoint or "",
                f"{e.measure_label} ({e.measure.upper()})" if e.measure_label else e.measure.upper(),
                f"{e.estimate:g}" + (f" {e.unit}" if e.unit else ""),
                ci,
                adjusted,
                e.use,
            )
        )
    return Table(
        (
            _trial(lang),
            _h("endpoint", lang),
            _h("timepoint", lang),
            "Measure",
            "Estimate",
            "Interval",
            "Adjusted",
            "Used",
        ),
        tuple(rows),
        title="Effects as reported (MSC arm vs control)",
        notes=(
            "Pooled by generic inverse variance: the SE from the interval at its own level, on the log "
            "scale for a ratio; only the same measure, endpoint, timepoint and comparator class together.",
        ),
    )


def refusals_table(ev: Evidence, lang: Lang = Lang.EN) -> Table:
    return Table(
        (
            _h("indication", lang),
            _h("endpoint", lang),
            _h("timepoint", lang),
            _h("kind", lang),
            _trial(lang),
            "Not pooled because",
        ),
        tuple(
            (r.indication, r.endpoint, r.timepoint or "", r.kind, r.trial_id or "", r.reason)
            for r in ev.refusals
        ),
        title="Not pooled",
        notes=("Every outcome with numbers is either in a pool above or listed here with its reason.",),
    )


def evidence_tables(ds: Dataset, ev: Evidence, lang: Lang) -> list[Table]:
    tables = []
    if ev.proportions:
        tables.append(proportions_table(ev, lang))
    if ev.comparisons:
        tables.append(comparisons_table(ev, lang))
    if ev.continuous:
        tables.append(continuous_table(ev, lang))
    if ev.effects:
        tables.append(effects_table(ev, lang))
    for p in ev.pooled:
        tables.append(pooled_table(ds, p, lang))
        if p.leave_one_out:
            tables.append(leave_one_out_table(p))
    if ev.pooled:
        tables.append(certainty_table(ev))
    if ev.refusals:
        tables.append(refusals_table(ev, lang))
    return [localize_table(t, lang) for t in tables]
