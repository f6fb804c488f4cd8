"""``mscref refs``: every export format read back by the parser its users' tools rely on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from mscref.data.dataset import Dataset
from mscref.data.query import TrialFilter, select
from mscref.render.refs import cited_by, references_of

runner = CliRunner()


def _refs(*args: str) -> str:
    result = runner.invoke(app, ["refs", *args])
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_selection_gives_the_references_of_its_records(bundled: Dataset) -> None:
    flt = TrialFilter(indication="gvhd")
    refs = references_of(bundled, select(bundled, flt).records)
    ids = [r.id for r in refs]
    assert len(ids) == len(set(ids))
    assert "jiang-2024" in ids and "nct02336230" in ids
    knee = {r.id for r in references_of(bundled, select(bundled, TrialFilter(indication="knee-oa")).records)}
    assert "jiang-2024" not in knee


def test_cited_by_one_record(bundled: Dataset) -> None:
    ids = [r.id for r in cited_by(bundled, "amimestrocel-trial-a")]
    assert "jiang-2024" in ids
    assert ids == list(dict.fromkeys(ids))
    claim = bundled.claims[0]
    assert [r.id for r in cited_by(bundled, claim.id)] == list(dict.fromkeys(claim.refs))


def test_bibtex_parses_with_bibtexparser() -> None:
    bibtexparser = pytest.importorskip("bibtexparser", reason="bibtexparser is in the test extra")
    library = bibtexparser.parse_string(_refs("--indication", "gvhd", "--format", "bibtex"))
    assert not library.failed_blocks
    entries = {e.key: e for e in library.entries}
    jiang = entries["jiang-2024"]
    assert jiang.entry_type == "article"
    fields = {k: f.value for k, f in jiang.fields_dict.items()}
    assert fields["author"] == "Jiang, E and others"
    assert fields["journal"] == "BMC Med"
    assert fields["year"] == "2024"
    assert fields["volume"] == "22"
    assert fields["pages"] == "555"
    assert fields["doi"] == "10.1186/s12916-024-03782-5"
    assert fields["pmid"] == "39587570"
    # no title in the data: the note says so and no title is made up
    assert "title" not in fields
    assert "No title recorded" in fields["note"]
    registry = {k: f.value for k, f in entries["nct02336230"].fields_dict.items()}
    assert "Registry: NCT02336230" in registry["note"]
    assert registry["url"] == "https://clinicaltrials.gov/study/NCT02336230"


def test_bibtex_escapes_latex_specials() -> None:
    from mscref.data.models import Reference, ReferenceKind
    from mscref.render.refs import bibtex

    bibtexparser = pytest.importorskip("bibtexparser", reason="bibtexparser is in the test extra")
    ref = Reference(id="x", kind=ReferenceKind.ARTICLE, title="A {broken} 100% & $5 #1 _x_ \\cmd", year=2020)
    library = bibtexparser.parse_string(bibtex([ref]))
    assert not library.failed_blocks
    title = library.entries[0].fields_dict["title"].value
    assert r"\{broken\}" in title and r"100\%" in title and r"\&" in title


def test_ris_parses_with_rispy() -> None:
    rispy = pytest.importorskip("rispy", reason="rispy is in the test extra")
    entries = {e["id"]: e for e in rispy.loads(_refs("--indication", "gvhd", "--format", "ris"))}
    jiang = entries["jiang-2024"]
    assert jiang["type_of_reference"] == "JOUR"
    assert jiang["authors"] == ["Jiang, E"]
    assert jiang["secondary_title"] == "BMC Med"
    assert jiang["year"] == "2024"
    assert jiang["volume"] == "22"
    assert jiang["start_page"] == "555"
    assert jiang["doi"] == "10.1186/s12916-024-03782-5"
    assert jiang["accession_number"] == "PMID:39587570"
    assert "title" not in jiang and "primary_title" not in jiang
    assert any("No title recorded" in n for n in jiang["notes"])
    assert any("Registry: NCT02336230" in n for n in entries["nct02336230"]["notes"])


def test_csljson_renders_with_citeproc(tmp_path: Path) -> None:
    citeproc = pytest.importorskip("citeproc", reason="citeproc-py is in the test extra")
    from citeproc.source.json import CiteProcJSON

    out = tmp_path / "gvhd.json"
    result = runner.invoke(app, ["refs", "--indication", "gvhd", "--format", "csljson", "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert "references" in result.stderr
    items = json.loads(out.read_text(encoding="utf-8"))
    style_dir = Path(citeproc.__file__).parent / "data" / "styles"
    style = citeproc.CitationStylesStyle(str(next(style_dir.glob("*.csl"))), validate=False)
    bib = citeproc.CitationStylesBibliography(style, CiteProcJSON(items), citeproc.formatter.plain)
    for item in items:
        bib.register(citeproc.Citation([citeproc.CitationItem(item["id"])]))
    rendered = [str(entry) for entry in bib.bibliography()]
    assert len(rendered) == len(items)
    jiang = next(r for r in rendered if "BMC Med" in r)
    assert "Jiang" in jiang and "2024" in jiang and "22" in jiang
    by_id = {i["id"]: i for i in items}
    assert by_id["jiang-2024"]["DOI"] == "10.1186/s12916-024-03782-5"
    assert by_id["jiang-2024"]["PMID"] == "39587570"
    assert by_id["jiang-2024"]["author"] == [{"family": "Jiang", "given": "E"}]
    assert "abbreviated" in by_id["jiang-2024"]["note"]


def test_markdown_is_a_numbered_list_that_parses() -> None:
    from markdown_it import MarkdownIt

    md = _refs("--cited-by", "amimestrocel-trial-a")
    tokens = MarkdownIt("commonmark").parse(md)
    assert [t.type for t in tokens].count("list_item_open") == len(md.splitlines())
    hrefs = [
        c.attrs["href"]
        for t in tokens
        if t.type == "inline"
        for c in t.children or []
        if c.type == "link_open"
    ]
    assert "https://doi.org/10.1186/s12916-024-03782-5" in hrefs


def test_refs_refuses_filters_with_cited_by_and_overwriting(tmp_path: Path) -> None:
    bad = runner.invoke(app, ["refs", "--cited-by", "msb-gvhd001", "--indication", "gvhd"])
    assert bad.exit_code == 2
    unknown = runner.invoke(app, ["refs", "--cited-by", "no-such-thing"])
    assert unknown.exit_code == 1 and "no-such-thing" in unknown.stderr
    out = tmp_path / "x.bib"
    out.write_text("mine", encoding="utf-8")
    kept = runner.invoke(app, ["refs", "--format", "bibtex", "-o", str(out)])
    assert kept.exit_code == 1 and out.read_text(encoding="utf-8") == "mine"
