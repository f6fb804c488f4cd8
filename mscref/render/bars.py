"""The source-tissue chart: each ordinal trait's rank per source as grouped bars, laid out as a
scene (``mscref.render.chart``) like the forest plots, so a report draws no chart with matplotlib."""

from __future__ import annotations

from mscref.data.dataset import Dataset
from mscref.data.models import Source, TraitKind
from mscref.render.chart import BAR_COLOURS, BLACK, Item, Line, Rect, Scene, Text, text_width
from mscref.render.i18n import Lang, name_in, zh_text

WIDTH, HEIGHT = 8 * 72.0, 3.2 * 72.0
_ASCENT, _MID = 0.76, 0.3


def _wrap(text: str, size: float, room: float) -> list[str]:
    """``text`` in lines no wider than ``room`` where spaces allow (a long word stays whole)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and text_width(f"{lines[-1]} {word}", size) <= room:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines or [""]


def source_scene(ds: Dataset, sources: list[Source], lang: Lang = Lang.EN) -> Scene:
    """Grouped bars: each ordinal trait's rank per source (an off-scale value drawn as a gap
    marked "not on scale"), labelled in ``lang``."""
    tr = zh_text if lang is Lang.ZH else (lambda text: text)
    traits = [t for t in ds.traits if t.kind is TraitKind.ORDINAL]
    levels = [name_in(lv, lang) for lv in ds.levels]
    names = [src.abbreviation or src.name for src in sources]
    items: list[Item] = []
    # the legend: one row above the bars, or as many as it needs
    legend_rows: list[list[tuple[str, str]]] = [[]]
    used = 0.0
    for i, name in enumerate(names):
        need = 14 + text_width(name, 8) + 12
        if legend_rows[-1] and used + need > WIDTH - 20:
            legend_rows.append([])
            used = 0.0
        legend_rows[-1].append((name, BAR_COLOURS[i % len(BAR_COLOURS)]))
        used += need
    top = 8 + 14 * len(legend_rows)
    for r, row in enumerate(legend_rows):
        total = sum(14 + text_width(name, 8) + 12 for name, _ in row) - 12
        x = (WIDTH - total) / 2
        y = 8 + 14 * r + 7
        for name, colour in row:
            items.append(Rect(x, y - 7, 10, 7, colour))
            items.append(Text(x + 14, y, name, 8))
            x += 14 + text_width(name, 8) + 12
    # the axes: room on the left for the level names, below for the trait names
    # (a level name of any length gets at most a third of the width, cut short with "…")
    levels = [_shortened(name, 10, WIDTH / 3 - 16) for name in levels]
    left = 8 + max((text_width(name, 10) for name in levels), default=0.0) + 8
    right = WIDTH - 8
    slot = (right - left) / max(1, len(traits))
    labels = [_wrap(name_in(t, lang), 10, slot - 4) for t in traits]
    depth = max((len(lines) for lines in labels), default=1)
    bottom = max(top + 60, HEIGHT - 10 - 12 * depth)
    height = max(HEIGHT, bottom + 10 + 12 * depth)
    scale = (bottom - top) / (len(ds.levels) + 0.5)
    width = 0.8 / max(1, len(sources))  # of a slot
    for j, (trait, lines) in enumerate(zip(traits, labels, strict=True)):
        x0 = left + j * slot + 0.1 * slot
        for i, src in enumerate(sources):
            rank = ds.level_rank(src.traits[trait.id].level) if trait.id in src.traits else None
            x = x0 + i * width * slot
            if rank:
                h = rank * scale
                colour = BAR_COLOURS[i % len(BAR_COLOURS)]
                items.append(Rect(x, bottom - h, width * slot, h, colour))
            else:
                centre = x + width * slot / 2
                items.append(Text(centre + 9 * _MID, bottom - 0.1 * scale, tr("not on scale"), 9, rotate=-90))
        centre = left + (j + 0.5) * slot
        items.append(Line(((centre, bottom), (centre, bottom + 3.5)), 0.8))
        for k, line in enumerate(lines):
            items.append(Text(centre, bottom + 6 + 10 * _ASCENT + 12 * k, line, 10, "middle"))
    for step, name in enumerate(levels, start=1):
        at = bottom - step * scale
        items.append(Line(((left - 3.5, at), (left, at)), 0.8))
        items.append(Text(left - 6, at + 10 * _MID, name, 10, "end"))
    items.append(Line(((left, top), (left, bottom), (right, bottom)), 0.8, BLACK))
    title = (
        "各特性在五级等级上的位置" if lang is Lang.ZH else "Ordinal traits of each source on the level scale"
    )
    return Scene(WIDTH, height, tuple(items), title)


def _shortened(text: str, size: float, room: float) -> str:
    """``text`` as it fits in ``room`` points at ``size``: whole, or cut short with "…"."""
    if text_width(text, size) <= room:
        return text
    keep = len(text)
    while keep > 1 and text_width(text[:keep] + "…", size) > room:
        keep = max(1, min(keep - 1, int(keep * room / text_width(text[:keep] + "…", size))))
    return text[:keep].rstrip() + "…"
