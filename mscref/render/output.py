"""Plain output shapes and their text renderings (markdown, CSV, JSON); no terminal code here.

Commands build a :class:`Table` or a :class:`Document` from the data; the CLI draws them with
Rich for the terminal, and these functions write them as GitHub-flavoured markdown, CSV or
JSON. Every cell is escaped, so no text in the data can break a table or inject markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import field
from enum import StrEnum
from typing import Any, BinaryIO

from mscref.data.record import record


class Format(StrEnum):
    TABLE = "table"
    MARKDOWN = "markdown"
    CSV = "csv"
    JSON = "json"


@record
class Table:
    """Rows of text under labelled columns, with optional notes printed below."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    title: str | None = None
    notes: tuple[str, ...] = ()
    #: Field names of the columns (``key_outcome`` for "Key outcome"), for ``--sort`` and
    #: ``--columns``; empty for a table that is not a listing.
    keys: tuple[str, ...] = ()


@record
class Heading:
    text: str
    level: int = 2


@record
class Paragraph:
    text: str


@record
class Fields:
    """Label: value pairs (a value of None is left out)."""

    pairs: tuple[tuple[str, str | None], ...]


@record
class Bullets:
    items: tuple[str, ...]
    numbered: bool = False
    #: HTML id prefix for the items (``ref`` gives ``ref-1``, ``ref-2`` …), so that ``[n]``
    #: citations can link to a numbered reference list.
    anchor: str | None = None


@record
class Figure:
    """A chart: inline SVG for HTML, and an image link for markdown once a copy is saved."""

    caption: str
    svg: str
    name: str  # file name for a saved copy, e.g. "forest-1.svg"
    href: str | None = None  # where the saved copy is, relative to the markdown
    png: bytes | None = None  # the same chart as PNG, for formats that cannot hold SVG (Word)


Block = Heading | Paragraph | Fields | Bullets | Table | Figure


@record
class Document:
    title: str
    blocks: tuple[Block, ...] = field(default=())


# ------------------------------------------------------------------------------------------
# Markdown

#: HTML's three and markdown's specials, each character escaped on its own (one C-level pass).
_MD_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"} | {c: "\\" + c for c in "\\`*_[]|~#!"})
_MD_ESCAPED = re.compile(r"[&<>\\`*_\[\]|~#!]")
_BLOCK_START = re.compile(r"^([0-9]*)([-+=>.)])")


def md_escape(text: str, block: bool = False) -> str:
    """Markdown text with HTML and markdown markup neutralised and newlines as <br>.

    ``block`` is for text that starts a line (a paragraph, a list item), where a leading
    ``-``, ``+``, ``=`` or ``1.`` would otherwise start a list or a heading.
    """
    if _MD_ESCAPED.search(text):  # most cells hold none (translate is slow per character)
        text = text.translate(_MD_ESCAPES)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "<br>".join(part.strip() for part in text.split("\n")) if "\n" in text else text.strip()
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
    return "".join(markdown_chunks(doc))


def markdown_chunks(doc: Document) -> Iterator[str]:
    """The markdown of :func:`document_markdown` a block at a time, to write as it is made."""
    yield f"# {md_escape(doc.title)}\n"
    for block in doc.blocks:
        text = _block_markdown(block)
        if text:  # a figure with no saved copy to link to is left out
            yield "\n" + text


def _block_markdown(block: Block) -> str:
    if isinstance(block, Heading):
        return f"{'#' * max(2, min(block.level, 6))} {md_escape(block.text)}\n"
    if isinstance(block, Paragraph):
        return md_escape(block.text, block=True) + "\n"
    if isinstance(block, Fields):
        return "\n".join(f"- **{md_escape(k)}:** {md_escape(v)}" for k, v in block.pairs if v) + "\n"
    if isinstance(block, Bullets):
        lines = (
            f"{f'{i}.' if block.numbered else '-'} {md_escape(item, block=True)}"
            for i, item in enumerate(block.items, start=1)
        )
        return "\n".join(lines) + "\n"
    if isinstance(block, Figure):
        return f"![{md_escape(block.caption)}](<{block.href.replace('>', '%3E')}>)\n" if block.href else ""
    return table_markdown(block)


