"""Reading markdown as a real CommonMark + GFM-tables parser does, for the output tests."""

from __future__ import annotations

from markdown_it import MarkdownIt

parser = MarkdownIt("commonmark").enable("table")


def table_widths(markdown: str) -> list[tuple[int, list[int]]]:
    """For every table the parser finds: its header width and each body row's width."""
    out: list[tuple[int, list[int]]] = []
    head = False
    cells = 0
    for tok in parser.parse(markdown):
        if tok.type == "table_open":
            out.append((0, []))
        elif tok.type in ("thead_open", "thead_close"):
            head = tok.type == "thead_open"
        elif tok.type == "tr_open":
            cells = 0
        elif tok.type in ("th_open", "td_open"):
            cells += 1
        elif tok.type == "tr_close":
            width, rows = out[-1]
            out[-1] = (cells, rows) if head else (width, [*rows, cells])
    return out
