"""Publication-style forest plots and the source-tissue chart (matplotlib, imported lazily)."""

from __future__ import annotations

import io
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from mscref.data.dataset import Dataset
from mscref.data.errors import UsageError
from mscref.data.models import Source, TraitKind
from mscref.evidence.stats import SINGLE, Evidence, PooledEstimate, favours
from mscref.render.i18n import Lang, name_in

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

FORMATS = {".svg": "svg", ".png": "png"}


def _import_matplotlib() -> Any:
    """matplotlib with only its own defaults. A ``matplotlibrc`` in the current folder or the
    user's config, or ``$MPLBACKEND``, could otherwise stop every plot (a bad value), print
    warnings, make matplotlib run LaTeX (``text.usetex``) or import a module of the file's
    choosing (``backend: module://…``): no file mscref did not ask for may change what it
    runs, and the same data gives the same chart anywhere."""
    import logging
    import sys

    if "matplotlib" in sys.modules:  # a program using mscref as a library chose its settings
        import matplotlib

        return matplotlib
    os.environ["MPLBACKEND"] = "agg"  # read (and checked) once, at the first import
    log = logging.getLogger("matplotlib")
    level = log.level
    log.setLevel(logging.CRITICAL)  # a planted file's "Bad value" warnings are not the user's
    try:
        import matplotlib
    finally:
        log.setLevel(level)
    matplotlib.rcdefaults()  # forget every matplotlibrc read at import
    return matplotlib


def _pyplot() -> Any:
    matplotlib = _import_matplotlib()
    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: searchable, small
    matplotlib.rcParams["svg.hashsalt"] = "mscref"  # stable ids: same data, same file
    matplotlib.rcParams["text.parse_math"] = False  # a '$' in a label is a dollar sign, not TeX
    import matplotlib.pyplot as plt

    return plt


def _fmt(p: PooledEstimate, x: float | None) -> str:
    return p.fmt(x, missing="-")


def ratio_text(x: float) -> str:
    """A ratio with two decimals, or in significant figures when very large or small."""
    if x >= 1000 or 0 < x < 0.01:
        return f"{x:.2g}"
    return f"{x:.2f}"


RATIO_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)
# columns in figure fractions: left of the forest and right of it
_X_STUDY, _X_ARM1, _X_ARM2 = 0.01, 0.30, 0.39
_FOREST = (0.47, 0.29)  # left, width
_X_WEIGHT, _X_EST = 0.83, 0.86


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


def _diamond(ax: Any, low: float, est: float, high: float, y: float, color: str, filled: bool = True) -> None:
    xs = [low, est, high, est, low]
    ys = [y, y + 0.32, y, y - 0.32, y]
    if filled:
        ax.fill(xs, ys, color=color, zorder=3)
    else:
        ax.fill(xs, ys, facecolor="white", edgecolor=color, linewidth=1.2, zorder=3)


ROW_IN, TITLE_IN, AXIS_IN, FOOT_IN = 0.24, 0.45, 0.8, 0.17


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


def _panel_height(p: PooledEstimate) -> float:
    return TITLE_IN + ROW_IN * (len(_rows(p)) + 2) + AXIS_IN + FOOT_IN * len(_footer(p)) + 0.25


