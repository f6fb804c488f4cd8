"""A fast box-drawn text table for the terminal.

Rich lays out every cell with its full machinery, which costs about a second for a few
thousand cells; a listing of hundreds of trials should appear at once. This draws the same
kind of grid (heavy header, light rules between rows) with plain string work, measuring East
Asian wide characters as two columns (``rich.cells.cell_len``) so Chinese text lines up.

An output whose encoding cannot hold the box-drawing characters (``PYTHONIOENCODING=ascii``,
``latin-1``, a C locale) gets the same grid in ASCII, and text it cannot hold is replaced
(:func:`fit_encoding`) before the columns are measured, so the grid still lines up.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable

from rich.cells import cell_len as _rich_cell_len

PAD = 1

#: (top, header rule, row rule, bottom) as (left, middle, right, fill), and the header and row bars.
_BOX = ("┏┳┓━", "┡╇┩━", "├┼┤─", "└┴┘─", "┃", "│")
_ASCII_BOX = ("+++-", "+++=", "+++-", "+++-", "|", "|")

# Readable stand-ins for common characters that a narrow encoding lacks; anything else that
# neither it nor its decomposition (é -> e) can hold becomes "?".
_STAND_INS = {
    "—": "-",
    "–": "-",
    "‐": "-",
    "−": "-",
    "‘": "'",
    "’": "'",
    "“": '"',
    "”": '"',
    "…": "...",
    "×": "x",
    "·": ".",
    "≥": ">=",
    "≤": "<=",
    "±": "+/-",
    "→": "->",
    "•": "*",
    "τ": "tau",
    "χ": "chi",
    "α": "alpha",
    "β": "beta",
    "μ": "u",
    "\u00a0": " ",
}


def is_unicode(encoding: str | None) -> bool:
    """Whether ``encoding`` can hold every character (a UTF encoding)."""
    try:
        return codecs.lookup(encoding or "utf-8").name.startswith("utf")
    except LookupError:
        return False


_PLAIN = re.compile(r"[A-Za-z0-9 .+-]+")


def stand_in(char: str, encoding: str, plain: bool = False) -> str:
    """What to write for ``char`` where ``encoding`` cannot hold it. ``plain`` allows only
    letters, digits, space, ``.``, ``+`` and ``-``, which mean nothing in JSON, CSV, markdown or
    HTML (no quote or angle bracket can appear)."""
    for candidate in (
        _STAND_INS.get(char),
        "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)),
    ):
        if candidate and (not plain or _PLAIN.fullmatch(candidate)):
            try:
                candidate.encode(encoding)
            except UnicodeEncodeError:
                continue
            return candidate
    return "?"


def fit_encoding(text: str, encoding: str) -> str:
    """``text`` with every character ``encoding`` cannot hold replaced by a stand-in."""
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        pass
    else:
        return text
    out = []
    for char in text:
        try:
            char.encode(encoding)
        except UnicodeEncodeError:
            char = stand_in(char, encoding)
        out.append(char)
    return "".join(out)


# C0 and C1 control characters (a data file may hold them as YAML escapes such as "\\e") would
# move the cursor or restyle the terminal: each shows as U+FFFD; a tab is a space.
_CONTROLS = {c: "\ufffd" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0)) if c != 0x0A} | {0x09: " "}
_HAS_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def for_terminal(text: str, encoding: str = "utf-8") -> str:
    """``text`` safe to show: no control characters but line breaks, only what ``encoding`` holds."""
    return _for_terminal(encoding)(text)


def _without_controls(text: str) -> str:
    return text.translate(_CONTROLS) if _HAS_CONTROL.search(text) else text


def _for_terminal(encoding: str) -> Callable[[str], str]:
    """:func:`for_terminal` for one encoding, decided once (a table calls it for every cell)."""
    if is_unicode(encoding):
        return _without_controls
    return lambda text: fit_encoding(_without_controls(text), encoding)


def encode_fallback(error: UnicodeError) -> tuple[str, int]:
    """A codec error handler (``codecs.register_error``) for an output stream: plain stand-ins
    (:func:`stand_in`), so any format written through it keeps its syntax."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(stand_in(c, error.encoding, plain=True) for c in bad), error.end


def cell_len(text: str) -> int:
    """Terminal columns of ``text``. Printable ASCII is one column a character; anything else
    goes to Rich, whose cache of measured strings stops helping once a table holds more
    distinct strings than it keeps (tens of thousands of cells)."""
    if text.isascii() and text.isprintable():
        return len(text)
    return _rich_cell_len(text)


