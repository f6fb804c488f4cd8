"""A document as a Word file (python-docx, imported when called): headings, real tables, the
charts as pictures and the numbered references."""

from __future__ import annotations

import io
import itertools
from typing import Any

from mscref.render.output import (
    Bullets,
    Document,
    Fields,
    Figure,
    Heading,
    Paragraph,
    Table,
    split_quoted_tables,
    without_text_art,
)


def _cells(table: Any) -> list[list[Any]]:
    """The table's cells by row, read once (python-docx's ``cell(i, j)`` walks the whole table
    on every call, which made a long table quadratic)."""
    from docx.table import _Cell

    return [[_Cell(tc, table) for tc in row._tr.tc_lst] for row in table.rows]


def _small_run(text: str, bold: bool) -> Any:
    """A run of 8-point text, bold or not: the XML that ``add_run`` with ``bold`` and
    ``font.size`` set makes, built directly (python-docx looks up its place among the run
    properties' children for each property, most of the time of a report's tables)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = OxmlElement("w:r")
    props = OxmlElement("w:rPr")
    weight = OxmlElement("w:b")
    if not bold:
        weight.set(qn("w:val"), "0")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "16")  # half-points
    props.append(weight)
    props.append(size)
    run.append(props)
    run.text = text  # python-docx's own text setter: line breaks and tabs as Word has them
    return run


def _set_cell(cell: Any, text: str, bold: bool = False) -> None:
    """A cell's text in small type; a markdown table quoted in it becomes a table nested in the cell."""
    first = True
    for part in split_quoted_tables(text):
        if isinstance(part, str):
            para = cell.paragraphs[0] if first else cell.add_paragraph()
            para._p.append(_small_run(part, bold))
        else:
            inner = cell.add_table(rows=len(part), cols=max(len(r) for r in part))
            inner.style = "Table Grid"
            for i, (row, cells) in enumerate(zip(part, _cells(inner), strict=False)):
                for value, inner_cell in zip(row, cells, strict=False):
                    inner_cell.paragraphs[0]._p.append(_small_run(value, i == 0))
        first = False


def _picture(doc: Any, png: bytes, width: Any, ids: Any) -> None:
    """A picture in a paragraph of its own, as ``doc.add_picture`` adds it, with its shape id
    from ``ids``: python-docx finds a free id by reading every id in the document, once per
    picture, which made a report with thousands of charts take time growing with their square."""
    from docx.oxml.shape import CT_Inline

    run = doc.add_paragraph().add_run()
    rel_id, image = doc.part.get_or_add_image(io.BytesIO(png))
    cx, cy = image.scaled_dimensions(width, None)
    run._r.add_drawing(CT_Inline.new_pic_inline(next(ids), rel_id, image.filename, cx, cy))


def _table(doc: Any, table: Table) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    if table.title:
        doc.add_paragraph(table.title, style="Caption")
    grid = doc.add_table(rows=1 + len(table.rows), cols=len(table.columns))
    grid.style = "Table Grid"
    for i, (values, cells) in enumerate(zip((table.columns, *table.rows), _cells(grid), strict=True)):
        for value, cell in zip(values, cells, strict=True):
            _set_cell(cell, value, bold=i == 0)
    # the header row repeats on every page a long table runs over
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    grid.rows[0]._tr.get_or_add_trPr().append(repeat)
    for note in table.notes:
        para = doc.add_paragraph(note)
        for run in para.runs:
            run.font.size = Pt(8)


def document_docx(document: Document, lang: str = "en") -> bytes:
    """The document as the bytes of a .docx file."""
    import docx
    from docx.shared import Cm, Pt

    doc = docx.Document()
    section = doc.sections[0]
    section.left_margin = section.right_margin = Cm(1.8)
    section.top_margin = section.bottom_margin = Cm(1.8)
    doc.core_properties.title = document.title
    doc.core_properties.language = lang
    doc.styles["Normal"].font.size = Pt(10)
    width = Cm(17)  # the text width of a Letter or A4 page less the margins
    has_figures = any(isinstance(b, Figure) for b in document.blocks)

    doc.add_heading(document.title, level=0)
    ids = itertools.count(doc.part.next_id)  # the first free id; the pictures take the next ones
    for block in document.blocks:
        if isinstance(block, Heading):
            doc.add_heading(block.text, level=max(1, min(block.level - 1, 8)))
        elif isinstance(block, Paragraph):
            for part in split_quoted_tables(block.text):
                if isinstance(part, str):
                    doc.add_paragraph(part)
                else:
                    _table(doc, Table(tuple(part[0]), tuple(tuple(r) for r in part[1:])))
        elif isinstance(block, Fields):
            for key, value in block.pairs:
                if value:
                    para = doc.add_paragraph()
                    para.add_run(f"{key}: ").bold = True
                    para.add_run(value)
        elif isinstance(block, Bullets):
            for i, item in enumerate(block.items, start=1):
                if block.numbered:
                    # written-out numbers: Word's list numbering would run on across lists, and a
                    # reference's number must be the one the tables cite
                    para = doc.add_paragraph(f"{i}. {item}")
                    para.paragraph_format.left_indent = Cm(0.8)
                    para.paragraph_format.first_line_indent = Cm(-0.8)
                else:
                    doc.add_paragraph(item, style="List Bullet")
        elif isinstance(block, Figure):
            if block.png:
                _picture(doc, block.png, width, ids)
            doc.add_paragraph(block.caption, style="Caption")
        else:
            _table(doc, without_text_art(block) if has_figures else block)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
