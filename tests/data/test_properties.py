"""Property tests: any text in any string field keeps the markdown tables whole and the HTML free
of injected elements; mutated data files give only the project's own error or a valid data set."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mscref.data.dataset import Dataset
from mscref.data.loader import load_dataset
from mscref.data.query import TrialFilter, select
from mscref.render.i18n import Lang
from mscref.render.output import document_html, document_markdown, table_markdown
from mscref.render.report import build_report
from mscref.render.views.trials import trials_table
from tests.conftest import MINIMAL
from tests.gfm import parser as gfm
from tests.gfm import table_widths

BASE = load_dataset(MINIMAL)

hostile = (
    st.lists(
        st.sampled_from(
            [
                "|",
                "`",
                "``",
                "*",
                "_",
                "[",
                "](",
                "<",
                ">",
                "&",
                "\\",
                "\n",
                "\r\n",
                "#",
                "- ",
                "1. ",
                "<script>",
                "</td>",
                "<img src=x onerror=alert(1)>",
                "javascript:",
                "&lt;",
                "\u202e",
                "\u200f",
                "مرحبا",
                "移植物",
                "臍帶",
                "a",
                "b",
                " ",
                "---",
                "|---|",
                "<!--",
                "-->",
                "{",
                "}",
                "$x$",
                "'",
                '"',
            ]
        ),
        min_size=1,
        max_size=12,
    )
    .map("".join)
    .filter(lambda s: s.strip())
)


def with_text(ds: Dataset, texts: dict[str, str]) -> Dataset:
    """The minimal data set with hostile text in many of its string fields."""
    trial_a, trial_b = ds.trials
    outcome = dataclasses.replace(trial_b.outcomes[0], result=texts["result"], endpoint_label=texts["label"])
    trial_b = dataclasses.replace(
        trial_b,
        title=texts["title"],
        intervention=texts["intervention"],
        population=texts["population"],
        notes=texts["notes"],
        outcomes=(outcome,),
    )
    trial_a = dataclasses.replace(trial_a, title=texts["title"], notes=texts["notes"])
    claim = dataclasses.replace(
        ds.claims[0], correction=texts["correction"], seed_text=texts["seed"], topic=texts["topic"]
    )
    ref = dataclasses.replace(ds.references[0], title=texts["ref"])
    src = dataclasses.replace(ds.sources[0], name=texts["source"])
    return dataclasses.replace(
        ds,
        trials=(trial_a, trial_b),
        claims=(claim,),
        references=(ref, *ds.references[1:]),
        sources=(src, *ds.sources[1:]),
    )


FIELDS = [
    "result",
    "label",
    "title",
    "intervention",
    "population",
    "notes",
    "correction",
    "seed",
    "topic",
    "ref",
    "source",
]


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attrs: set[str] = set()
        self.hrefs: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attrs.update(name for name, _ in attrs)
        self.hrefs.update(value or "" for name, value in attrs if name == "href")


ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "h1",
    "h2",
    "h3",
    "h4",
    "p",
    "dl",
    "dt",
    "dd",
    "ul",
    "ol",
    "li",
    "table",
    "caption",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "br",
    "figure",
    "figcaption",
    "a",  # identifiers and citations, checked below
}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({name: hostile for name in FIELDS}))
def test_any_text_keeps_report_tables_whole_and_html_clean(texts: dict[str, str]) -> None:
    ds = with_text(BASE, texts)
    flt = TrialFilter()
    doc = build_report(ds, select(ds, flt), flt, Lang.EN, date=dt.date(2026, 1, 1))
    md = document_markdown(doc)
    widths = table_widths(md)
    assert widths, "the report has tables"
    for head, rows in widths:
        assert rows and all(w == head for w in rows)
    listing = table_markdown(trials_table(ds, select(ds, flt), Lang.EN))
    for head, rows in table_widths(listing):
        assert all(w == head for w in rows)
    parser = Elements()
    parser.feed(document_html(doc))
    assert parser.tags <= ALLOWED_TAGS
    assert parser.attrs <= {"lang", "charset", "http-equiv", "content", "href", "rel", "class", "id"}
    for href in parser.hrefs:  # a link goes to a reference in the page or out over https, nowhere else
        assert re.fullmatch(r"#ref-[0-9]+|https://[^\s\"'<>`\\]+", href), href
    rendered = gfm.render(md)
    inner = Elements()
    inner.feed(rendered)
    assert inner.tags <= {
        "h1",
        "h2",
        "h3",
        "p",
        "ul",
        "ol",
        "li",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "br",
        "strong",
        "em",
    }


def _mutate(text: str, how: str, index: int, value: str) -> str:
    lines = text.splitlines()
    i = index % len(lines)
    if how == "delete":
        del lines[i]
    elif how == "duplicate":
        lines.insert(i, lines[i])
    elif how == "swap" and i + 1 < len(lines):
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
    elif how == "retype" and ":" in lines[i]:
        lines[i] = lines[i].split(":", 1)[0] + ": " + value
    elif how == "rename" and ":" in lines[i]:
        key, rest = lines[i].split(":", 1)
        lines[i] = key + "x:" + rest
    return "\n".join(lines) + "\n"


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from(sorted(p.name for p in MINIMAL.glob("*.yaml"))),
    st.lists(
        st.tuples(
            st.sampled_from(["delete", "duplicate", "swap", "retype", "rename"]),
            st.integers(0, 500),
            st.sampled_from(
                [
                    "yes",
                    "no",
                    "12",
                    "-1",
                    "1.5",
                    "null",
                    "[]",
                    "{}",
                    '""',
                    "0x10",
                    "1e3",
                    ".inf",
                    "2024-02-30",
                    "&a x",
                    "*a",
                    "!!str 1",
                    "[a, b]",
                    "'|'",
                ]
            ),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_mutated_files_give_our_error_or_a_valid_data_set(name: str, mutations: list[Any]) -> None:
    from mscref.data.errors import DataError

    text = (MINIMAL / name).read_text(encoding="utf-8")
    for how, index, value in mutations:
        text = _mutate(text, how, index, value)
    try:
        ds = load_dataset(MINIMAL, overrides={name: text})
    except DataError as exc:
        assert exc.problems and all(p.message for p in exc.problems)
    else:
        assert ds.trials


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_terminal_width_of_any_text_is_richs(text: str) -> None:
    from rich.cells import cell_len as rich_cell_len

    from mscref.render.termtable import cell_len

    assert cell_len(text) == rich_cell_len(text)


@given(st.text(min_size=1, max_size=60), st.integers(min_value=2, max_value=12))
@settings(max_examples=300, deadline=None)
def test_wrapped_text_fits_its_width_and_keeps_every_character(text: str, width: int) -> None:
    from mscref.render.termtable import cell_len, wrap

    lines = wrap(text, width)
    assert all(cell_len(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "").replace("\n", "")