def _split_long(word: str, width: int) -> list[str]:
    """A word wider than ``width`` cut into pieces that fit (character by character)."""
    if word.isascii() and word.isprintable():  # one column a character
        return [word[i : i + width] for i in range(0, len(word), width)]
    pieces, current, used = [], "", 0
    for ch in word:
        w = cell_len(ch)
        if used + w > width and current:
            pieces.append(current)
            current, used = "", 0
        current += ch
        used += w
    if current:
        pieces.append(current)
    return pieces


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap to ``width`` terminal columns; CJK text (no spaces) wraps anywhere."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for word in paragraph.split(" "):
            w = cell_len(word)
            if w > width:
                pieces = _split_long(word, width)
                for piece in pieces[:-1]:
                    if line:
                        out.append(line)
                    out.append(piece)
                    line, used = "", 0
                word, w = pieces[-1], cell_len(pieces[-1])
                if line:
                    out.append(line)
                line, used = word, w
                continue
            if not line:
                line, used = word, w
            elif used + 1 + w <= width:
                line, used = f"{line} {word}", used + 1 + w
            else:
                out.append(line)
                line, used = word, w
        out.append(line)
    return out or [""]


def _natural(cells: list[str]) -> tuple[int, int]:
    """(widest line, widest word) of a column's cells."""
    widest = longest_word = 1
    for cell in cells:
        for line in cell.split("\n"):
            widest = max(widest, cell_len(line))
            for word in line.split(" "):
                longest_word = max(longest_word, cell_len(word))
    return widest, longest_word


def column_widths(columns: list[list[str]], total: int) -> list[int]:
    """Widths that fit ``total`` terminal columns (borders and padding included) when possible."""
    natural = [_natural(col) for col in columns]
    widths = [w for w, _word in natural]
    budget = total - (len(columns) + 1) - 2 * PAD * len(columns)
    floor = [max(4, min(word, 12)) for _w, word in natural]
    for floors in (floor, [3] * len(widths)):  # keep words whole if possible, else cut them
        _shrink(widths, floors, budget)
    return widths


def _shrink(widths: list[int], floor: list[int], budget: int) -> None:
    while sum(widths) > budget:
        # shrink the widest column that can still shrink
        candidates = [i for i in range(len(widths)) if widths[i] > floor[i]]
        if not candidates:
            break
        i = max(candidates, key=lambda j: widths[j])
        second = max((widths[j] for j in range(len(widths)) if j != i), default=floor[i])
        widths[i] = max(floor[i], min(widths[i] - 1, max(second, widths[i] - (sum(widths) - budget))))


def render(
    columns: list[str],
    rows: list[list[str]],
    width: int,
    title: str | None = None,
    encoding: str = "utf-8",
) -> str:
    """The table as text for an output in ``encoding`` (ASCII borders where it lacks box drawing)."""
    top, below_header, between, bottom, header_bar, bar = _BOX
    if not is_unicode(encoding):
        try:
            "".join(_BOX).encode(encoding)
        except UnicodeEncodeError:
            top, below_header, between, bottom, header_bar, bar = _ASCII_BOX
    fit = _for_terminal(encoding)
    columns = [fit(c) for c in columns]
    rows = [[fit(c) for c in row] for row in rows]
    title = fit(title) if title else title
    cols = [[c, *(row[i] for row in rows)] for i, c in enumerate(columns)]
    widths = column_widths(cols, width)
    pad = " " * PAD

    def rule(left: str, mid: str, right: str, fill: str) -> str:
        return left + mid.join(fill * (w + 2 * PAD) for w in widths) + right

    def lines_of(cells: list[str], bar: str) -> list[str]:
        wrapped = [wrap(cell, w) for cell, w in zip(cells, widths, strict=True)]
        height = max(len(x) for x in wrapped)
        out = []
        for k in range(height):
            parts = []
            for lines, w in zip(wrapped, widths, strict=True):
                text = lines[k] if k < len(lines) else ""
                parts.append(pad + text + " " * (w - cell_len(text)) + pad)
            out.append(bar + bar.join(parts) + bar)
        return out

    out: list[str] = []
    if title:
        inner = sum(widths) + (len(widths) - 1) + 2 * PAD * len(widths) + 2
        out.append(title.center(inner).rstrip())
    out.append(rule(*top))
    out += lines_of(columns, header_bar)
    out.append(rule(*below_header))
    for i, row in enumerate(rows):
        if i:
            out.append(rule(*between))
        out += lines_of(row, bar)
    out.append(rule(*bottom))
    return "\n".join(out) + "\n"
