"""A small scene of drawing primitives in points (y grows downward) and its two back-ends:
SVG text written directly, and PNG drawn with Pillow (imported when a PNG is asked for).

The forest and funnel plots are laid out as a scene (``mscref.render.forest``): drawing them
this way costs a few milliseconds where matplotlib took a tenth of a second or more, and the
same scene gives the same bytes anywhere."""

from __future__ import annotations

import io
import itertools
import math
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

Anchor = Literal["start", "middle", "end"]

BLACK, GREY, DIMGREY, WHITE = "#000000", "#808080", "#696969", "#ffffff"


@dataclass(frozen=True, slots=True)
class Text:
    """One line of text; ``y`` is its baseline, ``rotate`` in degrees (only -90 is used)."""

    x: float
    y: float
    text: str
    size: float = 8.0
    anchor: Anchor = "start"
    bold: bool = False
    italic: bool = False
    colour: str = BLACK
    rotate: int = 0


@dataclass(frozen=True, slots=True)
class Line:
    """A polyline; ``dash`` is an on/off pattern in points (empty: solid)."""

    points: tuple[tuple[float, float], ...]
    width: float = 0.8
    colour: str = BLACK
    dash: tuple[float, ...] = ()


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str = BLACK


@dataclass(frozen=True, slots=True)
class Polygon:
    """A closed shape, filled, outlined or both."""

    points: tuple[tuple[float, float], ...]
    fill: str | None = BLACK
    stroke: str | None = None
    width: float = 1.0


@dataclass(frozen=True, slots=True)
class Circle:
    x: float
    y: float
    r: float
    fill: str = BLACK


Item = Text | Line | Rect | Polygon | Circle


@dataclass(frozen=True, slots=True)
class Scene:
    width: float
    height: float
    items: tuple[Item, ...]
    title: str = ""  # what the picture shows, for a screen reader


# ------------------------------------------------------------------------------------------
# Text widths: DejaVu Sans advance widths (units of 1/1000 em) for printable ASCII, so a layout
# can make room for its text without loading a font. The oblique face has the regular widths.

_REGULAR = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337, 636, 636, 636,
    636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531, 1000, 684, 686, 698, 770, 632,
    575, 775, 752, 295, 295, 656, 557, 863, 748, 787, 603, 787, 695, 635, 611, 732, 684, 989, 685,
    611, 685, 390, 337, 390, 838, 500, 500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579,
    278, 974, 634, 612, 635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
)  # fmt: skip
_BOLD = (
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365, 696, 696, 696,
    696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580, 1000, 774, 762, 734, 830, 683,
    683, 821, 837, 372, 372, 775, 637, 995, 837, 850, 733, 850, 770, 720, 682, 812, 774, 1103, 771,
    724, 725, 457, 365, 457, 838, 500, 500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665,
    343, 1042, 712, 687, 716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838,
)  # fmt: skip


#: each character's width (units of 1/1000 em), regular and bold: the printable ASCII above,
#: and every other character once it has been measured
_UNITS = ({chr(32 + i): w for i, w in enumerate(_REGULAR)}, {chr(32 + i): w for i, w in enumerate(_BOLD)})
_MOST_MEASURED = 1 << 14  # characters measured and kept, past ASCII (a page uses a few dozen)


