"""The report and the summary tables: valid GFM, every citation resolves, nothing overwritten."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from mscref.data.dataset import Dataset
from mscref.data.errors import MscrefError
from mscref.data.files import write_atomic
from mscref.data.query import TrialFilter, select
from mscref.render.i18n import Lang
from mscref.render.output import document_markdown
from mscref.render.report import build_report
from tests.gfm import parser as gfm
from tests.gfm import table_widths

runner = CliRunner()
FIXED = dt.date(2026, 1, 15)


def report_text(ds: Dataset, lang: Lang = Lang.EN, **flt: str) -> str:
    f = TrialFilter(**flt)  # type: ignore[arg-type]
    return document_markdown(build_report(ds, select(ds, f), f, lang, date=FIXED))


def pipe_table_count(markdown: str) -> int:
    return sum(1 for line in markdown.splitlines() if re.fullmatch(r"\|(---\|)+", line))


def citations_resolve(markdown: str) -> tuple[set[int], int]:
    body, _, refs = markdown.rpartition("\n## ")  # the reference list is the last section
    cited = {int(n) for group in re.findall(r"\\\[([0-9, ]+)\\\]", body) for n in group.split(", ")}
    listed = len(re.findall(r"^[0-9]+\. ", refs, re.M))
    return cited, listed


@pytest.mark.parametrize("lang", [Lang.EN, Lang.ZH])
def test_gvhd_report_is_valid_gfm_and_every_citation_resolves(bundled: Dataset, lang: Lang) -> None:
    md = report_text(bundled, lang, indication="gvhd")
    tables = table_widths(md)
    assert len(tables) == pipe_table_count(md) >= 6
    for head, rows in tables:
        assert rows and all(width == head for width in rows)
    cited, listed = citations_resolve(md)
    assert cited == set(range(1, listed + 1))


def test_gvhd_report_stands_on_its_own(bundled: Dataset) -> None:
    md = report_text(bundled, indication="gvhd")
    assert "Remestemcel-L (Ryoncil, Prochymal)" in md
    assert "Amimestrocel injection" in md
    assert "38/54 (70.4%)" in md
    assert "single-arm, no control group" in md
    assert "24/40\\* (60%)" in md
    assert "| Alofisel" not in md  # another indication's product is not in a GVHD report
    assert "claim-a1-ryoncil" in md and "| verified |" in md
    assert "Generated 2026-01-15" in md


def test_full_report_lists_alofisel_as_withdrawn(bundled: Dataset) -> None:
    md = report_text(bundled)
    (row,) = [line for line in md.splitlines() if line.startswith("| Alofisel")]
    assert "withdrawn 2024-12-13" in row


def test_chinese_report_has_chinese_headings(bundled: Dataset) -> None:
    md = report_text(bundled, Lang.ZH, indication="gvhd")
    for heading in ("## 概览", "## 按适应症列出的试验", "## 已获批产品", "## 原文论断核查", "## 参考文献"):
        assert heading in md
    assert "艾米迈托赛注射液" in md
    assert "移植物抗宿主病" in md


def test_report_golden(bundled: Dataset, golden: Callable[[str, str], None]) -> None:
    golden("report_gvhd_en.md", report_text(bundled, Lang.EN, indication="gvhd"))
    golden("report_gvhd_zh.md", report_text(bundled, Lang.ZH, indication="gvhd"))


@pytest.mark.parametrize("command", ["products", "indications", "claims", "summary"])
def test_table_golden(command: str, golden: Callable[[str, str], None]) -> None:
    result = runner.invoke(app, [command, "--format", "markdown"])
    assert result.exit_code == 0, result.stderr
    golden(f"{command}.md", result.stdout)
    for head, rows in table_widths(result.stdout):
        assert all(width == head for width in rows)


def test_report_to_file_never_overwrites_without_force(tmp_path: Path) -> None:
    target = tmp_path / "r.md"
    env = {"SOURCE_DATE_EPOCH": "1768435200"}
    first = runner.invoke(app, ["report", "--indication", "gvhd", "-o", str(target)], env=env)
    assert first.exit_code == 0, first.stderr
    assert first.stdout == ""
    assert first.stderr.startswith(f"wrote {target} (")
    written = target.read_bytes()
    assert b"Ryoncil" in written
    second = runner.invoke(app, ["report", "--indication", "gvhd", "-o", str(target)], env=env)
    assert second.exit_code == 1
    assert second.stderr == f"error: {target} exists; use --force to overwrite it\n"
    assert target.read_bytes() == written
    third = runner.invoke(app, ["report", "-o", str(target), "--force"], env=env)
    assert third.exit_code == 0
    assert target.read_bytes() != written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.md"]


def test_interrupted_write_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "r.md"
    target.write_text("old report\n", encoding="utf-8")

    def crash(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(MscrefError, match="No space left on device"):
        write_atomic(target, "new report\n", force=True)
    assert target.read_text(encoding="utf-8") == "old report\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.md"]


def test_report_into_missing_directory(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "-o", str(tmp_path / "no" / "r.md")])
    assert result.exit_code == 1
    assert "no such directory" in result.stderr


def test_products_shows_alofisel_withdrawn() -> None:
    rows = json.loads(runner.invoke(app, ["products", "--format", "json"]).stdout)
    (alofisel,) = [r for r in rows if r["product_id"] == "alofisel"]
    assert (alofisel["status"], alofisel["status_date"]) == ("withdrawn", "2024-12-13")
    table = runner.invoke(app, ["products", "--format", "csv"]).stdout
    (line,) = [x for x in table.splitlines() if x.startswith("alofisel,Alofisel")]
    assert "withdrawn 2024-12-13" in line
    only = json.loads(runner.invoke(app, ["products", "--status", "withdrawn", "--format", "json"]).stdout)
    assert [r["product_id"] for r in only] == ["alofisel"]


def test_claims_contradicted_lists_alzheimers_and_parkinsons() -> None:
    rows = json.loads(runner.invoke(app, ["claims", "--verdict", "contradicted", "--format", "json"]).stdout)
    assert {r["verdict"] for r in rows} == {"contradicted"}
    indications = {i for r in rows for i in r["indications"]}
    assert {"alzheimers", "parkinsons"} <= indications
    assert any("NCT04388982" in r["seed_text"] for r in rows)


def test_indications_strongest_evidence(bundled: Dataset) -> None:
    rows = {r["id"]: r for r in json.loads(runner.invoke(app, ["indications", "--format", "json"]).stdout)}
    assert rows["gvhd"]["evidence"] == "approved"
    assert rows["crohns-perianal-fistula"]["evidence"] == "approved"  # Cupistem; Alofisel is withdrawn
    # the pluripotent-cell papers do not count; the randomized BM-MSC trial (Schiess 2025) does
    assert rows["parkinsons"]["evidence"] == "randomized-phase-2"
    assert rows["parkinsons"]["evidence_records"] == ["schiess-2025-pd"]
    # the nebulised-vesicle trial is cell-free: kept out of MSC evidence unless asked for
    assert "nebulised-ucmsc-evs-pf" not in rows["pulmonary-fibrosis"]["evidence_records"]
    assert rows["pulmonary-fibrosis"]["trials"] == sum(
        1 for t in bundled.trials if t.indication == "pulmonary-fibrosis" and bundled.is_msc(t)
    )
    assert rows["gvhd"]["trials"] == sum(1 for t in bundled.trials if t.indication == "gvhd")


def test_summary_counts_match_the_data(bundled: Dataset) -> None:
    data = json.loads(runner.invoke(app, ["summary", "--format", "json"]).stdout)
    cross = data["by_indication_source"]["counts"]
    expected = sum(
        1
        for t in bundled.trials
        if t.indication == "gvhd" and bundled.source_of(t) == "bm" and bundled.is_msc(t)
    )
    assert cross["Graft-versus-host disease"]["BM-MSCs"] == expected
    msc_trials = sum(1 for t in bundled.trials if bundled.is_msc(t))
    assert cross["(total)"]["(total)"] == msc_trials
    verdicts = data["claims_by_verdict"]["counts"]
    assert sum(v["Seed claims"] for v in verdicts.values()) == len(bundled.claims)
    assert verdicts["contradicted"]["Seed claims"] == 2


def test_summary_csv_is_long_format() -> None:
    out = runner.invoke(app, ["summary", "--format", "csv"]).stdout
    lines = out.splitlines()
    assert lines[0] == "table,row,column,count"
    assert all(len(line.split(",")) >= 4 for line in lines[1:])


def test_hostile_text_in_the_data_cannot_break_the_report(edit: Callable[[str, str, str], Path]) -> None:
    from mscref.data.loader import load_dataset

    edit(
        "trials.yaml",
        "        result: improved",
        '        result: "a | b `c` <script>alert(1)</script>\\nnext"',
    )
    d = edit(
        "claims.yaml",
        "    correction: 38/54 in a single-arm trial",
        '    correction: "| 1. [x](javascript:y) **z**"',
    )
    ds = load_dataset(d)
    md = report_text(ds)
    for head, rows in table_widths(md):
        assert rows and all(width == head for width in rows)
    html = gfm.render(md)
    assert "<script" not in html
    assert "<a " not in html
    assert "<strong>z</strong>" not in html
