"""An HTML table made a column at a time is the table made a cell at a time, whatever the cells
hold; a page written in pieces is the page."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mscref.render.output import (
    Bullets,
    Document,
    Heading,
    Paragraph,
    Table,
    _cell,
    _h,
    _rich,
    document_html,
    html_chunks,
    table_html,
)

# pieces that take every path: plain text, what escaping changes, citations in and out of the
# reference list, identifiers and addresses, a quoted markdown table, and the NUL that joins a
# column's cells
PIECES = st.sampled_from(
    [
        "MSC",
        "a < b & c > d",
        "\"q\" 'q'",
        "line 1\nline 2",
        "[1]",
        "[2, 3]",
        "[99]",
        "[x]",
        "NCT01234567",
        "PMID 12345678",
        "doi:10.1000/xyz",
        "https://example.org/a?b=1&c=2",
        "http://plain.example/x",
        "2019-",
        "| a | b |\n|---|---|\n| 1 | 2 |",
        "\x00",
        " ",
        "",
    ]
)
CELL = st.lists(PIECES, max_size=4).map("".join)


def cell_by_cell(table: Table, refs: int) -> str:
    """The table as it was made before columns: each cell on its own."""
    out = ["<table>"]
    if table.title:
        out.append(f"<caption>{_h(table.title)}</caption>")
    out.append("<thead><tr>" + "".join(f"<th>{_h(c)}</th>" for c in table.columns) + "</tr></thead><tbody>")
    for row in table.rows:
        out.append("<tr>" + "".join(f"<td>{_cell(c, refs)}</td>" for c in row) + "</tr>")
    out.append("</tbody></table>")
    out += [f'<p class="note">{_rich(n, refs)}</p>' for n in table.notes]
    return "\n".join(out)


@settings(max_examples=300)
@given(
    width=st.integers(1, 4),
    cells=st.lists(CELL, min_size=0, max_size=24),
    notes=st.lists(CELL, max_size=2),
    refs=st.integers(0, 5),
)
def test_a_table_made_by_columns_is_the_table_made_by_cells(
    width: int, cells: list[str], notes: list[str], refs: int
) -> None:
    rows = tuple(tuple(cells[i : i + width]) for i in range(0, len(cells) - len(cells) % width, width))
    table = Table(tuple(f"c{i}" for i in range(width)), rows, "t & t", tuple(notes))
    assert table_html(table, refs) == cell_by_cell(table, refs)


def test_a_ragged_table_is_still_written_cell_by_cell() -> None:
    table = Table(("a", "b"), (("1", "NCT01234567"), ("2",), ("3", "4", "5 < 6")))
    assert table_html(table, 0) == cell_by_cell(table, 0)


def test_a_column_with_one_identifier_links_only_that_cell() -> None:
    table = Table(("id",), (("plain",), ("NCT01234567",), ("a < b",)))
    html = table_html(table)
    assert html.count("<a ") == 1
    assert "<td>plain</td>" in html and "<td>a &lt; b</td>" in html


def test_the_page_in_pieces_is_the_page() -> None:
    doc = Document(
        "T",
        (
            Heading("H"),
            Paragraph("see [1] and NCT01234567"),
            Table(("x", "refs"), (("a", "[1]"), ("b", "[2]"))),
            Bullets(("one", "two"), numbered=True, anchor="ref"),
        ),
    )
    chunks = list(html_chunks(doc))
    assert len(chunks) == len(doc.blocks) + 2
    assert "".join(chunks) == document_html(doc)
    assert '<a href="#ref-2">2</a>' in document_html(doc)