def _char_units(ch: str, bold: bool) -> int:
    code = ord(ch)
    if 32 <= code < 127:
        return (_BOLD if bold else _REGULAR)[code - 32]
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1000
    if unicodedata.combining(ch):
        return 0
    return 700 if bold else 650


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of ``text`` in points at ``size``: exact for ASCII in DejaVu Sans, an em for a
    wide (Chinese, Japanese, Korean) character and a generous estimate for anything else."""
    units = _UNITS[bold]
    try:
        return sum(map(units.__getitem__, text)) * size / 1000
    except KeyError:  # a character not measured yet
        pass
    new = set(text).difference(units)
    if len(units) + len(new) <= _MOST_MEASURED:
        for ch in new:
            units[ch] = _char_units(ch, bold)
        return sum(map(units.__getitem__, text)) * size / 1000
    return sum(units[ch] if ch in units else _char_units(ch, bold) for ch in text) * size / 1000


# ------------------------------------------------------------------------------------------
# SVG

#: DejaVu Sans (what the PNG uses), then fonts with Chinese characters, then any sans-serif.
FONT_FAMILY = (
    "'DejaVu Sans', 'Noto Sans CJK SC', 'Source Han Sans SC', 'WenQuanYi Zen Hei', "
    "'Droid Sans Fallback', 'Microsoft YaHei', 'PingFang SC', Arial, Helvetica, sans-serif"
)


_NOT_XML = re.compile("[\x00-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(text: str) -> str:
    """One line of text that XML can hold: line breaks and tabs become spaces, and characters no
    XML document may contain (control characters, lone surrogates) become U+FFFD."""
    if not _NOT_XML.search(text):
        return text
    out = []
    for ch in text:
        code = ord(ch)
        if ch in "\n\r\t":
            out.append(" ")
        elif code < 32 or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
            out.append("\ufffd")
        else:
            out.append(ch)
    return "".join(out)


def _escape(text: str) -> str:
    """Text as the content of an element (never an attribute): markup in it stays text."""
    return clean_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@lru_cache(maxsize=1 << 14)  # the same coordinates come back in every panel of a page
def _n(x: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros: stable, short."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _points(points: tuple[tuple[float, float], ...]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


_FONT_SIZE = 8  # most text's size, set once on the whole picture


def _svg_item(item: Item) -> str:
    if isinstance(item, Text):
        attrs = f'x="{_n(item.x)}" y="{_n(item.y)}"'
        if item.size != _FONT_SIZE:
            attrs += f' font-size="{_n(item.size)}"'
        if item.anchor != "start":
            attrs += f' text-anchor="{item.anchor}"'
        if item.bold:
            attrs += ' font-weight="bold"'
        if item.italic:
            attrs += ' font-style="italic"'
        if item.colour != BLACK:
            attrs += f' fill="{item.colour}"'
        if item.rotate:
            attrs += f' transform="rotate({item.rotate} {_n(item.x)} {_n(item.y)})"'
        return f"<text {attrs}>{_escape(item.text)}</text>"
    if isinstance(item, Line):
        dash = f' stroke-dasharray="{",".join(_n(d) for d in item.dash)}"' if item.dash else ""
        return (
            f'<polyline points="{_points(item.points)}" fill="none" stroke="{item.colour}" '
            f'stroke-width="{_n(item.width)}"{dash}/>'
        )
    if isinstance(item, Rect):
        return (
            f'<rect x="{_n(item.x)}" y="{_n(item.y)}" width="{_n(item.w)}" height="{_n(item.h)}" '
            f'fill="{item.fill}"/>'
        )
    if isinstance(item, Polygon):
        stroke = f' stroke="{item.stroke}" stroke-width="{_n(item.width)}"' if item.stroke else ""
        return f'<polygon points="{_points(item.points)}" fill="{item.fill or "none"}"{stroke}/>'
    return f'<circle cx="{_n(item.x)}" cy="{_n(item.y)}" r="{_n(item.r)}" fill="{item.fill}"/>'


def _svg_items(items: tuple[Item, ...]) -> list[str]:
    """The items as SVG elements, solid lines of one style and rectangles of one colour joined
    into one path each, drawn where the first of them comes (a forest's interval lines before its
    markers, as in the scene): a page of a thousand forests is a quarter fewer elements to write,
    and to check before a page embeds it."""
    shapes: dict[tuple[str, float, str], list[str]] = {}
    order: list[str | tuple[str, float, str]] = []
    for item in items:
        if isinstance(item, Line) and not item.dash:
            key = ("line", item.width, item.colour)
            d = "M" + "L".join(f"{_n(x)},{_n(y)}" for x, y in item.points)
        elif isinstance(item, Rect):
            key = ("rect", 0.0, item.fill)
            d = f"M{_n(item.x)},{_n(item.y)}h{_n(item.w)}v{_n(item.h)}h{_n(-item.w)}z"
        else:
            order.append(_svg_item(item))
            continue
        if key not in shapes:
            shapes[key] = []
            order.append(key)
        shapes[key].append(d)
    out = []
    for entry in order:
        if isinstance(entry, str):
            out.append(entry)
        elif entry[0] == "line":
            out.append(
                f'<path d="{"".join(shapes[entry])}" fill="none" stroke="{entry[2]}" '
                f'stroke-width="{_n(entry[1])}"/>'
            )
        else:
            out.append(f'<path d="{"".join(shapes[entry])}" fill="{entry[2]}"/>')
    return out


def to_svg(scene: Scene) -> str:
    """The scene as a standalone SVG document: text stays text (searchable, escaped), sizes in
    points, and the same scene always gives the same characters."""
    w, h = _n(scene.width), _n(scene.height)
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{w}pt" height="{h}pt" '
        f'viewBox="0 0 {w} {h}" font-family="{FONT_FAMILY}" font-size="{_FONT_SIZE}" role="img">'
    )
    body = ['<?xml version="1.0" encoding="utf-8"?>', head]
    if scene.title:
        body.append(f"<title>{_escape(scene.title)}</title>")
    body.append(f'<rect width="{w}" height="{h}" fill="{WHITE}"/>')
    body += _svg_items(scene.items)
    body.append("</svg>\n")
    return "\n".join(body)


# ------------------------------------------------------------------------------------------
# PNG (Pillow)

_CJK_FILES = ("notosanscjk", "sourcehansans", "wqyzenhei", "wqymicrohei", "droidsansfallback")
_FONT_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.fonts",
    "~/.local/share/fonts",
    "/Library/Fonts",
    "/System/Library/Fonts",
    "~/Library/Fonts",
    "C:/Windows/Fonts",
)


@lru_cache(maxsize=1)
def cjk_font_file() -> Path | None:
    """A font file with Chinese characters found by its name in the usual font folders (the
    first in name order, so the choice is stable), or None when the system has none."""
    found: list[Path] = []
    for folder in _FONT_DIRS:
        root = Path(os.path.expanduser(folder))
        if not root.is_dir():
            continue
        for dirpath, _dirs, files in os.walk(root):
            for name in files:
                key = name.lower().replace("-", "").replace("_", "")
                if key.endswith((".ttf", ".otf", ".ttc")) and any(k in key for k in _CJK_FILES):
                    found.append(Path(dirpath) / name)
    return min(found, key=lambda p: (_CJK_FILES.index(_cjk_key(p)), str(p))) if found else None


def _cjk_key(path: Path) -> str:
    key = path.name.lower().replace("-", "").replace("_", "")
    return next(k for k in _CJK_FILES if k in key)


@lru_cache(maxsize=1)
def _dejavu_folder() -> Path | None:
    """matplotlib's bundled fonts, found without importing matplotlib."""
    import importlib.util

    spec = importlib.util.find_spec("matplotlib")
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / "mpl-data" / "fonts" / "ttf"
        if (folder / "DejaVuSans.ttf").is_file():
            return folder
    return None


