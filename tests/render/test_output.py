"""Markdown and CSV output stay well-formed whatever text the data holds."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from mscref.render.output import Table, md_escape, table_csv, table_markdown

_md = MarkdownIt("commonmark").enable("table")


def parsed_cells(markdown: str) -> list[list[str]]:
    """The text of each table row's cells as a GFM parser reads them."""
    tokens = _md.parse(markdown)
    rows: list[list[str]] = []
    for i, tok in enumerate(tokens):
        if tok.type == "tr_open":
            rows.append([])
        elif tok.type == "inline" and i > 0 and tokens[i - 1].type in ("th_open", "td_open"):
            rows[-1].append(tok.content)
    return rows


def rendered_html(markdown: str) -> str:
    return _md.render(markdown)


def test_pipe_backtick_and_html_stay_inside_their_cell() -> None:
    table = Table(("a", "b"), (("x | y `z` <script>alert(1)</script>", "line1\nline2"),))
    md = table_markdown(table)
    rows = parsed_cells(md)
    assert len(rows) == 2
    assert all(len(r) == 2 for r in rows)
    html = rendered_html(md)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "<br>" in html or "<br />" in html


def test_csv_defuses_formulas_but_keeps_numbers() -> None:
    out = table_csv(Table(("a", "b"), (("=SUM(A1)", "-3"),)))
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[1] == ["'=SUM(A1)", "-3"]


cell_text = st.lists(
    st.sampled_from([*"ab |`*_[]<>&\\\n#!~-", "移植物", "\u202e", "<b>", "</td>", "é", "&amp;"]),
    max_size=12,
).map("".join)


@given(st.lists(st.tuples(cell_text, cell_text, cell_text), min_size=1, max_size=5))
def test_any_text_keeps_the_table_shape(rows: list[tuple[str, str, str]]) -> None:
    md = table_markdown(Table(("one", "two", "three"), tuple(rows)))
    parsed = parsed_cells(md)
    assert len(parsed) == len(rows) + 1
    assert all(len(r) == 3 for r in parsed)
    html = rendered_html(md)
    assert "<b>" not in html
    assert html.count("<td>") == 3 * len(rows)


@given(cell_text)
def test_escaped_text_makes_no_element(text: str) -> None:
    html = rendered_html(md_escape(text, block=True))
    # The only elements allowed are the paragraph and line breaks mscref adds itself.
    stripped = html.replace("<p>", "").replace("</p>", "").replace("<br>", "").replace("<br />", "")
    assert "<" not in stripped.replace("&lt;", "")


def _md_escape_by_steps(text: str, block: bool) -> str:
    """md_escape as first written, one replacement after another: the single-pass one must agree."""
    import re

    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"([\\`*_\[\]|~#!])", r"\\\1", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "<br>".join(part.strip() for part in text.split("\n"))
    if block:
        text = re.sub(r"^([0-9]*)([-+=>.)])", r"\1\\\2", text, count=1)
    return text


escape_text = st.lists(
    st.sampled_from([*"ab |`*_[]<>&\\\n\r#!~-+=.)19 \t", "\r\n", "移植物", "\u3000", "\u2028", "&amp;"]),
    max_size=16,
).map("".join)


@given(st.one_of(escape_text, st.text(max_size=30)), st.booleans())
def test_md_escape_equals_the_step_by_step_definition(text: str, block: bool) -> None:
    assert md_escape(text, block=block) == _md_escape_by_steps(text, block)


json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet=st.sampled_from([*'ab"\\\n\r\t/', "移", "\u2028", "\x00", "é"]), max_size=8),
)
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(
    st.lists(
        st.tuples(st.text(max_size=6), json_value, st.booleans()),
        max_size=6,
        unique_by=lambda item: item[0],
    )
)
def test_json_written_key_by_key_is_orjsons_text_of_the_whole(items: list[tuple[str, object, bool]]) -> None:
    import orjson

    from mscref.render.output import write_json_object

    out = io.BytesIO()
    # a list value may come as an iterator (streamed element by element) or whole
    write_json_object(
        out, [(k, iter(v) if streamed and isinstance(v, list) else v) for k, v, streamed in items]
    )
    whole = orjson.dumps({k: v for k, v, _ in items}, option=orjson.OPT_INDENT_2)
    assert out.getvalue() == whole


def test_the_escape_shortcut_looks_for_every_character_escaped() -> None:
    from mscref.render.output import _MD_ESCAPED, _MD_ESCAPES

    escaped = {chr(c) for c in _MD_ESCAPES}
    assert {chr(c) for c in range(0x110000) if c in _MD_ESCAPES or _MD_ESCAPED.fullmatch(chr(c))} == escaped
