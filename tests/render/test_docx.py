"""``report --format docx``: a Word file with headings, real tables, the charts and numbered references."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from mscref.data.loader import bundled_data_dir, load_dataset
from mscref.evidence.stats import EvidenceFilter, analyse

docx = pytest.importorskip("docx", reason="python-docx is a dependency of mscref")
runner = CliRunner()


@pytest.fixture(scope="module")
def gvhd_docx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("docx") / "gvhd.docx"
    result = runner.invoke(app, ["report", "--indication", "gvhd", "--format", "docx", "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert "wrote" in result.stderr
    return target


def test_headings(gvhd_docx: Path) -> None:
    doc = docx.Document(str(gvhd_docx))
    headings = [
        (p.style.name, p.text) for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))
    ]
    assert headings[0] == ("Title", "mscref report: Graft-versus-host disease")
    names = [text for style, text in headings if style == "Heading 1"]
    for wanted in (
        "Overview",
        "Source-tissue comparison",
        "Trials by indication",
        "Evidence statistics",
        "References",
    ):
        assert wanted in names
    assert ("Heading 2", "Graft-versus-host disease (移植物抗宿主病)") in headings


def test_a_real_table_with_its_cells(gvhd_docx: Path) -> None:
    doc = docx.Document(str(gvhd_docx))
    trials = next(t for t in doc.tables if t.rows[0].cells[0].text == "ID" and len(t.columns) == 10)
    header = [c.text for c in trials.rows[0].cells]
    assert header[:3] == ["ID", "Registry ids", "Product"] and header[-1] == "References"
    row = next([c.text for c in r.cells] for r in trials.rows if r.cells[0].text == "msb-gvhd001")
    assert row[1] == "NCT02336230"
    assert row[4] == "3"
    assert re.fullmatch(r"\[[0-9]+(, [0-9]+)*\]", row[-1])
    # no text forest: the figures draw it
    assert not any("■" in c.text for t in doc.tables for r in t.rows for c in r.cells)
    # the seed's own table, quoted in a claim, is a nested table, not pipes
    assert not any("|---|" in c.text for t in doc.tables for r in t.rows for c in r.cells)
    assert any(c.tables for t in doc.tables for r in t.rows for c in r.cells)


def test_the_figures_are_embedded_pictures(gvhd_docx: Path) -> None:
    doc = docx.Document(str(gvhd_docx))
    pooled = len(analyse(load_dataset(bundled_data_dir()), EvidenceFilter(indication="gvhd")).pooled)
    assert pooled >= 1 and len(doc.inline_shapes) == 1 + pooled  # the source chart and a forest per pool
    images = [r for r in doc.part.rels.values() if "image" in r.reltype]
    assert images and all(r.target_part.blob.startswith(b"\x89PNG") for r in images)
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert any(c.startswith("Forest plot: Overall response (CR+PR), day 28") for c in captions)


def test_references_are_numbered_as_cited(gvhd_docx: Path) -> None:
    doc = docx.Document(str(gvhd_docx))
    texts = [p.text for p in doc.paragraphs]
    start = texts.index("References")
    refs = texts[start + 1 :]
    assert refs and all(r.startswith(f"{i}. ") for i, r in enumerate(refs, start=1))
    cited = {
        int(n)
        for t in doc.tables
        for r in t.rows
        for c in r.cells
        for m in re.finditer(r"\[([0-9, ]+)\]", c.text)
        for n in m.group(1).split(", ")
    }
    assert cited and max(cited) <= len(refs)
    assert any("doi:10.1186/s12916-024-03782-5" in r for r in refs)


def test_docx_to_stdout_is_the_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--indication", "knee-oa", "--format", "docx"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout_bytes.startswith(b"PK")
    (tmp_path / "r.docx").write_bytes(result.stdout_bytes)
    assert docx.Document(str(tmp_path / "r.docx")).paragraphs[0].text.startswith("mscref report")