_FACES = {
    (False, False): "DejaVuSans.ttf",
    (True, False): "DejaVuSans-Bold.ttf",
    (False, True): "DejaVuSans-Oblique.ttf",
    (True, True): "DejaVuSans-BoldOblique.ttf",
}


def _wide(text: str) -> bool:
    return any(ord(ch) >= 0x2E80 and unicodedata.east_asian_width(ch) in ("W", "F") for ch in text)


@lru_cache(maxsize=64)
def _font(pixels: int, bold: bool, italic: bool, wide: bool) -> Any:
    from PIL import ImageFont

    candidates: list[Path] = []
    if wide and (cjk := cjk_font_file()) is not None:
        candidates.append(cjk)
    folder = _dejavu_folder()
    if folder is not None:
        candidates.append(folder / _FACES[bold, italic])
    for path in candidates:
        try:
            return ImageFont.truetype(str(path), pixels)
        except OSError:  # a file that is not a font Pillow can read: the next one
            continue
    return ImageFont.load_default(pixels)


def _dashes(
    points: tuple[tuple[float, float], ...], pattern: tuple[float, ...]
) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """The visible segments of a dashed polyline."""
    out = []
    i, left, on = 0, pattern[0], True
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        length = math.hypot(x1 - x0, y1 - y0)
        at = 0.0
        while at < length:
            step = min(left, length - at)
            if on:
                a, b = at / length, (at + step) / length
                out.append(
                    ((x0 + a * (x1 - x0), y0 + a * (y1 - y0)), (x0 + b * (x1 - x0), y0 + b * (y1 - y0)))
                )
            at += step
            left -= step
            if left <= 1e-9:
                i = (i + 1) % len(pattern)
                left, on = pattern[i], not on
    return out


#: The largest PNG drawn (about a gigabyte of memory while it is made): the forests of some
#: 170 pools one under another.
MAX_PIXELS = 2**28


#: Text drawn into a PNG is cut at this many characters (Pillow refuses a million, and a label
#: that long runs off any picture).
PNG_TEXT_CHARS = 10_000


def png_size(scene: Scene, dpi: int = 150) -> tuple[int, int]:
    """The width and height in pixels of the scene's PNG at ``dpi``."""
    s = dpi / 72
    return (max(1, math.ceil(scene.width * s)), max(1, math.ceil(scene.height * s)))


