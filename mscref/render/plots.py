"""Publication-style forest plots and the source-tissue chart (matplotlib, imported lazily)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from mscref.data.dataset import Dataset
from mscref.data.errors import UsageError
from mscref.data.models import Source, TraitKind
from mscref.evidence.stats import Evidence, PooledEstimate

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

FORMATS = {".svg": "svg", ".png": "png"}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text: searchable, small
    matplotlib.rcParams["svg.hashsalt"] = "mscref"  # stable ids: same data, same file
    import matplotlib.pyplot as plt

    return plt


def _fmt(p: PooledEstimate, x: float) -> str:
    return f"{100 * x:.1f}%" if p.kind in ("single-arm proportion", "risk difference") else f"{x:.2f}"


def _panel(ax: Any, p: PooledEstimate, indication: str) -> None:
    is_ratio = p.kind in ("odds ratio", "risk ratio")
    n = p.k
    ys = list(range(n + 1, 1, -1))  # studies from the top; the pooled diamond at y = 0
    for s, y in zip(p.studies, ys, strict=True):
        ax.plot([s.low, s.high], [y, y], color="black", linewidth=1)
        size = 4 + 14 * s.weight**0.5
        ax.plot([s.estimate], [y], marker="s", markersize=size, color="#1f4e79", linestyle="none")
    diamond_x = [p.low, p.estimate, p.high, p.estimate, p.low]
    diamond_y = [0, 0.35, 0, -0.35, 0]
    ax.fill(diamond_x, diamond_y, color="#c0392b", zorder=3)
    if is_ratio:
        from matplotlib.ticker import FuncFormatter, NullFormatter

        ax.set_xscale("log")
        ax.axvline(1.0, color="grey", linestyle="--", linewidth=0.8)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    elif p.kind == "risk difference":
        ax.axvline(0.0, color="grey", linestyle="--", linewidth=0.8)
    else:
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(lambda v, _pos: f"{100 * v:.0f}%")
    labels = [s.label for s in p.studies] + [f"Pooled (k = {n})"]
    ax.set_yticks([*ys, 0], labels=labels)
    ax.set_ylim(-1, n + 2)
    right = [
        f"{_fmt(p, s.estimate)} [{_fmt(p, s.low)}, {_fmt(p, s.high)}]  {100 * s.weight:.0f}%"
        for s in p.studies
    ]
    right.append(f"{_fmt(p, p.estimate)} [{_fmt(p, p.low)}, {_fmt(p, p.high)}]")
    for text, y in zip(right, [*ys, 0], strict=True):
        ax.annotate(text, xy=(1.02, y), xycoords=("axes fraction", "data"), va="center", fontsize=8)
    when = "" if p.timepoint in p.endpoint_label else f", {p.timepoint}"
    ax.set_title(f"{indication}: {p.endpoint_label}{when} — pooled {p.kind}", fontsize=10, loc="left")
    ax.annotate(
        "estimate [95% CI]  weight",
        xy=(1.02, n + 1.6),
        xycoords=("axes fraction", "data"),
        fontsize=7,
        color="grey",
    )
    ax.set_xlabel(
        f"{p.method}\n{p.heterogeneity()}" + (f"\n{'; '.join(p.notes)}" if p.notes else ""),
        fontsize=7,
    )
    ax.spines[["top", "right"]].set_visible(False)


def forest_figure(ds: Dataset, ev: Evidence) -> Figure:
    """One forest panel per pooled estimate."""
    if not ev.pooled:
        raise UsageError("nothing to plot: no pooled estimate for this selection (see 'Not pooled')")
    return pools_figure(ds, list(ev.pooled))


def pools_figure(ds: Dataset, pools: list[PooledEstimate]) -> Figure:
    plt = _pyplot()
    heights = [1.2 + 0.45 * (p.k + 2) for p in pools]
    fig, axes = plt.subplots(
        len(pools),
        1,
        figsize=(9, sum(heights) + 0.6),
        squeeze=False,
        gridspec_kw={"height_ratios": heights},
    )
    for ax, p in zip(axes[:, 0], pools, strict=True):
        _panel(ax, p, ds.indication(p.indication).name)
    fig.tight_layout()
    return cast("Figure", fig)


def source_chart(ds: Dataset, sources: list[Source]) -> Figure:
    """Grouped bars: each ordinal trait's rank per source (off-scale values drawn as a gap)."""
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
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(traits))], labels=[t.name for t in traits])
    ax.set_yticks(range(1, len(ds.levels) + 1), labels=[lv.name for lv in ds.levels])
    ax.set_ylim(0, len(ds.levels) + 0.5)
    ax.legend(fontsize=8, ncols=len(sources), loc="upper center", bbox_to_anchor=(0.5, 1.18), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
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
