"""TRIALS.md Part A as encoded in the shipped data: key figures read back through `mscref show`.

Every figure asserted here is quoted in the Part A records of the curation notes (TRIALS.md).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from mscref.data.dataset import Dataset
from mscref.data.models import ProductType

runner = CliRunner()

PART_A = (
    "start-ards",
    "bowdish-remestemcel-covid-ards",
    "lanzoni-ucmsc-covid-ards",
    "lamo-espinosa-2016",
    "starting-2",
    "isis-hermes",
    "nurown-phase2",
    "mesems",
    "msc-np-progressive-ms",
    "averyanov-ipf",
    "aether",
    "weiss-prochymal-copd",
    "gao-wjmsc-stemi",
    "huc-heart",
    "lu-2011-diabetic-cli",
    "sci-subarachnoid-bm-msc",
)


def show(trial_id: str) -> Any:
    result = runner.invoke(app, ["show", trial_id, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def outcome(trial: Any, endpoint: str, timepoint: str | None = None) -> Any:
    found = [o for o in trial["outcomes"] if o["endpoint"] == endpoint and o["timepoint"] == timepoint]
    assert len(found) == 1, f"{trial['id']} {endpoint} {timepoint}: {len(found)} outcomes"
    return found[0]


def arm_figures(o: Any, *fields: str) -> dict[str, tuple[Any, ...]]:
    return {a["arm"]: tuple(a[f] for f in fields) for a in o["arms"]}


@pytest.mark.parametrize("trial_id", PART_A)
def test_every_part_a_trial_cites_the_curation_notes_and_each_figure_its_source(
    bundled: Dataset, trial_id: str
) -> None:
    (trial,) = [t for t in bundled.trials if t.id == trial_id]
    assert "trials-curation" in trial.refs
    for o in trial.outcomes:
        assert o.refs, f"{trial_id} {o.endpoint} cites nothing"
        assert set(o.refs) <= set(trial.refs)
        assert o.figure_source is not None
    for sf in trial.safety:
        assert sf.refs and set(sf.refs) <= set(trial.refs)


def test_start_keeps_review_counts_and_the_news_hazard_ratio() -> None:
    trial = show("start-ards")
    assert trial["registry_ids"] == ["NCT02097641"] and trial["n"] == 63
    assert {a["id"]: a["n"] for a in trial["arms"]} == {"msc": 40, "placebo": 20}
    assert trial["arms"][0]["cells_per_kg"] == 10_000_000
    deaths = outcome(trial, "mortality", "day 28")
    assert arm_figures(deaths, "events", "total", "value") == {
        "msc": (12, 40, 30),
        "placebo": (3, 20, 15),
    }
    assert deaths["figure_source"] == "review"
    (hr,) = deaths["effects"]
    assert (hr["measure"], hr["estimate"], hr["refs"]) == ("hr", 1.43, ["physiciansweekly-start-ards"])
    primary = outcome(trial, "infusion-associated-events")
    assert primary["primary"] is True and primary["figure_source"] == "news"


def test_part_a_news_figures_stay_out_of_pools(bundled: Dataset) -> None:
    for trial_id, endpoint in (
        ("start-ards", "infusion-associated-events"),
        ("lanzoni-ucmsc-covid-ards", "survival"),
    ):
        (trial,) = [t for t in bundled.trials if t.id == trial_id]
        (o,) = [o for o in trial.outcomes if o.endpoint == endpoint]
        assert o.secondary and trial.pooling_exclusion(o) is not None


def test_bowdish_remestemcel_l_thirty_day_mortality_not_met() -> None:
    trial = show("bowdish-remestemcel-covid-ards")
    assert trial["product_id"] == "remestemcel-l" and trial["indication"] == "covid-19-ards"
    deaths = outcome(trial, "mortality", "day 30")
    assert arm_figures(deaths, "events", "total", "value") == {
        "msc": (42, 112, 37.5),
        "control": (47, 110, 42.7),
    }
    assert deaths["met"] is False and deaths["primary"] is True
    assert trial["arms"][0]["cells_per_kg"] == 2_000_000 and trial["arms"][0]["doses"] == 2


def test_lanzoni_survival_is_kept_as_a_lay_news_figure_out_of_pools() -> None:
    trial = show("lanzoni-ucmsc-covid-ards")
    assert trial["registry_ids"] == ["NCT04355728"] and trial["source"] == "uc"
    survival = outcome(trial, "survival")
    assert arm_figures(survival, "value") == {"msc": (91,), "control": (42,)}
    assert survival["figure_source"] == "news"


def test_lamo_espinosa_vas_medians_at_twelve_months() -> None:
    trial = show("lamo-espinosa-2016")
    vas = outcome(trial, "vas-pain", "month 12")
    assert arm_figures(vas, "median", "iqr_low", "iqr_high") == {
        "control": (4, 3, 5),
        "low-dose": (2, 1, 3),
        "high-dose": (2, 0, 4),
    }
    womac = outcome(trial, "womac-improvement", "month 12")
    assert womac["arms"][0]["value"] == 16.5 and womac["p_value"] == "<0.01"
    assert [a.get("cells_per_dose") for a in trial["arms"]] == [None, 10_000_000, 100_000_000]


def test_stroke_trials_primary_results() -> None:
    starting = show("starting-2")
    assert {a["id"]: a["n"] for a in starting["arms"]} == {"msc": 39, "control": 15}
    mrs = outcome(starting, "mrs-shift", "month 3")
    assert (mrs["p_value"], mrs["met"], mrs["analysis"]) == ("0.732", False, "ITT")
    assert starting["source"] is None  # the tissue is not stated in the quoted text
    hermes = show("isis-hermes")
    control = next(a for a in hermes["arms"] if a["id"] == "control")
    assert (control["n"], control["n_derived"]) == (15, True)
    two_years = outcome(hermes, "adverse-events", "year 2")
    assert arm_figures(two_years, "value") == {"msc": (16,), "control": (24,)}


def test_mesems_rate_ratio_and_its_merged_registry_ids() -> None:
    trial = show("mesems")
    assert len(trial["registry_ids"]) == 5 and "NCT01606215" in trial["registry_ids"]
    gel = outcome(trial, "gadolinium-enhancing-lesions", "week 24")
    (rr,) = gel["effects"]
    assert (rr["measure"], rr["estimate"], rr["ci_low"], rr["ci_high"], rr["p_value"]) == (
        "rate-ratio",
        0.94,
        0.58,
        1.5,
        "0.78",
    )
    assert gel["met"] is False


def test_msc_derived_products_stay_out_of_the_msc_listing(bundled: Dataset) -> None:
    result = runner.invoke(app, ["trials", "--format", "json"])
    listed = {t["id"] for t in json.loads(result.stdout)}
    for trial_id in ("nurown-phase2", "msc-np-progressive-ms"):
        (trial,) = [t for t in bundled.trials if t.id == trial_id]
        assert bundled.product_type_of(trial) is ProductType.MSC_DERIVED_CELLS
        assert trial_id not in listed
    assert {"start-ards", "mesems", "huc-heart"} <= listed
    edss = outcome(show("msc-np-progressive-ms"), "edss-plus-improvement", "month 13")
    assert arm_figures(edss, "value") == {"msc-np": (33,), "saline": (37,)}


def test_gao_four_month_viability_and_perfusion() -> None:
    trial = show("gao-wjmsc-stemi")
    assert trial["n"] == 116 and trial["origin"] is None
    viability = outcome(trial, "myocardial-viability", "month 4")
    assert arm_figures(viability, "mean", "ci_low", "ci_high") == {
        "wjmsc": (6.9, 5.7, 8.2),
        "placebo": (3.3, None, None),
    }
    perfusion = outcome(trial, "myocardial-perfusion", "month 4")
    assert arm_figures(perfusion, "mean") == {"wjmsc": (7.1,), "placebo": (3.9,)}
    assert (viability["p_value"], perfusion["p_value"]) == ("<0.0001", "0.002")


def test_huc_heart_three_arms_and_lung_trials() -> None:
    heart = show("huc-heart")
    assert {a["id"]: a["n"] for a in heart["arms"]} == {"huc-msc": 26, "bm-mnc": 12, "control": 16}
    assert heart["arms"][0]["cells_per_dose"] == 23_000_000
    fvc = outcome(show("averyanov-ipf"), "fvc-change", "month 12")
    assert arm_figures(fvc, "value") == {"msc": (7.8,), "placebo": (-5.9,)}
    aether = show("aether")
    te_sae = outcome(aether, "te-sae", "week 4")
    assert arm_figures(te_sae, "events", "total", "derived") == {"msc": (0, 9, True)}
    assert aether["safety"][0]["arms"][0]["deaths"] == 2


def test_single_arm_sci_counts() -> None:
    trial = show("sci-subarachnoid-bm-msc")
    assert trial["design"]["control"] == "none" and trial["arms"][0]["doses"] == 4
    counts = {
        o["endpoint"]: (o["arms"][0]["events"], o["arms"][0]["total"])
        for o in trial["outcomes"]
        if o["kind"] == "binary"
    }
    assert counts["emg-reinnervation"] == (9, 10)
    assert counts["bladder-compliance"] == (8, 10)
    assert counts["neuropathic-pain-resolved"] == (2, 4)


def test_part_a_reference_ids_follow_their_identifiers(bundled: Dataset) -> None:
    refs = {r.id: r for r in bundled.references}
    assert refs["pmid-27565858"].pmid == "27565858"
    assert refs["pmc4499169"].pmcid == "PMC4499169" and refs["pmc4499169"].pmid == "26162993"
    assert refs["doi-sctm-20-0472"].doi == "10.1002/sctm.20-0472"
    assert refs["nct02097641"].registry_id == "NCT02097641"
    assert refs["biovaultfamily-lanzoni"].kind.value == "news"
