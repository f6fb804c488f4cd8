"""A fast box-drawn text table for the terminal.

Rich lays out every cell with its full machinery, which costs about a second for a few
thousand cells; a listing of hundreds of trials should appear at once. This draws the same
kind of grid (heavy header, light rules between rows) with plain string work, measuring East
Asian wide characters as two columns (``rich.cells.cell_len``) so Chinese text lines up.
"""

from __future__ import annotations

from rich.cells import cell_len as _rich_cell_len

PAD = 1


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


def render(columns: list[str], rows: list[list[str]], width: int, title: str | None = None) -> str:
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
    out.append(rule("┏", "┳", "┓", "━"))
    out += lines_of(columns, "┃")
    out.append(rule("┡", "╇", "┩", "━"))
    for i, row in enumerate(rows):
        if i:
            out.append(rule("├", "┼", "┤", "─"))
        out += lines_of(row, "│")
    out.append(rule("└", "┴", "┘", "─"))
    return "\n".join(out) + "\n"
