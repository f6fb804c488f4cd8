"""The source-tissue chart and the helpers of the registry's chart (matplotlib, imported
lazily). The forest and funnel plots are drawn without matplotlib: ``mscref.render.forest``."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from mscref.data.dataset import Dataset
from mscref.data.errors import UsageError
from mscref.data.models import Source, TraitKind
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


#: Fonts with Chinese characters, by family name, most complete first.
_CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "Droid Sans Fallback")


def _cjk_font() -> str | None:
    """The family name of a font with Chinese characters (registered with matplotlib when only
    the system has it), or None when there is none."""
    from matplotlib import font_manager

    from mscref.render.chart import cjk_font_file

    known = {f.name for f in font_manager.fontManager.ttflist}
    for family in _CJK_FAMILIES:
        if family in known:
            return family
    path = cjk_font_file()
    if path is None:
        return None
    font_manager.fontManager.addfont(str(path))
    return str(font_manager.FontProperties(fname=path).get_name())


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