def _panel(fig: Any, top_in: float, fig_h: float, p: PooledEstimate, indication: str) -> None:
    """One forest: columns of counts, the forest on its axis, weights and estimates; the
    summary diamond with its prediction interval; heterogeneity and overall-effect lines."""
    from matplotlib.transforms import blended_transform_factory

    lines = _rows(p)
    n = len(lines)
    rows_in = ROW_IN * (n + 2)
    ax_top = top_in - TITLE_IN
    ax = fig.add_axes((_FOREST[0], (ax_top - rows_in) / fig_h, _FOREST[1], rows_in / fig_h))
    ys = list(range(n, 0, -1))
    ax.set_ylim(0.3, n + 1.7)
    two_arm = p.kind != "single-arm proportion"
    tr = blended_transform_factory(fig.transFigure, ax.transData)
    text_kw: dict[str, Any] = {"transform": tr, "va": "center", "fontsize": 8, "parse_math": False}
    head = n + 1
    ax.text(_X_STUDY, head, "Study", fontweight="bold", **text_kw)
    caption = p.arm_caption
    if two_arm and caption:
        ax.text(_X_ARM1, head, "MSC", fontweight="bold", ha="right", **text_kw)
        ax.text(_X_ARM2, head, "Control", fontweight="bold", ha="right", **text_kw)
        ax.text(_X_ARM1, head - 0.5, caption, ha="right", color="grey", **{**text_kw, "fontsize": 6})
        ax.text(_X_ARM2, head - 0.5, caption, ha="right", color="grey", **{**text_kw, "fontsize": 6})
    elif caption:
        ax.text(_X_ARM2, head, "Events/total", fontweight="bold", ha="right", **text_kw)
    ax.text(_X_WEIGHT, head, "Weight", fontweight="bold", ha="right", **text_kw)
    what = p.title_kind
    ax.text(_X_EST, head, f"{what[0].upper()}{what[1:]} [95% CI]", fontweight="bold", **text_kw)
    blue, red = "#1f4e79", "#c0392b"
    for (what, item), y in zip(lines, ys, strict=True):
        if what == "header":
            ax.text(_X_STUDY, y, item, fontstyle="italic", **text_kw)
        elif what == "study":
            s = item
            indent = "   " if p.subgroup_by else ""
            ax.text(_X_STUDY, y, indent + s.label.split(" (", 1)[0], **text_kw)
            arms = s.arm_cells()
            if two_arm and len(arms) == 2:
                ax.text(_X_ARM1, y, arms[0], ha="right", **text_kw)
                ax.text(_X_ARM2, y, arms[1], ha="right", **text_kw)
            elif arms:
                ax.text(_X_ARM2, y, arms[0], ha="right", **text_kw)
            ax.text(_X_WEIGHT, y, f"{100 * s.weight:.1f}%", ha="right", **text_kw)
            ax.text(_X_EST, y, f"{_fmt(p, s.estimate)} [{_fmt(p, s.low)}, {_fmt(p, s.high)}]", **text_kw)
            ax.plot([s.low, s.high], [y, y], color="black", linewidth=0.9)
            size = 3 + 12 * s.weight**0.5
            ax.plot([s.estimate], [y], marker="s", markersize=size, color=blue, linestyle="none")
        elif what == "subtotal":
            g = item
            ax.text(_X_STUDY, y, f"   Subtotal (k = {g.k})", fontweight="bold", **text_kw)
            ax.text(
                _X_EST,
                y,
                f"{_fmt(p, g.estimate)} [{_fmt(p, g.low)}, {_fmt(p, g.high)}]",
                fontweight="bold",
                **text_kw,
            )
            _diamond(ax, g.low, g.estimate, g.high, y, red, filled=False)
        elif what == "total":
            ax.text(_X_STUDY, y, f"Total, {p.model} (k = {p.k})", fontweight="bold", **text_kw)
            totals = p.arm_totals()
            if two_arm and len(totals) == 2:
                for x, total in zip((_X_ARM1, _X_ARM2), totals, strict=True):
                    ax.text(x, y, total, ha="right", fontweight="bold", **text_kw)
            ax.text(_X_WEIGHT, y, "100%", ha="right", fontweight="bold", **text_kw)
            ax.text(
                _X_EST,
                y,
                f"{_fmt(p, p.estimate)} [{_fmt(p, p.low)}, {_fmt(p, p.high)}]",
                fontweight="bold",
                **text_kw,
            )
            _diamond(ax, p.low, p.estimate, p.high, y, red)
        elif what == "pi" and p.pi_low is not None and p.pi_high is not None:
            ax.text(_X_STUDY, y, "95% prediction interval", color="grey", **text_kw)
            ax.text(_X_EST, y, f"[{_fmt(p, p.pi_low)}, {_fmt(p, p.pi_high)}]", color="grey", **text_kw)
            ax.plot([p.pi_low, p.pi_high], [y, y], color=red, linewidth=2.2, solid_capstyle="butt")
    null = p.null
    if p.is_ratio:
        from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

        ax.set_xscale("log")
        values = [v for s in p.studies for v in (s.low, s.high)] + [p.low, p.high]
        values += [v for v in (p.pi_low, p.pi_high) if v is not None]
        values = [v for v in values if math.isfinite(v) and v > 0]
        lo = max(0.01, min([*values, 1.0]) / 1.3)
        hi = min(100.0, max([*values, 1.0]) * 1.3)
        first = max([t for t in RATIO_TICKS if t <= lo] or [RATIO_TICKS[0]])
        last = min([t for t in RATIO_TICKS if t >= hi] or [RATIO_TICKS[-1]])
        ticks = [t for t in RATIO_TICKS if first <= t <= last]
        ax.set_xlim(first, last)
        ax.xaxis.set_major_locator(FixedLocator(ticks))
        ax.xaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax.set_xlabel(f"{p.kind[0].upper()}{p.kind[1:]} (log scale)", fontsize=8)
    elif p.kind == "risk difference":
        ax.xaxis.set_major_formatter(FuncFormatter_pct())
        ax.set_xlabel("Risk difference (percentage points)", fontsize=8)
    elif p.kind == SINGLE:
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(FuncFormatter_pct())
        ax.set_xlabel("Proportion", fontsize=8)
    else:  # a difference of means, or a reported difference: a linear axis around 0
        values = [v for s in p.studies for v in (s.low, s.high)] + [p.low, p.high, 0.0]
        values += [v for v in (p.pi_low, p.pi_high) if v is not None]
        values = [v for v in values if math.isfinite(v)]
        pad = 0.08 * ((max(values) - min(values)) or 1.0)
        ax.set_xlim(min(values) - pad, max(values) + pad)
        unit = f" ({p.unit})" if p.unit else ""
        ax.set_xlabel(f"{p.kind[0].upper()}{p.kind[1:]}{unit}", fontsize=8)
    if null is not None:
        ax.axvline(null, color="grey", linestyle="-", linewidth=0.8, zorder=1)
        left, right = favours(p)
        under = (ax_top - rows_in - 0.62) / fig_h  # below the axis title
        lab = {
            "transform": blended_transform_factory(ax.transData, fig.transFigure),
            "fontsize": 7,
            "parse_math": False,
        }
        ax.text(null, under, f"{left}  ", ha="right", va="bottom", color="dimgrey", **lab)
        ax.text(null, under, f"  {right}", ha="left", va="bottom", color="dimgrey", **lab)
    ax.axvline(p.estimate, color=red, linestyle=":", linewidth=0.7, zorder=1)
    ax.set_yticks([])
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.tick_params(axis="x", labelsize=7)
    foot_top = ax_top - rows_in - AXIS_IN
    for i, line in enumerate(_footer(p)):
        fig.text(_X_STUDY, (foot_top - FOOT_IN * i) / fig_h, line, fontsize=6.5, va="top", parse_math=False)
    when = "" if p.timepoint in p.endpoint_label else f", {p.timepoint}"
    comp = f" vs {p.comparator}" if two_arm and p.comparator not in ("", "several") else ""
    fig.text(
        _X_STUDY,
        (top_in - 0.1) / fig_h,
        f"{indication}: {p.endpoint_label}{when} - pooled {p.title_kind}{comp}",
        fontsize=10,
        fontweight="bold",
        va="top",
        parse_math=False,
    )


