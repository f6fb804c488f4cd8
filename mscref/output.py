"""Plain output shapes and their text renderings (markdown, CSV, JSON); no terminal code here.

Commands build a :class:`Table` or a :class:`Document` from the data; the CLI draws them with
Rich for the terminal, and these functions write them as GitHub-flavoured markdown, CSV or
JSON. Every cell is escaped, so no text in the data can break a table or inject markup.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Format(StrEnum):
    TABLE = "table"
    MARKDOWN = "markdown"
    CSV = "csv"
    JSON = "json"


@dataclass(frozen=True, slots=True)
class Table:
    """Rows of text under labelled columns, with optional notes printed below."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    title: str | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    level: int = 2


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str


@dataclass(frozen=True, slots=True)
class Fields:
    """Label: value pairs (a value of None is left out)."""

    pairs: tuple[tuple[str, str | None], ...]


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[str, ...]
    numbered: bool = False


Block = Heading | Paragraph | Fields | Bullets | Table


@dataclass(frozen=True, slots=True)
class Document:
    title: str
    blocks: tuple[Block, ...] = field(default=())


# ------------------------------------------------------------------------------------------
# Markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#!])")
_BLOCK_START = re.compile(r"^([0-9]*)([-+=>.)])")


def md_escape(text: str, block: bool = False) -> str:
    """Markdown text with HTML and markdown markup neutralised and newlines as <br>.

    ``block`` is for text that starts a line (a paragraph, a list item), where a leading
    ``-``, ``+``, ``=`` or ``1.`` would otherwise start a list or a heading.
    """
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "<br>".join(part.strip() for part in text.split("\n"))
    if block:
        text = _BLOCK_START.sub(r"\1\\\2", text, count=1)
    return text


def table_markdown(table: Table) -> str:
    out = []
    if table.title:
        out += [f"**{md_escape(table.title)}**", ""]
    out.append("| " + " | ".join(md_escape(c) for c in table.columns) + " |")
    out.append("|" + "|".join("---" for _ in table.columns) + "|")
    for row in table.rows:
        cells = [md_escape(c) if c else " " for c in row]
        out.append("| " + " | ".join(cells) + " |")
    for note in table.notes:
        out += ["", md_escape(note)]
    return "\n".join(out) + "\n"


def document_markdown(doc: Document) -> str:
    parts = [f"# {md_escape(doc.title)}\n"]
    for block in doc.blocks:
        if isinstance(block, Heading):
            parts.append(f"{'#' * max(2, min(block.level, 6))} {md_escape(block.text)}\n")
        elif isinstance(block, Paragraph):
            parts.append(md_escape(block.text, block=True) + "\n")
        elif isinstance(block, Fields):
            lines = [f"- **{md_escape(k)}:** {md_escape(v)}" for k, v in block.pairs if v]
            parts.append("\n".join(lines) + "\n")
        elif isinstance(block, Bullets):
            lines = [
                f"{i}. {md_escape(item, block=True)}"
                if block.numbered
                else f"- {md_escape(item, block=True)}"
                for i, item in enumerate(block.items, start=1)
            ]
            parts.append("\n".join(lines) + "\n")
        else:
            parts.append(table_markdown(block))
    return "\n".join(parts)


# ------------------------------------------------------------------------------------------
# CSV and JSON


def _csv_safe(cell: str) -> str:
    """Defuse spreadsheet formula injection: a cell starting with = + - @ is read as text."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") and not _NUMBER.fullmatch(cell) else cell


_NUMBER = re.compile(r"[-+]?[0-9]+(\.[0-9]+)?")


def table_csv(table: Table) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_csv_safe(c) for c in row])
    return buf.getvalue()


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
