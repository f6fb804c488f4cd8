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


# ------------------------------------------------------------------------------------------
# TRIALS.md worked examples: the shapes of result a trial reports, pinned to their quotes


def _outcome(trial: dict[str, Any], endpoint: str, timepoint: str | None, analysis: str | None = None) -> Any:
    (o,) = [
        o
        for o in trial["outcomes"]
        if o["endpoint"] == endpoint
        and o["timepoint"] == timepoint
        and (analysis is None or o["analysis"] == analysis)
    ]
    return o


def test_stroma_cov_2_ancova_effect_and_saes_as_trials_md_quotes_them() -> None:
    (trial,) = [t for t in run_json("trials", "--indication", "covid-19-ards") if t["id"] == "stroma-cov-2"]
    assert trial["registry_ids"] == ["NCT04333368"]
    primary = _outcome(trial, "pao2-fio2-change", "day 7")
    assert primary["primary"] is True and primary["met"] is False and primary["kind"] == "continuous"
    (effect,) = primary["effects"]
    assert (effect["estimate"], effect["ci_low"], effect["ci_high"]) == (7.4, -44.7, 59.7)
    assert effect["ci_level"] == 0.95 and effect["p_value"] == "0.77" and effect["measure"] == "md"
    medians = {a["arm"]: (a["median"], a["iqr_low"], a["iqr_high"]) for a in primary["arms"]}
    assert medians == {"msc": (54.3, -15.5, 93.3), "placebo": (25.3, -33.3, 104.6)}
    assert all(a["change_from_baseline"] for a in primary["arms"])
    (safety,) = trial["safety"]
    sae = {a["arm"]: (a["sae"], a["total"]) for a in safety["arms"]}
    assert sae == {"msc": (6, 21), "placebo": (6, 24)}
    assert trial["arms"][0]["cells_per_kg"] == 1_000_000 and trial["arms"][0]["doses"] == 3


def test_show_prints_stroma_cov_2_figures_with_units_and_ci_level() -> None:
    result = runner.invoke(app, ["show", "stroma-cov-2", "--format", "markdown"])
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "MD (ANCOVA estimated treatment effect) 7.4 (95% CI -44.7 to 59.7), adjusted" in out
    assert "change median 54.3 PaO2/FiO2 (IQR -15.5 to 93.3)" in out
    assert "SAE 6/21 (28.6%)" in out and "SAE 6/24 (25%)" in out


def test_nurown_keeps_both_figure_sets_and_the_paper_is_the_key_outcome() -> None:
    (trial,) = [
        t for t in run_json("trials", "--product-type", "msc-derived-cells") if t["id"] == "nurown-phase3"
    ]
    assert trial["registry_ids"] == ["NCT03280056"]
    sets = {
        o["figure_source"]: [a["value"] for a in o["arms"]]
        for o in trial["outcomes"]
        if o["endpoint"] == "clinical-response"
    }
    assert sets == {"primary": [33, 28], "news": [34.7, 27.7]}
    paper = trial["outcomes"][0]
    assert paper["effects"][0]["measure"] == "or" and paper["effects"][0]["estimate"] == 1.33
    result = runner.invoke(app, ["trials", "--product-type", "msc-derived-cells", "--format", "csv"])
    assert "33% vs 28%, OR 1.33, p=0.45 (not met)" in result.stdout
    assert "34.7%" not in result.stdout  # the news figures are kept, but not as the key outcome
    shown = runner.invoke(app, ["show", "nurown-phase3", "--format", "markdown"]).stdout
    assert "secondary source: news" in shown and "34.7%" in shown


def test_msc_derived_and_precursor_cells_stay_out_of_msc_listings_and_pools(bundled: Dataset) -> None:
    listed = {t["id"] for t in run_json("trials")}
    assert "nurown-phase3" not in listed and "dream-hf" not in listed
    assert (
        bundled.product_type_of(next(t for t in bundled.trials if t.id == "dream-hf"))
        is ProductType.PRECURSOR_CELLS
    )
    result = runner.invoke(app, ["trials"])
    assert "not culture-expanded MSCs hidden" in result.stdout


def test_dream_hf_hazard_ratios_and_their_secondary_source() -> None:
    (trial,) = [t for t in run_json("trials", "--product-type", "precursor-cells") if t["id"] == "dream-hf"]
    primary = next(o for o in trial["outcomes"] if o["primary"])
    assert primary["kind"] == "time-to-event" and primary["met"] is False
    assert (primary["effects"][0]["measure"], primary["effects"][0]["estimate"]) == ("hr", 1.2)
    assert primary["p_value"] == "0.406" and primary["figure_source"] == "conference"
    assert primary["secondary_source"] is True
    hrs = [e["estimate"] for o in trial["outcomes"] for e in o["effects"]]
    assert hrs == [1.2, 0.35]
    assert trial["arms"][0]["cells_per_dose"] == 150_000_000 and trial["arms"][0]["routes"] == [
        "transendocardial"
    ]


def test_admire_cd_labels_each_figure_set_with_its_population_and_source() -> None:
    (trial,) = [
        t for t in run_json("trials", "--indication", "crohns-perianal-fistula") if t["id"] == "admire-cd"
    ]
    itt = _outcome(trial, "combined-remission", "week 24", "ITT")
    mitt = _outcome(trial, "combined-remission", "week 24", "mITT")
    week52 = _outcome(trial, "combined-remission", "week 52", "mITT")
    assert [a["value"] for a in itt["arms"]] == [50, 34] and itt["p_value"] == "0.024"
    assert itt["refs"] == ["panes-2016", "bjs-admire-cd-summary"] and itt["secondary_source"] is True
    assert [a["value"] for a in mitt["arms"]] == [51.5, 35.6] and mitt["refs"] == ["panes-2018"]
    (rd,) = mitt["effects"]
    assert (rd["estimate"], rd["ci_low"], rd["ci_high"], rd["ci_level"]) == (15.8, 0.5, 31.2, 0.975)
    assert [a["value"] for a in week52["arms"]] == [56.3, 38.6] and week52["refs"] == ["panes-2018"]
    assert week52["effects"][0]["ci_level"] == 0.95
    # the primary publication's figure set is the key outcome
    result = runner.invoke(app, ["trials", "--indication", "crohns-perianal-fistula", "--format", "csv"])
    row = next(line for line in result.stdout.splitlines() if line.startswith("admire-cd,"))
    assert "combined remission week 24 (mITT): 53/103* (51.5%) vs 36/101* (35.6%)" in row
    assert "97.5% CI 0.5 to 31.2" in row


def test_every_derived_figure_says_how_it_was_derived(bundled: Dataset) -> None:
    derived = [a for t in bundled.trials for o in t.outcomes for a in o.arms if a.derived]
    assert derived and all(a.derivation for a in derived)
    temcell = next(t for t in bundled.trials if t.id == "temcell-phase2-3")
    (orr,) = [a for o in temcell.outcomes if o.endpoint == "overall-response" for a in o.arms]
    assert orr.derivation is not None and "CR 6/25 + PR 9/25" in orr.derivation


def test_cupistem_shows_the_reported_82_percent() -> None:
    result = runner.invoke(app, ["trials", "--indication", "crohns-perianal-fistula", "--format", "csv"])
    row = next(line for line in result.stdout.splitlines() if line.startswith("cupistem-phase2,"))
    assert "27/33 (82%)" in row and "81.8" not in row