# ------------------------------------------------------------------------------------------
# HTML

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC","PingFang SC",sans-serif;
max-width:1100px;margin:2em auto;padding:0 1em;color:#1b1b1b;line-height:1.45}
table{border-collapse:collapse;margin:1em 0;font-size:.9em;width:100%}
th,td{border:1px solid #ccc;padding:.3em .5em;vertical-align:top;text-align:left}
th{background:#f2f4f7}caption{font-weight:600;text-align:left;padding:.3em 0}
table.inner{font-size:.95em;margin:.3em 0;width:auto}
p.note{color:#555;font-size:.85em;margin:.2em 0}figure{margin:1em 0}figure svg{max-width:100%;height:auto}
figcaption{color:#555;font-size:.85em}dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}
dt{font-weight:600}dd{margin:0}a{color:#0b57a4}a:target,li:target{background:#fff3c4}
@page{margin:15mm}
@media print{
body{max-width:none;margin:0;padding:0;font-size:10pt;line-height:1.3;color:#000}
table{font-size:8.5pt;width:100%}th{background:#eee}
table,thead,tr,figure,svg,dl,li,p.note{break-inside:avoid;page-break-inside:avoid}
thead{display:table-header-group}
h1,h2,h3,h4,caption{break-after:avoid;page-break-after:avoid}
figcaption,p.note{font-size:8.5pt;color:#333}
a{color:#000;text-decoration:none}
a[href^="https:"]:not(.bare)::after{content:" <" attr(href) ">";font-size:8pt;color:#333;word-break:break-all}
td a[href]::after{content:none!important}
}
"""


# Nothing may load or run: no network, no scripts; only the inline stylesheet.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _h(text: str) -> str:
    """``html.escape(text, quote=True)`` with line breaks as ``<br>``, inline: it runs for every
    cell of every table."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
        .replace("\n", "<br>")
    )


_CITATION = re.compile(r"\[([0-9]{1,4}(?:,\s?[0-9]{1,4})*)\]")
_MD_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_MD_TABLE_RULE = re.compile(r"^\s*\|?(\s*:?-{3,}:?\s*\|)+\s*:?-*:?\s*$")
# Columns drawn in characters (the text forest): left out of an HTML page whose figures draw them.
# box drawing, block elements and geometric shapes (├ ─ ┼ ■ ◆ …) and the middle dot
_TEXT_ART = re.compile(r"[·\u2500-\u25ff\s]+")


def _a(href: str, text: str) -> str:
    """A link to an https address (escaped, opening without access to this page) or an anchor."""
    from html import escape

    if href.startswith("#"):
        return f'<a href="{escape(href, quote=True)}">{text}</a>'
    bare = ' class="bare"' if text == escape(href, quote=True) else ""
    return f'<a href="{escape(href, quote=True)}" rel="noopener"{bare}>{text}</a>'


def _rich(text: str, refs: int = 0) -> str:
    """Escaped text with identifiers and addresses linked and, when there is a numbered reference
    list of ``refs`` entries, each ``[n]`` citation linked to its entry."""
    from mscref.render.links import find_links, has_links

    if "[" not in text and not has_links(text):  # most cells: nothing to link
        return _h(text)
    spans: list[tuple[int, int, str]] = []
    for start, end, href in find_links(text):
        if href is not None:
            spans.append((start, end, _a(href, _h(text[start:end]))))
    if refs:
        for m in _CITATION.finditer(text):
            numbers = [int(n) for n in re.split(r",\s?", m.group(1))]
            if all(1 <= n <= refs for n in numbers):
                inner = ", ".join(_a(f"#ref-{n}", str(n)) for n in numbers)
                spans.append((m.start(), m.end(), f"[{inner}]"))
    out = []
    at = 0
    for start, end, html in sorted(spans):
        if start < at:  # overlaps an earlier link
            continue
        out += [_h(text[at:start]), html]
        at = end
    out.append(_h(text[at:]))
    return "".join(out)


def split_quoted_tables(text: str) -> list[str | list[list[str]]]:
    """Text cut into prose and the markdown tables quoted in it (header row first, no rule line)."""
    lines = text.split("\n")
    parts: list[str | list[list[str]]] = []
    prose: list[str] = []
    i = 0
    while i < len(lines):
        if i + 1 < len(lines) and _MD_TABLE_ROW.match(lines[i]) and _MD_TABLE_RULE.match(lines[i + 1]):
            if prose:
                parts.append("\n".join(prose))
                prose = []
            rows = [_md_cells(lines[i])]
            i += 2
            while i < len(lines) and _MD_TABLE_ROW.match(lines[i]):
                rows.append(_md_cells(lines[i]))
                i += 1
            parts.append(rows)
            continue
        prose.append(lines[i])
        i += 1
    if prose:
        parts.append("\n".join(prose))
    return parts


def _cell(text: str, refs: int = 0) -> str:
    """A cell's HTML: a markdown table quoted in the text becomes a real table, never raw pipes."""
    if "|" not in text:  # no table quoted in it
        return _rich(text, refs)
    out = []
    for part in split_quoted_tables(text):
        if isinstance(part, str):
            out.append(_rich(part, refs))
            continue
        head, *rows = part
        out.append(
            '<table class="inner"><thead><tr>'
            + "".join(f"<th>{_rich(c, refs)}</th>" for c in head)
            + "</tr></thead><tbody>"
            + "".join("<tr>" + "".join(f"<td>{_rich(c, refs)}</td>" for c in r) + "</tr>" for r in rows)
            + "</tbody></table>"
        )
    return "".join(out)


def _md_cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _inline_svg(svg: str) -> str:
    """SVG markup for embedding: no XML declaration or DOCTYPE, no scripts or event handlers."""
    start = svg.find("<svg")
    body = svg[start:] if start >= 0 else ""
    problem = svg_script(body)
    if problem:
        raise ValueError(f"refusing to embed an SVG that holds script ({problem})")
    return body


def without_text_art(table: Table) -> Table:
    """The table without columns drawn in characters (the text forest plot)."""
    keep = [
        i
        for i in range(len(table.columns))
        if not table.rows or not all(row[i] and _TEXT_ART.fullmatch(row[i]) for row in table.rows)
    ]
    if len(keep) == len(table.columns):
        return table
    return Table(
        tuple(table.columns[i] for i in keep),
        tuple(tuple(row[i] for i in keep) for row in table.rows),
        table.title,
        table.notes,
    )


# Elements that run or embed active content; attributes that hold a link.
_ACTIVE_ELEMENTS = frozenset({"script", "foreignobject", "iframe", "object", "embed", "handler", "listener"})
_LINK_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "to", "values", "from", "by"})
# A raster image inlined as data is the one data: link a chart may hold.
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp);base64,", re.I)
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20]+")


def _local_name(name: str) -> str:
    """An element's or attribute's name without namespace or prefix, in lower case."""
    return name.rpartition(" ")[2].rpartition(":")[2].lower()


def _names_verdict(names: tuple[str, ...]) -> str | tuple[int, ...]:
    """What an element's name and its attributes' names alone say: a problem, or where the
    attributes whose values must be read (links) are in its list of names and values."""
    local = _local_name(names[0])
    if local in _ACTIVE_ELEMENTS:
        return f"a <{local}> element"
    links = []
    for i, attr in enumerate(names[1:]):
        attr_local = _local_name(attr)
        if attr_local.startswith("on"):
            return f"an event attribute {attr_local!r}"
        if attr_local in _LINK_ATTRIBUTES:
            links.append(2 * i + 1)
    return tuple(links)


#: each element's name with its attributes' names, judged once: a chart's thousands of
#: elements are a dozen kinds (``<text x y font-size>``, ``<path d fill>`` …)
_VERDICTS: dict[tuple[str, ...], str | tuple[int, ...]] = {}
_MOST_VERDICTS = 4096


def svg_script(svg: str) -> str | None:
    """What in ``svg`` could run (an element, an attribute or a link), or None when nothing can.

    The markup is parsed, so only real elements and attributes count: text or a comment that
    mentions ``javascript:`` or reads ``one = two`` is just text. Markup that does not parse, or
    that declares a DTD or entities (whose expansion could hide anything), is refused too.
    """
    from xml.parsers import expat

    found: list[str] = []

    def refuse_dtd(*_args: object) -> None:
        found.append("a DTD or entity declaration")
        raise _Stop

    def refuse_pi(*_args: object) -> None:
        found.append("a processing instruction")
        raise _Stop

    def element(name: str, attributes: list[str]) -> None:
        names = (name, *attributes[::2])
        verdict = _VERDICTS.get(names)
        if verdict is None:
            verdict = _names_verdict(names)
            if len(_VERDICTS) < _MOST_VERDICTS:
                _VERDICTS[names] = verdict
        if not verdict:  # nothing to run and no link: most elements
            return
        if isinstance(verdict, str):
            found.append(verdict)
            raise _Stop
        for i in verdict:
            link = _IGNORED_IN_SCHEME.sub("", attributes[i]).lower()
            if link.startswith(("javascript:", "vbscript:")) or (
                link.startswith("data:") and not _DATA_IMAGE.match(link)
            ):
                found.append(f"a {link.split(':', 1)[0]}: link in {_local_name(attributes[i - 1])!r}")
                raise _Stop

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.ordered_attributes = True  # [name, value, name, value …]: the names make the key
    parser.StartDoctypeDeclHandler = refuse_dtd
    parser.EntityDeclHandler = refuse_dtd
    parser.UnparsedEntityDeclHandler = refuse_dtd
    parser.ExternalEntityRefHandler = refuse_dtd  # type: ignore[assignment]
    parser.StartElementHandler = element
    # An HTML page reads "<?x >" as a comment that ends at the first ">", so what XML holds as
    # one processing instruction could start real elements there.
    parser.ProcessingInstructionHandler = refuse_pi
    try:
        parser.Parse(svg, True)
    except _Stop:
        return found[0]
    except expat.ExpatError as exc:
        return f"markup that does not parse: {exc}"
    return None


class _Stop(Exception):
    """Ends the parse at the first thing refused."""


class _Cells:
    """The HTML of a page's cells: a column at a time, each distinct text that needs more than
    escaping made once (a report's citations, identifiers and figures repeat)."""

    def __init__(self, refs: int) -> None:
        from mscref.render.links import has_links

        self.refs = refs
        self.made: dict[str, str] = {}
        self.has_links = has_links

    def one(self, text: str) -> str:
        html = self.made.get(text)
        if html is None:
            if "[" not in text and "|" not in text and not self.has_links(text):
                return _h(text)
            html = self.made[text] = _cell(text, self.refs)
        return html

    def column(self, texts: Sequence[str]) -> list[str]:
        """The cells of one column. Most columns hold nothing to link and no quoted table: those
        are escaped in one pass over the joined column (escaping is per character, and no cell
        holds the NUL that joins them)."""
        joined = "\0".join(texts)
        if (
            "[" not in joined
            and "|" not in joined
            and joined.count("\0") == len(texts) - 1
            and not self.has_links(joined)  # none in the whole column: none in any of its cells
        ):
            return _h(joined).split("\0")
        return [self.one(t) for t in texts]


def table_html(table: Table, refs: int = 0) -> str:
    return _table_html(table, _Cells(refs))


def _table_html(table: Table, cells: _Cells) -> str:
    out = ["<table>"]
    if table.title:
        out.append(f"<caption>{_h(table.title)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{_h(c)}</th>" for c in table.columns) + "</tr></thead><tbody>")
    width = len(table.columns)
    if table.rows and width and all(len(row) == width for row in table.rows):
        columns = [cells.column(column) for column in zip(*table.rows, strict=True)]
        out += ["<tr><td>" + "</td><td>".join(row) + "</td></tr>" for row in zip(*columns, strict=True)]
    else:
        out += ["<tr>" + "".join(f"<td>{cells.one(c)}</td>" for c in row) + "</tr>" for row in table.rows]
    out.append("</tbody></table>")
    out += [f'<p class="note">{_rich(n, cells.refs)}</p>' for n in table.notes]
    return "\n".join(out)


def document_html(doc: Document, lang: str = "en") -> str:
    """One self-contained HTML page: inline CSS and SVG, no scripts, no network, all text escaped.

    Identifiers and https addresses are links (printed with their address after them, except in
    narrow table cells: the reference list prints them all); ``[n]`` citations link to the
    numbered list whose ``anchor`` is ``ref``; a text-art column is left out when the page has
    figures to show it.
    """
    return "".join(html_chunks(doc, lang))


def html_chunks(doc: Document, lang: str = "en") -> Iterator[str]:
    """The page of :func:`document_html` a block at a time, to write as it is made."""
    refs = next((len(b.items) for b in doc.blocks if isinstance(b, Bullets) and b.anchor == "ref"), 0)
    has_figures = any(isinstance(b, Figure) for b in doc.blocks)
    cells = _Cells(refs)
    yield (
        "<!DOCTYPE html>\n"
        f'<html lang="{_h(lang)}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        f"<title>{_h(doc.title)}</title><style>{_CSS}</style></head>\n<body>\n"
        f"<h1>{_h(doc.title)}</h1>"
    )
    for block in doc.blocks:
        if isinstance(block, Heading):
            level = max(2, min(block.level, 6))
            html = f"<h{level}>{_h(block.text)}</h{level}>"
        elif isinstance(block, Paragraph):
            html = f"<p>{cells.one(block.text)}</p>"
        elif isinstance(block, Fields):
            pairs = "".join(f"<dt>{_h(k)}</dt><dd>{cells.one(v)}</dd>" for k, v in block.pairs if v)
            html = f"<dl>{pairs}</dl>"
        elif isinstance(block, Bullets):
            tag = "ol" if block.numbered else "ul"
            items = [
                (f'<li id="{_h(block.anchor)}-{i}">' if block.anchor else "<li>")
                + _rich(item, refs)
                + "</li>"
                for i, item in enumerate(block.items, start=1)
            ]
            html = f"<{tag}>" + "".join(items) + f"</{tag}>"
        elif isinstance(block, Figure):
            html = f"<figure>{_inline_svg(block.svg)}<figcaption>{_h(block.caption)}</figcaption></figure>"
        else:
            html = _table_html(without_text_art(block) if has_figures else block, cells)
        yield "\n" + html
    yield "\n</body></html>\n"


# ------------------------------------------------------------------------------------------
# CSV and JSON


def _csv_safe(cell: str) -> str:
    """Defuse spreadsheet formula injection: a cell starting with = + - @ is read as text."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") and not _NUMBER.fullmatch(cell) else cell


_NUMBER = re.compile(r"[-+]?[0-9]+(\.[0-9]+)?")
#: What a table shows for a missing value; a spreadsheet gets an empty cell.
_NOTHING = frozenset({"—", "?"})


def table_csv(table: Table) -> str:
    import csv  # here, not at the top: most commands never write CSV
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow(["" if c in _NOTHING else _csv_safe(c) for c in row])
    return buf.getvalue()


def write_json_object(out: BinaryIO, items: Iterable[tuple[str, Any]]) -> None:
    """Write an object, key by key, as ``orjson.dumps(dict(items), option=OPT_INDENT_2)`` would,
    byte for byte (NaN as null), but a value that is an iterator is written one element at a
    time: neither the whole object nor its text need be in memory at once."""
    import orjson

    def dump(value: Any, indent: bytes) -> bytes:
        # a JSON string holds no raw line break, so every one is indentation
        return orjson.dumps(value, option=orjson.OPT_INDENT_2).replace(b"\n", b"\n" + indent)

    opened = False
    for key, value in items:
        out.write(b",\n  " if opened else b"{\n  ")
        opened = True
        out.write(orjson.dumps(key) + b": ")
        if isinstance(value, Iterator):
            empty = True
            for element in value:
                out.write((b"[\n    " if empty else b",\n    ") + dump(element, b"    "))
                empty = False
            out.write(b"[]" if empty else b"\n  ]")
        else:
            out.write(dump(value, b"  "))
    out.write(b"\n}" if opened else b"{}")


def to_json(data: Any) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
