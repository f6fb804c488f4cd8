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
from functools import cache

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


#: Blocks whose characters are mostly one column wide: Latin, Greek, Cyrillic, punctuation
#: (dashes, quotes), arrows, mathematical operators, box drawing and geometric shapes (the
#: text forest plots). :func:`_one_column` keeps those Rich measures as one column.
_MOSTLY_NARROW = ((0x20, 0x7E), (0xA0, 0x482), (0x2010, 0x205E), (0x2190, 0x22FF), (0x2500, 0x25FF))


@cache
def _one_column() -> frozenset[str]:
    """Characters Rich measures as exactly one column, taken from :data:`_MOSTLY_NARROW` (built
    on first use: a table of ASCII text never needs it)."""
    return frozenset(
        ch
        for lo, hi in _MOSTLY_NARROW
        for ch in map(chr, range(lo, hi + 1))
        if ch not in "\u200d\ufe0f" and _rich_cell_len(ch) == 1
    )


def is_one_column(text: str) -> bool:
    """Whether every character of ``text`` is one column wide, so its width is its length
    (Rich adds nothing for a string of such characters: no joiner, no variation selector)."""
    return (text.isascii() and text.isprintable()) or _one_column().issuperset(text)


def cell_len(text: str) -> int:
    """Terminal columns of ``text``. Printable ASCII, and text of other characters one column
    wide (dashes, box drawing), is one column a character; anything else goes to Rich, whose
    cache of measured strings stops helping once a table holds more distinct strings than it
    keeps (tens of thousands of cells)."""
    if is_one_column(text):
        return len(text)
    return _rich_cell_len(text)


_URL = re.compile(r"(?:https?://|www\.|doi:|10\.[0-9]{4,}/)\S+")
# Places a word may break when it cannot stand whole: after a hyphen, slash, comma or semicolon
# inside it ("Plastic/ reconstructive", "Graft-versus- host").
_SOFT = re.compile(r"(?<=[-/,;])(?=[^-/,;])")


def _is_wide(ch: str) -> bool:
    return not ch.isascii() and cell_len(ch) == 2


def _units(word: str) -> list[str]:
    """A word cut where it may break without cutting a word in half: between wide (CJK)
    characters, which need no spaces, and nowhere in a run of other characters."""
    if word.isascii() or is_one_column(word):  # no wide character
        return [word]
    units: list[str] = []
    run = ""
    for ch in word:
        if _is_wide(ch):
            if run:
                units.append(run)
                run = ""
            units.append(ch)
        else:
            run += ch
    if run:
        units.append(run)
    return units


def _hard_split(word: str, width: int) -> list[str]:
    """A word wider than ``width`` cut into pieces that fit (character by character)."""
    if is_one_column(word):
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


def _pieces(word: str) -> list[str]:
    """The smallest pieces a word may break into: CJK characters, and runs of other characters
    cut after a hyphen or slash (an address is one piece)."""
    if _URL.fullmatch(word):
        return [word]
    return [soft for unit in _units(word) for soft in _SOFT.split(unit) if soft]


def _soft_pieces(word: str) -> list[str]:
    """:func:`_pieces` of a word without wide characters."""
    return [word] if _URL.fullmatch(word) else _SOFT.split(word)


def _split_long(word: str, width: int) -> list[str]:
    """A word wider than ``width`` in pieces that fit: between CJK characters first, then after
    a hyphen or slash, and only when a piece still does not fit, character by character. An
    address (URL, DOI) is never cut: it stands alone on its line, however long."""
    if _URL.fullmatch(word):
        return [word]
    units = _pieces(word)
    pieces: list[str] = []
    current, used = "", 0
    for unit in units:
        w = cell_len(unit)
        if used + w <= width:
            current, used = current + unit, used + w
            continue
        if current:
            pieces.append(current)
        if w <= width:
            current, used = unit, w
        else:
            *whole, current = _hard_split(unit, width)
            pieces.extend(whole)
            used = cell_len(current)
    if current:
        pieces.append(current)
    return pieces


def wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap to ``width`` terminal columns; CJK text (no spaces) wraps between its
    characters; a word wider than the line breaks after a hyphen or slash before it is cut;
    an address is never cut (its line is longer than ``width`` instead)."""
    # One line that fits is itself: most cells of a table (a leading space would be dropped).
    if "\n" not in text and text[:1] != " " and cell_len(text) <= width:
        return [text]
    return _wrap_words(text, width)


def _wrap_words(text: str, width: int) -> list[str]:
    """:func:`wrap` word by word (what its shortcut for a line that fits must agree with)."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for word in paragraph.split(" "):
            w = cell_len(word)
            if w > width:
                pieces = _split_long(word, width)
                if line and cell_len(pieces[0]) + used + 1 <= width:
                    first, *pieces = pieces
                    line, used = f"{line} {first}", used + 1 + cell_len(first)
                if not pieces:
                    continue
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


def measure(cells: list[str]) -> tuple[int, int, int]:
    """(widest line, widest word, widest piece a word may break into) of a column's cells."""
    widest = longest_word = longest_piece = 1
    for cell in set(cells):  # a column repeats its values (timepoints, designs): each counts once
        if is_one_column(cell):
            # one line, one column a character (so one unit a word): widths are lengths
            words = cell.split(" ")
            w = piece = max(map(len, words))
            if _SOFT.search(cell):
                piece = max(len(p) for word in words for p in _soft_pieces(word))
            widest = max(widest, len(cell))
            longest_word = max(longest_word, w)
            longest_piece = max(longest_piece, piece)
            continue
        for line in cell.split("\n"):
            widest = max(widest, cell_len(line))
            for word in line.split(" "):
                if word.isascii() and not _SOFT.search(word):
                    w = piece = len(word)
                else:
                    w = cell_len(word)
                    piece = max((cell_len(p) for p in _pieces(word)), default=1)
                longest_word = max(longest_word, w)
                longest_piece = max(longest_piece, piece)
    return widest, longest_word, longest_piece


def min_width(cells: list[str]) -> int:
    """The narrowest a column of ``cells`` can be without cutting a word."""
    _widest, word, _piece = measure(cells)
    return word


def table_width(widths: list[int]) -> int:
    """Terminal columns of a table whose columns have ``widths`` (borders and padding included)."""
    return sum(widths) + len(widths) + 1 + 2 * PAD * len(widths)


def column_widths(columns: list[list[str]], total: int) -> list[int]:
    """Widths that fit ``total`` terminal columns (borders and padding included) when possible:
    no word cut if every column can be as wide as its longest word, else words broken after a
    hyphen or slash (or between CJK characters), and only as a last resort cut anywhere."""
    natural = [measure(col) for col in columns]
    widths = [w for w, _word, _piece in natural]
    budget = total - (len(columns) + 1) - 2 * PAD * len(columns)
    floors = [word for _w, word, _p in natural]
    _shrink(widths, floors, budget)
    # Too narrow for every word whole: let the columns with the longest words break theirs after
    # a hyphen or slash, one column at a time, until the rest fit.
    # The first column holds each row's id or key: it breaks only when nothing else can.
    soft = [min(word, max(piece, 4)) for _w, word, piece in natural]
    while sum(widths) > budget and any(f > s for f, s in zip(floors, soft, strict=True)):
        breakable = [j for j in range(1, len(floors)) if floors[j] > soft[j]] or [0]
        i = max(breakable, key=lambda j: floors[j] - soft[j])
        floors[i] = soft[i]
        _shrink(widths, floors, budget)
    _shrink(widths, [min(3, word) for _w, word, _p in natural], budget)
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

    blanks = [pad + " " * w + pad for w in widths]
    # Each column's cells laid out once per distinct value (a column repeats its timepoints,
    # designs and labels down thousands of rows).
    laid_out: list[dict[str, list[str]]] = [{} for _ in widths]

    def lay_out(cell: str, w: int) -> list[str]:
        lines = wrap(cell, w)
        if is_one_column(cell):  # so is each of its lines: the width is the length
            return [pad + line.ljust(w) + pad for line in lines]
        return [pad + line + " " * (w - cell_len(line)) + pad for line in lines]

    def lines_of(cells: list[str], bar: str) -> list[str]:
        columns = []
        for cell, w, seen in zip(cells, widths, laid_out, strict=True):
            lines = seen.get(cell)
            if lines is None:
                lines = seen[cell] = lay_out(cell, w)
            columns.append(lines)
        height = max(map(len, columns))
        if height > 1:
            columns = [c + [b] * (height - len(c)) for c, b in zip(columns, blanks, strict=True)]
        return [bar + bar.join(parts) + bar for parts in zip(*columns, strict=True)]

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
