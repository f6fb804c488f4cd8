"""TRIALS.md Part B as encoded in the shipped data: key figures read back through `show --format json`
and the loader, each as the curation record quotes it."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from mscref.cli import app
from mscref.data.dataset import Dataset
from mscref.data.models import Outcome, Trial
from mscref.evidence.stats import EvidenceFilter, analyse

runner = CliRunner()


def show(record_id: str) -> Any:
    result = runner.invoke(app, ["show", record_id, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def trial(ds: Dataset, trial_id: str) -> Trial:
    (found,) = [t for t in ds.trials if t.id == trial_id]
    return found


def outcome(t: Trial, endpoint: str, timepoint: str | None = None) -> Outcome:
    found = [o for o in t.outcomes if o.endpoint == endpoint and timepoint in (None, o.timepoint)]
    assert found, f"{t.id} has no outcome {endpoint} {timepoint}"
    return found[0]


def arm_figures(o: Outcome) -> dict[str, tuple[Any, ...]]:
    return {a.arm: (a.events, a.total, a.value) for a in o.arms}


PART_B_NEW = (
    "t1d-nct01068951",
    "t1d-protrans",
    "t1d-hu-2012",
    "t1d-irct-autologous-bm-msc",
    "zang-2022-t2d",
    "deng-2017-lupus-nephritis",
    "wang-2014-sle",
    "wang-2013-ra",
    "royan-ra-intra-articular",
    "zhang-2018-crohns",
    "hu-2016-ulcerative-colitis",
    "lin-2017-aclf",
    "shi-2021-decompensated-cirrhosis",
    "mashayekhi-2021-pof",
    "atmsc-ckd-chile",
    "gvhd-leukemia-2015",
    "gvhd-unrelated-bm-msc-phase1-2",
    "gvhd-cgvhd-prophylaxis-haplo-2016",
    "gvhd-ash2022-ucmsc-prophylaxis",
    "tan-ktx-autologous-msc-induction",
    "ucmsc-ktx-deceased-donor",
    "kim-2017-atopic-dermatitis",
)
PART_B_MERGED = ("packham-rexlemestrocel-dn", "nephstrom", "msb-gvhd001", "study-275")


def test_every_part_b_trial_cites_the_curation_record_and_each_figure_its_source(
    bundled: Dataset,
) -> None:
    for tid in PART_B_NEW + PART_B_MERGED:
        t = trial(bundled, tid)
        assert "trials-curation" in t.refs, tid
        for o in t.outcomes:
            assert o.refs and set(o.refs) <= set(t.refs), (tid, o.endpoint)
        for block in t.safety:
            assert block.refs and set(block.refs) <= set(t.refs), tid


def test_part_b_adds_no_duplicate_of_admire_cd_or_the_japan_study(bundled: Dataset) -> None:
    for registry_id in ("NCT01541579", "NCT03706456", "NCT02336230", "NCT00759018", "NCT01843387"):
        assert len([t for t in bundled.trials if registry_id in t.registry_ids]) == 1, registry_id


def test_protrans_primary_result_is_marked_as_a_press_release() -> None:
    data = show("t1d-protrans")
    (o,) = data["outcomes"]
    assert o["figure_source"] == "press-release"
    assert [(a["arm"], a["mean"]) for a in o["arms"]] == [("msc", 90), ("placebo", 53)]
    assert {a["id"]: a["n"] for a in data["arms"]} == {"msc": 10, "placebo": 5}


def test_t1d_records_without_figures_keep_their_results_in_words(bundled: Dataset) -> None:
    for tid in ("t1d-nct01068951", "t1d-hu-2012", "t1d-irct-autologous-bm-msc"):
        t = trial(bundled, tid)
        assert all(not o.arms for o in t.outcomes), tid
        assert all(o.result for o in t.outcomes), tid
    assert trial(bundled, "t1d-nct01068951").n == 20
    assert trial(bundled, "t1d-hu-2012").n == 29
    assert trial(bundled, "t1d-irct-autologous-bm-msc").n == 21


def test_zang_2022_primary_endpoint_and_hba1c(bundled: Dataset) -> None:
    t = trial(bundled, "zang-2022-t2d")
    assert {a.id: a.n for a in t.arms} == {"msc": 45, "placebo": 46}
    primary = outcome(t, "hba1c-below-7-and-insulin-halved", "week 48")
    assert primary.met is True and primary.p_value == "<0.05"
    # 4.55% is no whole number of 46 patients: no counts may be derived from it
    assert arm_figures(primary) == {"msc": (None, None, 20), "placebo": (None, None, 4.55)}
    end = outcome(t, "hba1c")
    assert [(a.mean, a.sd) for a in end.arms] == [(7.52, 1.07), (8.19, 1.02)]
    assert outcome(t, "hba1c-change").p_value == "0.0081"


def test_rexlemestrocel_dn_gains_doses_and_second_hand_gfr_differences() -> None:
    data = show("packham-rexlemestrocel-dn")
    assert data["product_type"] == "precursor-cells"
    doses = {a["id"]: a["cells_per_dose"] for a in data["arms"]}
    assert doses == {"active-1": 150_000_000, "active-2": 300_000_000, "placebo": None}
    egfr = next(o for o in data["outcomes"] if o["endpoint"] == "egfr-change")
    assert egfr["figure_source"] == "review"
    assert [(e["arm"], e["estimate"]) for e in egfr["effects"]] == [("active-1", 4.4), ("active-2", 1.6)]


def test_nephstrom_arms_and_deaths(bundled: Dataset) -> None:
    t = trial(bundled, "nephstrom")
    assert t.registry_ids == ("NCT02585622",)
    assert {a.id: a.n for a in t.arms} == {"msc": 12, "placebo": 4}
    assert t.design.allocation == "3:1"
    (block,) = t.safety
    # "no treatment-related SAEs" is only in the record's summary line: no related-SAE count
    assert block.arms[0].deaths == 2 and block.arms[0].related_sae is None
    assert bundled.reference("perico-2023").pmcid == "PMC10561817"


def test_deng_2017_remission_not_met_and_the_death(bundled: Dataset) -> None:
    t = trial(bundled, "deng-2017-lupus-nephritis")
    remission = outcome(t, "remission", "month 6")
    assert remission.met is False
    assert arm_figures(remission) == {"msc": (9, 12, 75), "placebo": (5, 6, 83)}
    deaths = {a.arm: a.deaths for a in t.safety[0].arms}
    assert deaths == {"msc": 1, "placebo": 0}


def test_wang_2014_sle_single_arm_counts(bundled: Dataset) -> None:
    t = trial(bundled, "wang-2014-sle")
    assert t.design.control is not None and t.design.control.value == "none"
    assert arm_figures(outcome(t, "survival")) == {"msc": (37, 40, 92.5)}
    assert arm_figures(outcome(t, "major-clinical-response")) == {"msc": (13, 40, 32.5)}
    assert arm_figures(outcome(t, "partial-clinical-response")) == {"msc": (11, 40, 27.5)}


def test_ra_records(bundled: Dataset) -> None:
    cohort = trial(bundled, "wang-2013-ra")
    assert cohort.n == 172 and cohort.design.randomized is None
    assert "beyondthedish-ucmsc-ra" in cohort.refs  # the arm sizes' secondary source
    royan = trial(bundled, "royan-ra-intra-articular")
    assert {a.id: a.cells_per_dose for a in royan.arms} == {"msc": 40_000_000, "placebo": None}
    assert outcome(royan, "standing-time").p_value == "0.01"


def test_zhang_2018_crohns_keeps_unlabelled_dispersion_out_of_sd(bundled: Dataset) -> None:
    t = trial(bundled, "zhang-2018-crohns")
    cdai = outcome(t, "cdai-decrease", "month 12")
    assert cdai.met is True and cdai.p_value == "<0.01"
    assert [(a.arm, a.mean, a.sd) for a in cdai.arms] == [("msc", 62.5, None), ("control", 23.6, None)]
    control = next(a for a in t.arms if a.id == "control")
    assert control.n == 41 and control.n_derived is True
    assert next(a for a in t.arms if a.id == "msc").cells_per_kg == 1_000_000


def test_hu_2016_uc_contradiction_keeps_it_out_of_pools(bundled: Dataset) -> None:
    t = trial(bundled, "hu-2016-ulcerative-colitis")
    assert t.contradiction is not None and "30/36" in t.contradiction
    response = outcome(t, "response", "month 1")
    assert not response.arms  # 30/36 cannot hold in a 34-patient arm
    assert t.pooling_exclusion(response) is not None


def test_lin_2017_aclf_survival_with_cis(bundled: Dataset) -> None:
    t = trial(bundled, "lin-2017-aclf")
    surv = outcome(t, "survival", "week 24")
    assert surv.met is True and surv.p_value == "0.03"
    assert [(a.value, a.ci_low, a.ci_high) for a in surv.arms] == [(73.2, 61.6, 84.8), (55.6, 42.3, 68.9)]
    assert all(a.events is None for a in surv.arms)
    assert outcome(t, "severe-infection").p_value == "0.04"


def test_pof_and_ckd_single_arm_records(bundled: Dataset) -> None:
    pof = trial(bundled, "mashayekhi-2021-pof")
    assert [a.cells_per_dose for a in pof.arms] == [5_000_000, 10_000_000, 15_000_000]
    assert arm_figures(outcome(pof, "menstruation-resumption")) == {"dose-15m": (2, 3, None)}
    ckd = trial(bundled, "atmsc-ckd-chile")
    protein = outcome(ckd, "urinary-protein", "month 12")
    assert protein.p_value == "0.046"
    assert protein.arms[0].median == 0.54 and protein.arms[0].range_low is None


def test_gvhd001_and_study_275_gain_part_b_figures(bundled: Dataset) -> None:
    gvhd001 = trial(bundled, "msb-gvhd001")
    assert outcome(gvhd001, "overall-response", "day 28").met is True
    assert gvhd001.arms[0].cells_per_kg == 2_000_000
    assert bundled.reference("kurtzberg-2020").has_locator
    s275 = trial(bundled, "study-275")
    assert s275.design.centres == 50
    assert arm_figures(outcome(s275, "complete-response")) == {"msc": (34, 241, 14.1)}
    assert arm_figures(outcome(s275, "survival", "day 100")) == {"msc": (160, 239, 66.9)}


def test_new_gvhd_single_arm_studies(bundled: Dataset) -> None:
    leukemia = trial(bundled, "gvhd-leukemia-2015")
    assert arm_figures(outcome(leukemia, "complete-response", "day 28")) == {"msc": (12, 48, 25)}
    unrelated = trial(bundled, "gvhd-unrelated-bm-msc-phase1-2")
    assert arm_figures(outcome(unrelated, "overall-response", "week 4")) == {"msc": (13, 14, 92.9)}
    # "6 deaths" is only in the record's summary line, not in a quote: no count is recorded
    assert unrelated.safety[0].arms[0].deaths is None


def test_gvhd_prophylaxis_rcts_keep_percentages_and_the_conference_source(bundled: Dataset) -> None:
    haplo = trial(bundled, "gvhd-cgvhd-prophylaxis-haplo-2016")
    cgvhd = outcome(haplo, "chronic-gvhd", "year 2")
    assert [(a.value, a.ci_low, a.ci_high) for a in cgvhd.arms] == [(27.4, 16.2, 38.6), (49.0, 36.5, 61.5)]
    assert cgvhd.p_value == "0.021" and haplo.n is None
    ash = trial(bundled, "gvhd-ash2022-ucmsc-prophylaxis")
    primary = outcome(ash, "chronic-gvhd")
    assert primary.figure_source is not None and primary.figure_source.value == "conference"
    assert arm_figures(primary) == {"msc": (None, None, 27), "control": (None, None, 43.2)}
    assert all(a.n == 74 and a.n_derived for a in ash.arms)
    assert bundled.reference("ash2022-ucmsc-haplo-prophylaxis").kind.value == "conference"


def test_the_unrelated_donor_study_joins_the_single_arm_response_pool() -> None:
    result = runner.invoke(
        app, ["evidence", "--indication", "gvhd", "--endpoint", "overall-response", "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    (pool,) = [p for p in json.loads(result.stdout)["pooled"] if p["kind"] == "single-arm proportion"]
    studies = {s["trial"]: (s["arms"][0]["events"], s["arms"][0]["total"]) for s in pool["studies"]}
    assert studies["gvhd-unrelated-bm-msc-phase1-2"] == (13, 14)  # week 4 pools with day 28
    assert pool["k"] == len(studies) >= 4


def test_kidney_transplant_trials(bundled: Dataset) -> None:
    tan = trial(bundled, "tan-ktx-autologous-msc-induction")
    rejection = outcome(tan, "acute-rejection", "month 6")
    assert arm_figures(rejection) == {
        "msc-standard-cni": (4, 53, 7.5),
        "msc-low-cni": (4, 52, 7.7),
        "control": (11, 51, 21.6),
    }
    uc = trial(bundled, "ucmsc-ktx-deceased-donor")
    dgf = outcome(uc, "delayed-graft-function")
    assert dgf.p_value == "0.13"
    assert arm_figures(dgf) == {"msc": (2, 21, 9.5), "control": (7, 21, 33.3)}
    assert all(a.derived for a in dgf.arms)
    assert outcome(uc, "acute-rejection").p_value == "0.61"


def test_kim_2017_keeps_the_review_tables_low_dose_figure_apart() -> None:
    data = show("kim-2017-atopic-dermatitis")
    assert data["source"] == "ucb"
    easi = [o for o in data["outcomes"] if o["endpoint"] == "easi-50"]
    assert [(o["figure_source"], o["primary"]) for o in easi] == [("primary", True), ("review", None)]
    assert [(a["arm"], a["value"]) for a in easi[0]["arms"]] == [("high-dose", 55)]
    assert [(a["arm"], a["value"]) for a in easi[1]["arms"]] == [("low-dose", 36), ("high-dose", 55)]


def test_an_outcome_without_timepoint_is_listed_under_its_own_trial(bundled: Dataset) -> None:
    ev = analyse(bundled, EvidenceFilter(indication="sle"))
    (row,) = [r for r in ev.refusals if r.endpoint == "survival"]
    assert row.trial_id == "wang-2014-sle" and row.timepoint is None
    assert row.reason.startswith("no timepoint recorded (wang-2014-sle") and row.reason.endswith("not pooled")


def test_records_appended_later_do_not_rename_a_pool(bundled: Dataset) -> None:
    ev = analyse(bundled, EvidenceFilter(indication="gvhd", endpoints=("overall-response",)))
    (single,) = [p for p in ev.pooled if p.kind == "single-arm proportion"]
    # msb-gvhd001 is the first record with this endpoint; the Part B study appended last says "(CR or PR)"
    assert single.endpoint_label == "Overall response (CR+PR)" and single.timepoint == "day 28"
    assert "gvhd-unrelated-bm-msc-phase1-2" in [s.trial_id for s in single.studies]