def FuncFormatter_pct() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: f"{100 * v:.0f}%")


def forest_figure(ds: Dataset, ev: Evidence) -> Figure:
    """One forest panel per pooled estimate; with nothing pooled, a page that says so and lists
    what was not pooled, with the reason."""
    if not ev.pooled:
        return nothing_pooled_figure(ev)
    return pools_figure(ds, list(ev.pooled))


def nothing_pooled_figure(ev: Evidence) -> Figure:
    plt = _pyplot()
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
    fig = plt.figure(figsize=(10, 0.6 + 0.22 * len(lines)))
    for i, line in enumerate(lines):
        fig.text(
            0.01,
            1 - (i + 1) / (len(lines) + 1),
            line,
            fontsize=8,
            va="center",
            parse_math=False,
            fontweight="bold" if i == 0 else "normal",
        )
    return cast("Figure", fig)


FUNNEL_HEIGHT = 3.4


def pools_figure(ds: Dataset, pools: list[PooledEstimate]) -> Figure:
    """Forest panels one under another; a pool with k ≥ 10 gets its funnel plot under it."""
    plt = _pyplot()
    heights = [_panel_height(p) + (FUNNEL_HEIGHT if p.egger else 0.0) for p in pools]
    total = sum(heights)
    fig = plt.figure(figsize=(12, total))
    top = total
    for p, h in zip(pools, heights, strict=True):
        _panel(fig, top, total, p, ds.indication(p.indication).name)
        if p.egger:
            bottom = top - h
            ax = fig.add_axes((0.1, (bottom + 0.5) / total, 0.35, (FUNNEL_HEIGHT - 1.0) / total))
            _funnel(ax, p)
        top -= h
    return cast("Figure", fig)


