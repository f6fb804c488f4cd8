"""The shipped data: it validates, and it says what the seed and the curation notes say."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from mscref.data.dataset import Dataset
from mscref.data.models import ApprovalStatus, ProductType, Trial, Verdict

runner = CliRunner()


def run_json(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def by_registry(ds: Dataset, registry_id: str) -> Trial:
    (trial,) = [t for t in ds.trials if registry_id in t.registry_ids]
    return trial


def test_validate_passes_on_the_shipped_data() -> None:
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("OK: ")


def test_the_four_seed_sources_have_all_five_traits(bundled: Dataset) -> None:
    assert [t.id for t in bundled.traits] == [
        "ease-of-collection",
        "proliferation",
        "immunogenicity",
        "main-advantages",
        "favoured-indications",
    ]
    for sid in ("uc", "ad", "bm", "am"):
        assert set(bundled.source(sid).traits) == {t.id for t in bundled.traits}


def test_compare_ranks_immunogenicity_as_the_seed_table_does() -> None:
    rows = {r["id"]: r for r in run_json("compare", "uc", "ad", "bm", "am")}
    rank = {sid: rows[sid]["traits"]["immunogenicity"]["rank"] for sid in rows}
    assert rank["uc"] < rank["ad"] and rank["uc"] < rank["bm"]
    assert rank["am"] < rank["ad"] and rank["am"] < rank["bm"]
    assert rank["uc"] == rank["am"] and rank["ad"] == rank["bm"]
    # ease of collection: uc and am high, ad medium, bm low
    ease = {sid: rows[sid]["traits"]["ease-of-collection"]["rank"] for sid in rows}
    assert ease["uc"] == ease["am"] > ease["ad"] > ease["bm"]
    # bone-marrow proliferation "declines with age" is kept off the scale
    prolif = rows["bm"]["traits"]["proliferation"]
    assert prolif["level"] is None and prolif["rank"] is None
    assert prolif["text_zh"] == "隨年齡下降"
    assert rows["uc"]["traits"]["proliferation"]["rank"] > rows["am"]["traits"]["proliferation"]["rank"]


@pytest.mark.parametrize(
    "names",
    [
        ["UC-MSCs", "AD-MSCs", "BM-MSCs", "hAMSCs"],
        ["脐带", "脂肪", "骨髓", "羊膜"],
        ["臍帶", "adipose", "bone marrow", "amnion"],
    ],
)
def test_compare_with_aliases_gives_the_same_table(names: list[str]) -> None:
    assert run_json("compare", *names) == run_json("compare", "uc", "ad", "bm", "am")


def test_gvhd_lists_ryoncil_and_amimestrocel_with_approvals_and_verdicts() -> None:
    records = run_json("trials", "--indication", "gvhd")
    ryoncil = [r for r in records if "NCT02336230" in r["registry_ids"]]
    assert len(ryoncil) == 1
    day28 = [o for o in ryoncil[0]["outcomes"] if o["endpoint"] == "overall-response"]
    assert day28[0]["timepoint"] == "day 28"
    assert (day28[0]["arms"][0]["events"], day28[0]["arms"][0]["total"]) == (38, 54)
    fda = [a for a in ryoncil[0]["approvals"] if a["date"] == "2024-12-18"]
    assert fda and fda[0]["status"] == "approved"
    assert ryoncil[0]["verdict"] == "verified"
    assert ryoncil[0]["design"]["control"] == "none"

    amimestrocel = [r for r in records if r["product_id"] == "amimestrocel"]
    assert len(amimestrocel) >= 1
    for rec in amimestrocel:
        assert rec["approvals"][0]["status"] == "conditional"
        assert rec["approvals"][0]["date"] == "2025-01-02"
        assert rec["verdict"] == "partly"


def test_gvhd_in_chinese_gives_the_same_set() -> None:
    assert run_json("trials", "--indication", "移植物抗宿主病") == run_json("trials", "--indication", "gvhd")
    assert run_json("trials", "--indication", "SR-aGVHD") == run_json("trials", "--indication", "gvhd")


def test_nct04388982_is_adipose_exosomes_and_contradicted(bundled: Dataset) -> None:
    trial = by_registry(bundled, "NCT04388982")
    assert bundled.product_type_of(trial) is ProductType.EXTRACELLULAR_VESICLES
    assert bundled.source_of(trial) == "ad"
    assert bundled.verdict_of(trial) is Verdict.CONTRADICTED
    assert trial.n == 9


def test_parkinsons_papers_are_non_msc_context_only(bundled: Dataset) -> None:
    for registry_id in ("NCT04802733", "jRCT2090220384"):
        trial = by_registry(bundled, registry_id)
        assert bundled.product_type_of(trial) is ProductType.NON_MSC
        assert bundled.verdict_of(trial) is Verdict.CONTRADICTED
    listed = {r["id"] for r in run_json("trials")}
    assert by_registry(bundled, "NCT04802733").id not in listed
    asked = {r["id"] for r in run_json("trials", "--product-type", "non-msc")}
    assert by_registry(bundled, "NCT04802733").id in asked


def test_alofisel_is_withdrawn_with_its_date(bundled: Dataset) -> None:
    alofisel = bundled.product("alofisel")
    (approval,) = alofisel.approvals
    assert approval.status is ApprovalStatus.WITHDRAWN
    assert approval.status_date == "2024-12-13"


def test_every_trial_and_product_is_cited(bundled: Dataset) -> None:
    for rec in (*bundled.trials, *bundled.products):
        assert rec.refs, rec.id
    for claim in bundled.claims:
        assert "seed" in claim.refs, claim.id


def test_derived_counts_are_marked(bundled: Dataset) -> None:
    trial = by_registry(bundled, "ChiCTR2000035740")
    primary = [o for o in trial.outcomes if o.endpoint == "overall-response" and o.timepoint == "day 28"]
    assert [(a.events, a.total, a.derived) for a in primary[0].arms] == [(24, 40, True), (19, 38, True)]
    assert primary[0].met is False


def test_every_seed_verdict_is_present(bundled: Dataset) -> None:
    verdicts = {c.verdict for c in bundled.claims}
    assert verdicts == set(Verdict)


def test_show_every_record_in_every_language() -> None:
    from mscref.data.loader import load_dataset

    ds = load_dataset()
    for rid in [*(t.id for t in ds.trials), *(p.id for p in ds.products), *(s.id for s in ds.sources)]:
        for lang in ("en", "zh"):
            result = runner.invoke(app, ["show", rid, "--lang", lang, "--format", "markdown"])
            assert result.exit_code == 0, (rid, result.stderr)
            assert "## " in result.stdout