def png_fits(scene: Scene, dpi: int = 150) -> bool:
    """Whether :func:`to_png` will draw the scene (at most :data:`MAX_PIXELS`)."""
    width, height = png_size(scene, dpi)
    return width * height <= MAX_PIXELS


def to_png(scene: Scene, dpi: int = 150) -> bytes:
    """The scene as a PNG at ``dpi``, text in DejaVu Sans (matplotlib's copy) or, for Chinese,
    a system font that has the characters."""
    from PIL import Image, ImageDraw

    s = dpi / 72

    def px(x: float, y: float) -> tuple[float, float]:
        return (x * s, y * s)

    size = png_size(scene, dpi)
    if size[0] * size[1] > MAX_PIXELS:
        from mscref.data.errors import UsageError

        raise UsageError(
            f"a PNG of this chart would be {size[0]:,} × {size[1]:,} pixels, too large to draw: "
            "write it as .svg, or narrow the selection"
        )
    image = Image.new("RGB", size, WHITE)
    draw = ImageDraw.Draw(image)
    for item in scene.items:
        if isinstance(item, Text):
            text = clean_text(item.text[:PNG_TEXT_CHARS])
            if not text.strip():
                continue
            font = _font(max(1, round(item.size * s)), item.bold, item.italic, _wide(text))
            anchor = {"start": "ls", "middle": "ms", "end": "rs"}[item.anchor]
            if item.rotate:
                box = [round(v) for v in draw.textbbox((0, 0), text, font=font, anchor=anchor)]
                patch = Image.new("L", (box[2] - box[0] + 2, box[3] - box[1] + 2), 0)
                ImageDraw.Draw(patch).text(
                    (-box[0] + 1, -box[1] + 1), text, fill=255, font=font, anchor=anchor
                )
                patch = patch.rotate(-item.rotate, expand=True)
                ink = Image.new("RGB", patch.size, item.colour)
                # the baseline's anchor point stays where it was: rotated by -90 it lands on the left
                x, y = px(item.x, item.y)
                image.paste(ink, (round(x + box[1] - 1), round(y - box[2] - 1)), patch)
            else:
                draw.text(px(item.x, item.y), text, fill=item.colour, font=font, anchor=anchor)
        elif isinstance(item, Line):
            width = max(1, round(item.width * s))
            if item.dash:
                for a, b in _dashes(item.points, item.dash):
                    draw.line([px(*a), px(*b)], fill=item.colour, width=width)
            else:
                draw.line([px(*p) for p in item.points], fill=item.colour, width=width)
        elif isinstance(item, Rect):
            x0, y0 = px(item.x, item.y)
            draw.rectangle([x0, y0, x0 + item.w * s, y0 + item.h * s], fill=item.fill)
        elif isinstance(item, Polygon):
            width = max(1, round(item.width * s)) if item.stroke else 0
            draw.polygon([px(*p) for p in item.points], fill=item.fill, outline=item.stroke, width=width)
        else:
            x, y = px(item.x, item.y)
            r = item.r * s
            draw.ellipse([x - r, y - r, x + r, y + r], fill=item.fill)
    # Only text is smoothed, and all of it is black or grey on white: a palette of greys and the
    # two colours holds every pixel, and a palette image is written four times faster than RGB.
    image = image.quantize(palette=_palette(), dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1, dpi=(dpi, dpi))
    return out.getvalue()


#: The colours a scene may use besides black, white and greys: the forest's blue and red, and
#: bars' colours (matplotlib's default cycle, which the source chart used).
COLOURS = ("#1f4e79", "#c0392b")
BAR_COLOURS = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
)  # fmt: skip


@lru_cache(maxsize=1)
def _palette() -> Any:
    from PIL import Image

    # Pillow matches colours to a palette through a cache of 4-level buckets: greys 4 apart
    # (then white) map each pixel to its own level, white to white
    entries: list[int] = []
    for v in [*range(0, 252, 4), 255]:
        entries += [v, v, v]
    for colour in (*COLOURS, *BAR_COLOURS):
        entries += [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    image = Image.new("P", (1, 1))
    image.putpalette(entries)
    return image


def scene_bytes(scene: Scene, fmt: str) -> bytes:
    """The scene as ``fmt``: "svg" (UTF-8) or "png"."""
    return to_png(scene) if fmt == "png" else to_svg(scene).encode("utf-8")
