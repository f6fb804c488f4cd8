"""Publication-style forest plots (and the funnel plot under a pool of ten or more studies),
laid out as a scene of primitives (``mscref.render.chart``) and written as SVG or PNG.

Layout in points, y downward, on a page 12 inches wide that grows when its text needs more room
(a long study label pushes the columns right instead of running into them)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mscref.data.dataset import Dataset
from mscref.evidence.stats import SINGLE, Evidence, PooledEstimate, favours
from mscref.render.chart import (
    BLACK,
    COLOURS,
    DIMGREY,
    GREY,
    Anchor,
    Circle,
    Item,
    Line,
    Polygon,
    Rect,
    Scene,
    Text,
    text_width,
)
from mscref.render.i18n import Lang

Translate = Callable[[str], str]

RATIO_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)

WIDTH = 12 * 72.0  # the page, in points, before its text asks for more
# columns in fractions of the page: left of the forest and right of it
_X_STUDY, _X_ARM1, _X_ARM2 = 0.01, 0.30, 0.39
_FOREST = (0.47, 0.29)  # left, width
_X_WEIGHT, _X_EST = 0.83, 0.86
ROW, TITLE, AXIS, FOOT = 0.24 * 72, 0.45 * 72, 0.8 * 72, 0.17 * 72
FUNNEL = 3.4 * 72
GAP = 8.0  # the least room between two columns
INDENT = 7.5  # a study under a subgroup heading
BLUE, RED = COLOURS  # the only colours a scene may use besides greys (the PNG palette)
# a line of text is placed by its centre; its baseline sits this far (in ems) below it
_MID = 0.3
_ASCENT = 0.76


def _fmt(p: PooledEstimate, x: float | None) -> str:
    return p.fmt(x, missing="-")


def _rows(p: PooledEstimate) -> list[tuple[str, Any]]:
    """What each line of the panel shows, top to bottom: ("header", name), ("study", StudyEffect),
    ("subtotal", SubgroupResult), ("total", None), ("pi", None)."""
    out: list[tuple[str, Any]] = []
    if p.subgroup_by is None:
        out += [("study", s) for s in p.studies]
    else:
        for g in p.subgroups:
            out.append(("header", f"{p.subgroup_by}: {g.name}"))
            out += [("study", s) for s in p.studies if s.group == g.name]
            if g.k > 1:
                out.append(("subtotal", g))
    out.append(("total", None))
    if p.pi_low is not None:
        out.append(("pi", None))
    return out


def _footer(p: PooledEstimate) -> list[str]:
    foot = [f"Heterogeneity: {p.heterogeneity()}", p.overall_test()]
    if p.pi_low is not None:
        foot.append(p.pi_note)
    if p.subgroup_test is not None:
        t = p.subgroup_test
        foot.append(f"Test for subgroup differences ({t.by}): Q = {t.q:.2f}, df = {t.df}, p = {t.p:.3g}")
    if p.measure_choice:
        foot.append(f"Measure: {p.measure_choice}")
    foot.append(f"Method: {p.method}")
    if p.certainty is not None:
        foot.append(f"Certainty (automated first pass, not a GRADE panel): {p.certainty.level}")
    foot += list(p.notes)
    return foot


def translator(ds: Dataset | None, lang: Lang) -> Translate:
    """What a chart's text becomes in ``lang``: fixed words through the Chinese glossary, and a
    title's leading indication name in Chinese when the data set has it."""
    if lang is Lang.EN:
        return lambda text: text
    from mscref.render.i18n import zh_text

    names = {i.name + ": ": i.name_zh + ":" for i in ds.indications if i.name_zh} if ds else {}

    def tr(text: str) -> str:
        for en, zh in names.items():
            if text.startswith(en):
                text = zh + text[len(en) :]
                break
        return zh_text(text)

    return tr


# ------------------------------------------------------------------------------------------
# Axes


