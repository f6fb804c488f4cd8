"""The HTML report links identifiers and citations, prints well, and shows nothing twice."""

from __future__ import annotations

import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mscref.data.dataset import Dataset
from mscref.data.query import TrialFilter, select
from mscref.render.i18n import Lang
from mscref.render.output import Bullets, Document, Figure, Paragraph, Table, document_html
from mscref.render.report import build_report
from tests.render.test_html import BROWSER_FLAGS, _chromium

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="5" height="5"/></svg>'


class Links(HTMLParser):
    """Every <a> with its attributes and text, every id, and the text outside links."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[dict[str, str | None], str]] = []
        self.ids: set[str] = set()
        self.outside: list[str] = []
        self.tags: list[str] = []
        self._open: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "a":
            self._open, self._text = a, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            self.links.append((self._open, "".join(self._text)))
            self._open = None

    def handle_data(self, data: str) -> None:
        (self._text if self._open is not None else self.outside).append(data)


def links_of(html: str) -> Links:
    p = Links()
    p.feed(html)
    return p


def gvhd_html(ds: Dataset) -> str:
    flt = TrialFilter(indication="gvhd")
    return document_html(build_report(ds, select(ds, flt), flt, Lang.EN, figures=True))


def test_identifiers_become_https_links_and_nothing_else_does() -> None:
    doc = Document(
        "t",
        (
            Paragraph(
                "doi:10.1186/s12916-024-03782-5, PMID 39587570, PMC10144752, NCT02336230, "
                "ChiCTR2000035740, https://example.org/a?b=1&c=2. and http://plain.example/x "
                'https://evil.example/"onmouseover="alert(1)'
            ),
        ),
    )
    found = links_of(document_html(doc))
    hrefs = {text: a["href"] for a, text in found.links}
    assert hrefs["doi:10.1186/s12916-024-03782-5"] == "https://doi.org/10.1186/s12916-024-03782-5"
    assert hrefs["PMID 39587570"] == "https://pubmed.ncbi.nlm.nih.gov/39587570/"
    assert hrefs["PMC10144752"] == "https://pmc.ncbi.nlm.nih.gov/articles/PMC10144752/"
    assert hrefs["NCT02336230"] == "https://clinicaltrials.gov/study/NCT02336230"
    assert "ChiCTR2000035740" in hrefs["ChiCTR2000035740"]
    assert (
        hrefs["https://example.org/a?b=1&c=2"] == "https://example.org/a?b=1&c=2"
    )  # the full stop stays out
    assert "http://plain.example/x" not in hrefs  # plain http is shown, not linked
    assert "http://plain.example/x" in "".join(found.outside)
    for a, _text in found.links:
        assert a["href"] and a["href"].startswith("https://")
        assert a["rel"] == "noopener"
        assert not any(k.startswith("on") for k in a)


def test_citations_link_to_their_numbered_reference() -> None:
    doc = Document(
        "t",
        (
            Table(("claim", "refs"), (("x", "[1, 3]"), ("y", "[2]"), ("z", "[9]"))),
            Bullets(("first", "second", "third"), numbered=True, anchor="ref"),
        ),
    )
    found = links_of(document_html(doc))
    assert [a["href"] for a, _ in found.links] == ["#ref-1", "#ref-3", "#ref-2"]
    assert {"ref-1", "ref-2", "ref-3"} <= found.ids
    assert "[9]" in "".join(found.outside)  # no such reference: left as text


def test_a_quoted_markdown_table_becomes_a_real_table() -> None:
    seed = "表:比較\n| 特性 | 臍帶 | 脂肪 |\n|---|---|---|\n| 增殖 | 極強 | 中等 |\n| 免疫 | 極低 | 低 |"
    html = document_html(Document("t", (Table(("seed says",), ((seed,),)),)))
    found = links_of(html)
    assert found.tags.count("table") == 2
    assert "|---|" not in html and "| 增殖" not in html
    assert "極強" in found.outside and "表:比較" in found.outside


def test_text_art_is_left_out_where_a_figure_draws_it() -> None:
    table = Table(("Study", "Forest"), (("a", "··├─■─┤··"), ("Pooled", "··├◆┤····")))
    without = document_html(Document("t", (table,)))
    assert "■" in without  # no figure: the text forest is all there is
    with_figure = document_html(Document("t", (table, Figure("forest", SVG, "f.svg"))))
    assert "■" not in with_figure and "Forest" not in with_figure.split("<figure>")[0]


def test_report_citations_and_anchors_resolve(bundled: Dataset) -> None:
    html = gvhd_html(bundled)
    found = links_of(html)
    internal = [a["href"] for a, _ in found.links if a["href"] and a["href"].startswith("#")]
    assert internal, "no citation links"
    assert all(h[1:] in found.ids for h in internal)
    cited = {h for h in internal if h.startswith("#ref-")}
    refs = {i for i in found.ids if i.startswith("ref-")}
    assert cited == {f"#{i}" for i in refs}  # every reference is cited, every citation resolves
    # no citation left unlinked in the text
    assert not re.search(r"\[[0-9]+(, [0-9]+)*\]", "".join(found.outside))
    external = [a for a, _ in found.links if not (a["href"] or "").startswith("#")]
    assert any((a["href"] or "").startswith("https://doi.org/") for a in external)
    assert all(a["rel"] == "noopener" and (a["href"] or "").startswith("https://") for a in external)


def test_report_shows_the_forest_once_and_no_raw_markdown(bundled: Dataset) -> None:
    html = gvhd_html(bundled)
    assert "■" not in html and "◆" not in html  # the SVG forest plots, not the text ones
    assert "|---|" not in html
    assert "not on scale" in html.split("<figure>")[1]  # the source chart says it, as the table does
    assert "@media print" in html


def _print_pdf(browser: str, page: Path, tmp_path: Path) -> list[str]:
    pypdf = pytest.importorskip("pypdf", reason="pypdf is in the test extra")
    pdf = tmp_path / (page.stem + ".pdf")
    subprocess.run(
        [
            browser,
            *BROWSER_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    return [p.extract_text() or "" for p in pypdf.PdfReader(pdf).pages]


needs_browser = pytest.mark.skipif(
    _chromium() is None and not os.environ.get("MSCREF_REQUIRE_BROWSER"),
    reason="no Chromium here (CI installs it; see README)",
)


@needs_browser
def test_in_a_browser_every_anchor_resolves(bundled: Dataset, tmp_path: Path) -> None:
    browser = _chromium()
    assert browser, "MSCREF_REQUIRE_BROWSER is set but no Chromium is installed"
    page = tmp_path / "gvhd.html"
    page.write_text(gvhd_html(bundled), encoding="utf-8")
    run = subprocess.run(
        [browser, *BROWSER_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    dom = links_of(run.stdout)
    internal = [a["href"] for a, _ in dom.links if (a["href"] or "").startswith("#")]
    assert len(internal) > 20
    assert all(h[1:] in dom.ids for h in internal)
    assert all(a["rel"] == "noopener" for a, _ in dom.links if (a["href"] or "").startswith("https://"))


@needs_browser
def test_printed_tables_are_not_split_across_pages(tmp_path: Path) -> None:
    """Thirty tables of twelve rows each fill several pages; each must print on one page."""
    browser = _chromium()
    assert browser, "MSCREF_REQUIRE_BROWSER is set but no Chromium is installed"
    tables = tuple(
        Table(("a", "b"), tuple((f"T{t:02d}R{r:02d}", "x") for r in range(12)), title=f"table {t}")
        for t in range(30)
    )
    page = tmp_path / "tables.html"
    page.write_text(document_html(Document("print", tables)), encoding="utf-8")
    pages = _print_pdf(browser, page, tmp_path)
    assert len(pages) > 3
    for t in range(30):
        first = [i for i, text in enumerate(pages) if f"T{t:02d}R00" in text]
        last = [i for i, text in enumerate(pages) if f"T{t:02d}R11" in text]
        assert first and first == last, f"table {t} split across pages {first} and {last}"


@needs_browser
def test_printed_report_shows_link_addresses(bundled: Dataset, tmp_path: Path) -> None:
    browser = _chromium()
    assert browser, "MSCREF_REQUIRE_BROWSER is set but no Chromium is installed"
    page = tmp_path / "gvhd.html"
    page.write_text(gvhd_html(bundled), encoding="utf-8")
    pages = _print_pdf(browser, page, tmp_path)
    text = "".join(pages).replace("\n", "")
    assert "<https://doi.org/10.1186/s12916-024-03782-5>" in text  # in the reference list
    assert "<https://clinicaltrials.gov/study/NCT02336230>" in text
    # not in the trials table's narrow registry column, where it would crowd the cell
    trials_page = next(p for p in pages if "Registry ids" in p)
    assert "<https://clinicaltrials.gov" not in trials_page.split("Registry ids")[1].split("amimestrocel")[0]


@pytest.mark.parametrize(
    "text",
    [
        "NCT01234567",
        "ChiCTR2000012345",
        "ChiCTR-IPR-17012345",
        "jRCT1234567890",
        "CTR20201234",
        "2010-012345-12",
        "ISRCTN12345678",
        "PMID: 123",
        "PMC12345",
        "doi:10.1000/x",
        "see https://example.org/a",
    ],
)
def test_the_quick_link_check_misses_no_kind_of_identifier(text: str) -> None:
    from mscref.render.links import find_links, has_links

    assert has_links(text) and list(find_links(text))
    assert not has_links("38/54 (70.4%), day 28")


@settings(max_examples=400)
@given(
    st.lists(
        st.sampled_from(
            [
                "NCT0123456",
                "7",
                "ChiCTR",
                "-",
                "2010",
                "012345",
                "-12",
                "jRCT",
                "CTR",
                "ISRCTN",
                "PMID",
                ": ",
                "PMC",
                "doi:",
                "10.1000/x",
                "https",
                "://",
                "a",
                " ",
                "é",
                "\n",
            ]
        ),
        max_size=8,
    ).map("".join)
)
def test_the_quick_link_check_agrees_with_the_whole_pattern(text: str) -> None:
    from mscref.render.links import _LINKABLE, has_links

    assert has_links(text) == (_LINKABLE.search(text) is not None)