def _funnel(ax: Any, p: PooledEstimate) -> None:
    """Funnel plot of one pool (k ≥ 10): each study's effect against its standard error, with
    the pseudo 95% limits around the summary on the pooling scale."""
    se = [math.sqrt(s.variance) for s in p.studies]
    eff = [s.effect for s in p.studies]
    centre = sum(s.weight * s.effect for s in p.studies)
    top = max(se) * 1.05
    ax.plot(
        [centre - 1.96 * top, centre, centre + 1.96 * top],
        [top, 0, top],
        color="grey",
        linestyle="--",
        linewidth=0.8,
    )
    ax.scatter(eff, se, s=14, color="#1f4e79", zorder=3)
    ax.set_ylim(top, 0)
    ax.set_xlabel(p.scale, fontsize=8)
    ax.set_ylabel("standard error", fontsize=8)
    title = f"Funnel plot: {p.endpoint_label} (k = {p.k})"
    if p.egger is not None:
        title += f"; Egger t = {p.egger.t:.2f}, p = {p.egger.p:.3g}"
    ax.set_title(title, fontsize=9, loc="left")
    ax.tick_params(labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)


def source_chart(ds: Dataset, sources: list[Source], lang: Lang = Lang.EN) -> Figure:
    """Grouped bars: each ordinal trait's rank per source (off-scale values drawn as a gap),
    labelled in ``lang``."""
    plt = _pyplot()
    traits = [t for t in ds.traits if t.kind is TraitKind.ORDINAL]
    fig, ax = plt.subplots(figsize=(8, 3.2))
    width = 0.8 / max(1, len(sources))
    for i, src in enumerate(sources):
        ranks = [ds.level_rank(src.traits[t.id].level) if t.id in src.traits else None for t in traits]
        xs = [j + i * width for j in range(len(traits))]
        ax.bar(
            [x for x, r in zip(xs, ranks, strict=True) if r],
            [r for r in ranks if r],
            width,
            label=src.abbreviation or src.name,
        )
        for x, r in zip(xs, ranks, strict=True):
            if r is None:
                ax.annotate("not on scale", xy=(x, 0.1), rotation=90, fontsize=9, ha="center", va="bottom")
    ax.set_xticks(
        [j + 0.4 - width / 2 for j in range(len(traits))], labels=[name_in(t, lang) for t in traits]
    )
    ax.set_yticks(range(1, len(ds.levels) + 1), labels=[name_in(lv, lang) for lv in ds.levels])
    ax.set_ylim(0, len(ds.levels) + 0.5)
    ax.legend(fontsize=8, ncols=len(sources), loc="upper center", bbox_to_anchor=(0.5, 1.18), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    localize_figure(fig, lang)
    fig.tight_layout()
    return cast("Figure", fig)


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    plt = _pyplot()
    buf = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {}
    fig.savefig(buf, format=fmt, dpi=150, metadata=metadata, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def plot_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UsageError(f"cannot plot to {path.name}: use a .svg or .png file name")
    return fmt


#: Fonts with Chinese characters, by family name and by file name, most complete first.
_CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Droid Sans Fallback")
_CJK_FILES = ("notosanscjk", "sourcehansans", "wqy-zenhei", "droidsansfallback")


def _cjk_font() -> str | None:
    """The family name of a font with Chinese characters (registered with matplotlib when only
    the system has it), or None when there is none."""
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in _CJK_FAMILIES:
        if family in known:
            return family
    for path in font_manager.findSystemFonts():
        if any(key in Path(path).name.lower().replace("-", "").replace("_", "") for key in _CJK_FILES):
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    return None


def localize_figure(fig: Figure, lang: Lang, ds: Dataset | None = None) -> Figure:
    """A finished chart with its fixed words (titles, axes, legends, column heads) and, given the
    data set, its indication names in ``lang``, in a font that has the characters (SVG keeps the
    text as text either way)."""
    if lang is Lang.EN:
        return fig
    import logging

    from matplotlib.text import Text

    from mscref.render.i18n import zh_text

    # a CJK font without a bold face is used as it is, without a message for every label
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    names = {i.name + ": ": i.name_zh + ":" for i in ds.indications if i.name_zh} if ds else {}
    family = _cjk_font()
    for text in fig.findobj(Text):
        words = text.get_text()
        if words:
            for en, zh in names.items():
                if words.startswith(en):
                    words = zh + words[len(en) :]
                    break
            text.set_text(zh_text(words))
        if family:
            text.set_fontfamily(["DejaVu Sans", family])
    return fig