@dataclass
class _Axis:
    """A horizontal axis from ``left`` to ``right`` (points) showing ``lo``..``hi``."""

    left: float
    right: float
    lo: float
    hi: float
    log: bool = False
    ticks: list[tuple[float, str]] = field(default_factory=list)
    label: str = ""

    def fraction(self, v: float) -> float:
        """How far along the axis ``v`` is: 0 at ``lo``, 1 at ``hi``, outside for a value off it."""
        if self.log:
            if v <= 0:
                return -math.inf
            return (math.log(v) - math.log(self.lo)) / (math.log(self.hi) - math.log(self.lo))
        return (v - self.lo) / (self.hi - self.lo)

    def at(self, v: float | None) -> tuple[float, bool] | None:
        """Where ``v`` falls, kept on the axis, and whether it had to be; None for no value."""
        if v is None or math.isnan(v):
            return None
        t = self.fraction(v)
        clipped = not 0 <= t <= 1
        t = min(1.0, max(0.0, t))
        return self.left + t * (self.right - self.left), clipped

    def inside(self, v: float | None) -> float | None:
        where = self.at(v)
        return where[0] if where is not None and not where[1] else None


def _nice_step(span: float, most: int) -> float:
    raw = span / max(1, most - 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if span / (m * mag) <= most - 1:
            return m * mag
    return 10 * mag


def _linear_ticks(
    lo: float, hi: float, scale: float = 1.0, suffix: str = "", most: int = 7
) -> list[tuple[float, str]]:
    """Round ticks inside ``lo``..``hi``, labelled in units of ``1/scale`` (100 for percentages)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return []
    step = _nice_step((hi - lo) * scale, most)
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) + (
        1 if round(step / 10.0 ** math.floor(math.log10(step)), 3) == 2.5 else 0
    )
    out = []
    for i in range(math.ceil(lo * scale / step - 1e-9), math.floor(hi * scale / step + 1e-9) + 1):
        shown = f"{i * step:.{decimals}f}"
        if float(shown) == 0:
            shown = f"{0:.{decimals}f}"
        out.append((i * step / scale, shown.replace("-", "\u2212") + suffix))
    return out


def _finite(values: list[float | None]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def _forest_axis(p: PooledEstimate, left: float, right: float) -> _Axis:
    """The forest's axis as matplotlib drew it: log with RATIO_TICKS for ratios, 0-100% for a
    single-arm proportion, percentage points for a risk difference, linear around 0 otherwise."""
    ends: list[float | None] = [v for s in p.studies for v in (s.low, s.high)]
    ends += [p.low, p.high]
    ends += [p.pi_low, p.pi_high]
    kind = f"{p.kind[0].upper()}{p.kind[1:]}"
    if p.is_ratio:
        positive = [v for v in _finite(ends) if v > 0]
        lo = max(0.01, min([*positive, 1.0]) / 1.3)
        hi = min(100.0, max([*positive, 1.0]) * 1.3)
        first = max([t for t in RATIO_TICKS if t <= lo] or [RATIO_TICKS[0]])
        last = min([t for t in RATIO_TICKS if t >= hi] or [RATIO_TICKS[-1]])
        ticks = [(t, f"{t:g}") for t in RATIO_TICKS if first <= t <= last]
        return _Axis(left, right, first, last, log=True, ticks=ticks, label=f"{kind} (log scale)")
    if p.kind == SINGLE:
        ticks = [(i / 5, f"{20 * i}%") for i in range(6)]
        return _Axis(left, right, 0.0, 1.0, ticks=ticks, label="Proportion")
    values = _finite([*ends, p.estimate, 0.0])
    if p.kind == "risk difference":
        values = [min(1.0, max(-1.0, v)) for v in values]  # a difference of two rates
    lo, hi = min(values), max(values)
    pad = (0.05 if p.kind == "risk difference" else 0.08) * ((hi - lo) or 1.0)
    lo, hi = lo - pad, hi + pad
    if p.kind == "risk difference":
        ticks = _linear_ticks(lo, hi, 100.0, "%")
        return _Axis(left, right, lo, hi, ticks=ticks, label="Risk difference (percentage points)")
    unit = f" ({p.unit})" if p.unit else ""
    return _Axis(left, right, lo, hi, ticks=_linear_ticks(lo, hi), label=f"{kind}{unit}")


def _draw_axis(ax: _Axis, y: float, tr: Translate, items: list[Item]) -> float:
    """The axis line, ticks, tick labels and title under ``y``; returns the title's baseline."""
    items.append(Line(((ax.left, y), (ax.right, y)), 0.8))
    for value, shown in ax.ticks:
        t = ax.fraction(value)
        if not -1e-9 <= t <= 1 + 1e-9:
            continue
        x = ax.left + min(1.0, max(0.0, t)) * (ax.right - ax.left)
        items.append(Line(((x, y), (x, y + 3.5)), 0.8))
        items.append(Text(x, y + 7 + 7 * _ASCENT, tr(shown), 7, "middle"))
    base = y + 18.5 + 8 * _ASCENT
    items.append(Text((ax.left + ax.right) / 2, base, tr(ax.label), 8, "middle"))
    return base


def _arrow(x: float, y: float, direction: int, colour: str, size: float = 3.5) -> Polygon:
    """A small head at ``x`` pointing left (-1) or right (+1): the interval runs on off the axis."""
    back = x - direction * size * 1.3
    return Polygon(((x, y), (back, y - size * 0.75), (back, y + size * 0.75)), fill=colour)


def _interval(ax: _Axis, low: float, high: float, y: float, colour: str, width: float) -> list[Item]:
    """A horizontal interval kept on the axis, with an arrow where it runs off it."""
    a, b = ax.at(low), ax.at(high)
    if a is None or b is None:
        return []
    (xa, off_a), (xb, off_b) = sorted((a, b))
    out: list[Item] = []
    if xb > xa:
        out.append(Line(((xa, y), (xb, y)), width, colour))
    if off_a and xa <= ax.left:
        out.append(_arrow(ax.left, y, -1, colour))
    if off_b and xb >= ax.right:
        out.append(_arrow(ax.right, y, 1, colour))
    return out


def _diamond(
    ax: _Axis, low: float, est: float, high: float, y: float, half: float, colour: str, filled: bool
) -> list[Item]:
    spots = [ax.at(v) for v in (low, est, high)]
    if any(s is None for s in spots):
        return []
    xl, xe, xh = (s[0] for s in spots if s is not None)
    shape = ((xl, y), (xe, y - half), (xh, y), (xe, y + half))
    if filled:
        return [Polygon(shape, fill=colour)]
    return [Polygon(shape, fill="#ffffff", stroke=colour, width=1.2)]


# ------------------------------------------------------------------------------------------
# One forest panel


@dataclass
class _Cell:
    column: str  # study, arm1, arm2, weight, est
    row: float  # in rows: the column heads at n + 1, the first line at n, the last at 1
    text: str
    size: float = 8.0
    bold: bool = False
    italic: bool = False
    colour: str = BLACK
    indent: float = 0.0


@dataclass
class _Block:
    items: list[Item]
    width: float
    height: float
    title: str


def _cells(p: PooledEstimate, tr: Translate) -> list[_Cell]:
    """Every text of the table beside the forest, in its column and row."""
    lines = _rows(p)
    n = len(lines)
    two_arm = p.kind != SINGLE
    head = n + 1
    cells = [_Cell("study", head, "Study", bold=True)]
    caption = p.arm_caption
    if two_arm and caption:
        cells += [_Cell("arm1", head, "MSC", bold=True), _Cell("arm2", head, "Control", bold=True)]
        cells += [_Cell(c, head - 0.5, caption, size=6, colour=GREY) for c in ("arm1", "arm2")]
    elif caption:
        cells.append(_Cell("arm2", head, "Events/total", bold=True))
    cells.append(_Cell("weight", head, "Weight", bold=True))
    what = p.title_kind
    cells.append(_Cell("est", head, f"{what[0].upper()}{what[1:]} [95% CI]", bold=True))
    indent = INDENT if p.subgroup_by else 0.0
    for (kind, item), y in zip(lines, range(n, 0, -1), strict=True):
        if kind == "header":
            cells.append(_Cell("study", y, item, italic=True))
        elif kind == "study":
            s = item
            cells.append(_Cell("study", y, s.label.split(" (", 1)[0], indent=indent))
            arms = s.arm_cells()
            if two_arm and len(arms) == 2:
                cells += [_Cell("arm1", y, arms[0]), _Cell("arm2", y, arms[1])]
            elif arms:
                cells.append(_Cell("arm2", y, arms[0]))
            cells.append(_Cell("weight", y, f"{100 * s.weight:.1f}%"))
            cells.append(_Cell("est", y, f"{_fmt(p, s.estimate)} [{_fmt(p, s.low)}, {_fmt(p, s.high)}]"))
        elif kind == "subtotal":
            g = item
            cells.append(_Cell("study", y, f"Subtotal (k = {g.k})", bold=True, indent=INDENT))
            cells.append(
                _Cell("est", y, f"{_fmt(p, g.estimate)} [{_fmt(p, g.low)}, {_fmt(p, g.high)}]", bold=True)
            )
        elif kind == "total":
            cells.append(_Cell("study", y, f"Total, {p.model} (k = {p.k})", bold=True))
            totals = p.arm_totals()
            if two_arm and len(totals) == 2:
                cells += [_Cell(c, y, t, bold=True) for c, t in zip(("arm1", "arm2"), totals, strict=True)]
            cells.append(_Cell("weight", y, "100%", bold=True))
            cells.append(
                _Cell("est", y, f"{_fmt(p, p.estimate)} [{_fmt(p, p.low)}, {_fmt(p, p.high)}]", bold=True)
            )
        elif kind == "pi" and p.pi_low is not None and p.pi_high is not None:
            cells.append(_Cell("study", y, "95% prediction interval", colour=GREY))
            cells.append(_Cell("est", y, f"[{_fmt(p, p.pi_low)}, {_fmt(p, p.pi_high)}]", colour=GREY))
    for c in cells:
        c.text = tr(c.text)
    return cells


def _panel(p: PooledEstimate, indication: str, tr: Translate, top: float) -> _Block:
    """One forest: columns of counts, the forest on its axis, weights and estimates; the summary
    diamond with its prediction interval; heterogeneity and overall-effect lines under it."""
    lines = _rows(p)
    n = len(lines)
    cells = _cells(p, tr)

    widths: dict[str, float] = {}
    for c in cells:  # each column's widest text, measured once
        w = c.indent + text_width(c.text, c.size, c.bold)
        if w > widths.get(c.column, -math.inf):
            widths[c.column] = w

    def widest(column: str) -> float:
        return widths.get(column, 0.0)

    # columns: where the fractions of the page put them, further right when their text needs it
    x_study = _X_STUDY * WIDTH
    arm1, arm2 = widest("arm1"), widest("arm2")
    if arm1:
        x_arm1 = max(_X_ARM1 * WIDTH, x_study + widest("study") + GAP + arm1)
        x_arm2 = max(x_arm1 + (_X_ARM2 - _X_ARM1) * WIDTH, x_arm1 + GAP + arm2)
    else:
        x_arm1 = _X_ARM1 * WIDTH
        x_arm2 = max(_X_ARM2 * WIDTH, x_study + widest("study") + GAP + arm2)
    forest_left = x_arm2 + (_FOREST[0] - _X_ARM2) * WIDTH
    forest_right = forest_left + _FOREST[1] * WIDTH
    x_weight = max(forest_right + (_X_WEIGHT - sum(_FOREST)) * WIDTH, forest_right + GAP + widest("weight"))
    x_est = x_weight + (_X_EST - _X_WEIGHT) * WIDTH
    xs = {"study": x_study, "arm1": x_arm1, "arm2": x_arm2, "weight": x_weight, "est": x_est}

    items: list[Item] = []
    rows_h = ROW * (n + 2)
    ax_top = top + TITLE
    step = rows_h / (n + 1.4)  # the height of one row: rows n + 1.7 (top) to 0.3 (bottom)
    axis_y = ax_top + rows_h

    def row_y(row: float) -> float:
        return ax_top + (n + 1.7 - row) * step

    for c in cells:
        anchor: Anchor = "end" if c.column in ("arm1", "arm2", "weight") else "start"
        items.append(
            Text(
                xs[c.column] + c.indent,
                row_y(c.row) + _MID * c.size,
                c.text,
                c.size,
                anchor,
                c.bold,
                c.italic,
                c.colour,
            )
        )

    ax = _forest_axis(p, forest_left, forest_right)
    # the lines behind: no effect, and the pooled estimate
    null = p.null
    if null is not None and (x := ax.inside(null)) is not None:
        items.append(Line(((x, ax_top), (x, axis_y)), 0.8, GREY))
    if (x := ax.inside(p.estimate)) is not None:
        items.append(Line(((x, ax_top), (x, axis_y)), 0.7, RED, dash=(0.7, 1.2)))
    half = 0.32 * step
    for (kind, item), row in zip(lines, range(n, 0, -1), strict=True):
        y = row_y(row)
        if kind == "study":
            s = item
            items += _interval(ax, s.low, s.high, y, BLACK, 0.9)
            if (x := ax.inside(s.estimate)) is not None:
                side = 3 + 12 * (s.weight**0.5 if math.isfinite(s.weight) and s.weight > 0 else 0.0)
                items.append(Rect(x - side / 2, y - side / 2, side, side, BLUE))
        elif kind == "subtotal":
            items += _diamond(ax, item.low, item.estimate, item.high, y, half, RED, filled=False)
        elif kind == "total":
            items += _diamond(ax, p.low, p.estimate, p.high, y, half, RED, filled=True)
        elif kind == "pi" and p.pi_low is not None and p.pi_high is not None:
            items += _interval(ax, p.pi_low, p.pi_high, y, RED, 2.2)
    _draw_axis(ax, axis_y, tr, items)
    right_edge = x_est + widest("est")
    if null is not None and (x := ax.inside(null)) is not None:
        left, right = (tr(t) for t in favours(p))
        base = axis_y + 0.62 * 72 - 0.24 * 7
        items.append(Text(x - 4.5, base, left, 7, "end", colour=DIMGREY))
        items.append(Text(x + 4.5, base, right, 7, "start", colour=DIMGREY))
        right_edge = max(right_edge, x + 4.5 + text_width(right, 7))
    foot_top = axis_y + AXIS
    footer = [tr(line) for line in _footer(p)]
    for i, line in enumerate(footer):
        items.append(Text(x_study, foot_top + FOOT * i + 6.5 * _ASCENT, line, 6.5))
    two_arm = p.kind != SINGLE
    when = "" if p.timepoint in p.endpoint_label else f", {p.timepoint}"
    comp = f" vs {p.comparator}" if two_arm and p.comparator not in ("", "several") else ""
    title = tr(f"{indication}: {p.endpoint_label}{when} - pooled {p.title_kind}{comp}")
    items.append(Text(x_study, top + 0.1 * 72 + 10 * _ASCENT, title, 10, bold=True))
    width = max(
        WIDTH,
        right_edge + x_study,
        2 * x_study + text_width(title, 10, bold=True),
        2 * x_study + max((text_width(f, 6.5) for f in footer), default=0.0),
    )
    height = TITLE + rows_h + AXIS + FOOT * len(footer) + 0.25 * 72
    return _Block(items, width, height, title)


# ------------------------------------------------------------------------------------------
# Funnel plot


def _funnel(p: PooledEstimate, tr: Translate, top: float) -> _Block:
    """Funnel plot of one pool (k ≥ 10): each study's effect against its standard error, with the
    pseudo 95% limits around the summary on the pooling scale; standard error 0 at the top."""
    items: list[Item] = []
    left, width = 0.1 * WIDTH, 0.35 * WIDTH
    ax_top, height = top + 0.5 * 72, FUNNEL - 1.0 * 72
    bottom = ax_top + height
    points = [
        (s.effect, math.sqrt(s.variance))
        for s in p.studies
        if math.isfinite(s.effect) and math.isfinite(s.variance) and s.variance >= 0
    ]
    centre = sum(s.weight * s.effect for s in p.studies)
    se_top = max((se for _, se in points), default=0.0) * 1.05
    if not (math.isfinite(se_top) and se_top > 0):
        se_top = 1.0
    xs = [e for e, _ in points]
    if math.isfinite(centre):
        xs += [centre - 1.96 * se_top, centre + 1.96 * se_top]
    lo, hi = (min(xs), max(xs)) if xs else (-1.0, 1.0)
    pad = 0.05 * ((hi - lo) or 1.0)
    ax = _Axis(left, left + width, lo - pad, hi + pad, ticks=_linear_ticks(lo - pad, hi + pad), label=p.scale)

    def y_of(se: float) -> float:
        return ax_top + min(1.0, se / se_top) * height

    if math.isfinite(centre):
        edge = [ax.at(v) for v in (centre - 1.96 * se_top, centre, centre + 1.96 * se_top)]
        if all(e is not None for e in edge):
            (x0, _), (x1, _), (x2, _) = (e for e in edge if e is not None)
            items.append(Line(((x0, bottom), (x1, ax_top), (x2, bottom)), 0.8, GREY, dash=(2.96, 1.28)))
    for effect, se in points:
        if (x := ax.inside(effect)) is not None:
            items.append(Circle(x, y_of(se), 1.87, BLUE))
    items.append(Line(((left, ax_top), (left, bottom)), 0.8))
    _draw_axis(ax, bottom, tr, items)
    widest = 0.0
    for value, shown in _linear_ticks(0.0, se_top):
        y = y_of(value)
        items.append(Line(((left - 3.5, y), (left, y)), 0.8))
        items.append(Text(left - 7, y + _MID * 7, tr(shown), 7, "end"))
        widest = max(widest, text_width(shown, 7))
    items.append(
        Text(left - 11 - widest, (ax_top + bottom) / 2, tr("standard error"), 8, "middle", rotate=-90)
    )
    title = f"Funnel plot: {p.endpoint_label} (k = {p.k})"
    if p.egger is not None:
        title += f"; Egger t = {p.egger.t:.2f}, p = {p.egger.p:.3g}"
    title = tr(title)
    items.append(Text(left, ax_top - 6, title, 9))
    return _Block(items, max(WIDTH, left + text_width(title, 9) + 0.01 * WIDTH), FUNNEL, title)


# ------------------------------------------------------------------------------------------
# Whole figures


def pools_scene(ds: Dataset, pools: list[PooledEstimate], lang: Lang = Lang.EN) -> Scene:
    """Forest panels one under another; a pool with k ≥ 10 gets its funnel plot under it."""
    tr = translator(ds, lang)
    blocks: list[_Block] = []
    top = 0.0
    for p in pools:
        panel = _panel(p, ds.indication(p.indication).name, tr, top)
        blocks.append(panel)
        top += panel.height
        if p.egger:
            funnel = _funnel(p, tr, top)
            blocks.append(funnel)
            top += funnel.height
    return Scene(
        max((b.width for b in blocks), default=WIDTH),
        max(top, 1.0),
        tuple(item for b in blocks for item in b.items),
        "; ".join(b.title for b in blocks),
    )


def nothing_pooled_scene(ev: Evidence, ds: Dataset | None = None, lang: Lang = Lang.EN) -> Scene:
    """A page that says nothing was pooled and lists what was not, with the reason."""
    tr = translator(ds, lang)
    lines = ["Nothing to pool for this selection.", ""]
    if ev.refusals:
        lines.append("Not pooled:")
        lines += [
            f"  {r.indication}, {r.endpoint}, {r.timepoint or 'no timepoint'}"
            + (f", {r.trial_id}" if r.trial_id else "")
            + f": {r.reason}"
            for r in ev.refusals
        ]
    else:
        lines.append("No outcome with counts matches the selection.")
    page = 10 * 72.0
    height = (0.6 + 0.22 * len(lines)) * 72
    items: list[Item] = []
    widest = 0.0
    for i, line in enumerate(lines):
        indent = INDENT if line.startswith("  ") else 0.0
        text = tr(line.strip())
        if not text:
            continue
        bold = i == 0
        y = (i + 1) / (len(lines) + 1) * height + _MID * 8
        items.append(Text(0.01 * page + indent, y, text, 8, bold=bold))
        widest = max(widest, indent + text_width(text, 8, bold))
    return Scene(max(page, 0.02 * page + widest), height, tuple(items), tr(lines[0]))


def evidence_scene(ds: Dataset, ev: Evidence, lang: Lang = Lang.EN) -> Scene:
    """One forest panel per pooled estimate; with nothing pooled, a page that says so and lists
    what was not pooled, with the reason."""
    if not ev.pooled:
        return nothing_pooled_scene(ev, ds, lang)
    return pools_scene(ds, list(ev.pooled), lang)
