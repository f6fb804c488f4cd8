"""Tables (with text forest plots) for the evidence statistics."""

from __future__ import annotations

import math

from mscref.data.dataset import Dataset
from mscref.evidence.methods import CI_NAMES
from mscref.evidence.stats import Evidence, PooledEstimate
from mscref.render.i18n import Lang, name_in
from mscref.render.output import Table

WIDTH = 25


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _ratio(x: float) -> str:
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


def proportions_table(ev: Evidence) -> Table:
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
    notes = [f"95% confidence intervals: {CI_NAMES[ev.ci_method]}. Forest axis 0–100%."]
    if any(p.count.derived for p in ev.proportions):
        notes.append("* counts derived from reported percentages and arm sizes")
    return Table(
        (
            "Trial",
            "Arm",
            "Endpoint",
            "Timepoint",
            "Design",
            "Events/total",
            "Rate",
            "95% CI",
            "Forest (0–100%)",
        ),
        tuple(rows),
        title="Single proportions",
        notes=tuple(notes),
    )


def comparisons_table(ev: Evidence) -> Table:
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
                f"{c.p_value:.3g}" + (f" (reported {c.reported_p})" if c.reported_p else ""),
                f"{c.correction} added to every cell for RR/OR" if c.correction else "",
            )
        )
    return Table(
        (
            "Trial",
            "Endpoint",
            "Timepoint",
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


def _fmt(p: PooledEstimate, x: float) -> str:
    return _pct(x) if p.kind == "single-arm proportion" or p.kind == "risk difference" else _ratio(x)


def pooled_table(ds: Dataset, p: PooledEstimate, lang: Lang) -> Table:
    is_ratio = p.kind in ("odds ratio", "risk ratio")
    values = [s.low for s in p.studies] + [s.high for s in p.studies] + [p.low, p.high]
    if is_ratio:
        axis = (min([*values, 1.0]) * 0.9, max([*values, 1.0]) * 1.1)
    elif p.kind == "risk difference":
        axis = (min([*values, 0.0]), max([*values, 0.0]))
    else:
        axis = (0.0, 1.0)
    rows = [
        (
            s.label,
            _fmt(p, s.estimate),
            f"{_fmt(p, s.low)}–{_fmt(p, s.high)}",
            f"{100 * s.weight:.1f}%",
            text_forest(s.low, s.estimate, s.high, axis, log=is_ratio),
        )
        for s in p.studies
    ]
    rows.append(
        (
            f"Pooled (k = {p.k})",
            _fmt(p, p.estimate),
            f"{_fmt(p, p.low)}–{_fmt(p, p.high)}",
            "100%",
            text_forest(p.low, p.estimate, p.high, axis, log=is_ratio, marker="◆"),
        )
    )
    ind = name_in(ds.indication(p.indication), lang)
    axis_text = f"axis {_fmt(p, axis[0])}–{_fmt(p, axis[1])}" + (" (log)" if is_ratio else "")
    notes = [
        f"Heterogeneity: {p.heterogeneity()}",
        f"Method: {p.method}; {axis_text}.",
        *p.notes,
    ]
    return Table(
        ("Study", "Estimate", "95% CI", "Weight", "Forest"),
        tuple(rows),
        title=f"Pooled {p.kind}: {ind}, {p.endpoint_label}"
        + ("" if p.timepoint in p.endpoint_label else f", {p.timepoint}"),
        notes=tuple(notes),
    )


def refusals_table(ev: Evidence) -> Table:
    return Table(
        ("Indication", "Endpoint", "Timepoint", "Kind", "Not pooled because"),
        tuple((r.indication, r.endpoint, r.timepoint or "", r.kind, r.reason) for r in ev.refusals),
        title="Not pooled",
    )


def evidence_tables(ds: Dataset, ev: Evidence, lang: Lang) -> list[Table]:
    tables = []
    if ev.proportions:
        tables.append(proportions_table(ev))
    if ev.comparisons:
        tables.append(comparisons_table(ev))
    tables += [pooled_table(ds, p, lang) for p in ev.pooled]
    if ev.refusals:
        tables.append(refusals_table(ev))
    return tables
