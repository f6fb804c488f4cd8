"""TRIALS.md Part D as encoded: GVHD prevention, aplastic anaemia, AKI and kidney
transplantation, liver, systemic sclerosis, SLE, T1D, Crohn's fistula, ED, psoriasis, sepsis,
Alzheimer's and autism. The figures pinned here are the ones the records quote."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from mscref.data.dataset import Dataset
from mscref.data.models import EffectMeasure, ProductType, Trial

runner = CliRunner()

PART_D = (
    "kuzmina-2012-gvhd-prophylaxis",
    "belgian-msc-coinfusion-gvhd",
    "ning-2008-msc-cotransplant",
    "keklik-2023-mdr-gvhd",
    "pang-2017-aa-bmmsc",
    "aa-msc-atg-csa-2015",
    "saa-haplo-ucmsc-cotransplant",
    "act-aki-ac607",
    "erpicum-ktx-third-party-msc",
    "ktx-donor-msc-low-tacrolimus-pilot",
    "pan-2016-ktx-donor-msc",
    "lc-ucmsc-2012-hbv",
    "salama-2014-esld",
    "schacher-2021-aclf",
    "scleradec-ii",
    "alip-2024-ssc-ucmsc",
    "kamen-2022-sle-ucmsc",
    "msc-sle-farge-2025",
    "t1d-ucmsc-repeat-course",
    "nanjing-adsc-vs-thread-drawing",
    "ed-adrc-post-prostatectomy",
    "aldemour-ed-bmmsc-phase2",
    "cheng-2022-psoriasis-ucmsc",
    "yao-2021-psoriasis-admsc",
    "ciss-mcintyre-2018",
    "he-2018-sepsis-ucmsc",
    "lomecel-b-ad-phase1",
    "riordan-2019-asd-ucmsc",
)


def run_json(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def trial(ds: Dataset, trial_id: str) -> Trial:
    (t,) = [t for t in ds.trials if t.id == trial_id]
    return t


def test_each_part_d_trial_is_there_once_and_cites_the_curation_notes(bundled: Dataset) -> None:
    ids = [t.id for t in bundled.trials]
    for tid in PART_D:
        assert ids.count(tid) == 1, tid
        t = trial(bundled, tid)
        assert "trials-curation" in t.refs, tid
        for o in t.outcomes:
            assert o.refs, f"{tid}: {o.endpoint} cites nothing"
            assert set(o.refs) <= set(t.refs), f"{tid}: {o.endpoint} cites a ref the trial lacks"
        for s in t.safety:
            assert s.refs, f"{tid}: a safety block cites nothing"


def test_act_aki_time_to_recovery_is_the_quoted_hr_and_medians() -> None:
    shown = run_json("show", "act-aki-ac607")
    assert shown["n"] == 156
    assert [a["n"] for a in shown["arms"]] == [67, 68]
    (primary,) = [o for o in shown["outcomes"] if o["primary"]]
    assert primary["kind"] == "time-to-event" and primary["met"] is False
    (hr,) = primary["effects"]
    assert (hr["measure"], hr["estimate"], hr["ci_low"], hr["ci_high"], hr["p_value"]) == (
        "hr",
        0.81,
        0.53,
        1.24,
        "0.32",
    )
    medians = [(a["median"], a["iqr_low"], a["iqr_high"]) for a in primary["arms"]]
    assert medians == [(15, 10, 29), (12, 6, 21)]


def test_kuzmina_keeps_both_agvhd_figures_and_stays_out_of_pooling(bundled: Dataset) -> None:
    t = trial(bundled, "kuzmina-2012-gvhd-prophylaxis")
    agvhd = [o for o in t.outcomes if o.endpoint == "acute-gvhd"]
    assert len(agvhd) == 2
    control = [next(a for a in o.arms if a.arm == "control") for o in agvhd]
    assert control[0].value == 38.9 and control[0].events is None
    assert (control[1].events, control[1].total, control[1].value) == (6, 18, 33.3)
    assert t.contradiction is not None and "38.9%" in t.contradiction
    assert all(t.pooling_exclusion(o) is not None for o in t.outcomes)


def test_belgian_coinfusion_gvhd_hr_and_unconfirmed_registry(bundled: Dataset) -> None:
    t = trial(bundled, "belgian-msc-coinfusion-gvhd")
    assert t.n == 38 and t.registry_ids == ()
    (hr,) = [e for o in t.outcomes for e in o.effects]
    assert hr.measure is EffectMeasure.HR
    assert (hr.estimate, hr.ci_low, hr.ci_high, hr.p_value) == (0.332, 0.124, 0.890, "0.0284")


def test_probable_registry_matches_are_not_recorded_as_registry_ids(bundled: Dataset) -> None:
    listed = {rid for t in bundled.trials for rid in t.registry_ids}
    for probable in ("NCT01045382", "NCT01011244", "NCT02600130"):
        assert probable not in listed


def test_pang_response_rate_with_its_confidence_interval(bundled: Dataset) -> None:
    t = trial(bundled, "pang-2017-aa-bmmsc")
    assert t.registry_ids == ("NCT00195624",) and t.n == 74
    (orr,) = [o for o in t.outcomes if o.endpoint == "overall-response"]
    (arm,) = orr.arms
    assert (arm.value, arm.ci_low, arm.ci_high) == (28.4, 19, 40)
    assert arm.derived and (arm.events, arm.total) == (21, 74)


def test_alip_mrss_follow_up_means(bundled: Dataset) -> None:
    t = trial(bundled, "alip-2024-ssc-ucmsc")
    mrss = {o.timepoint: o.arms[0] for o in t.outcomes if o.endpoint == "mrss"}
    assert {k: (a.mean, a.sd, a.n_analysed) for k, a in mrss.items()} == {
        "year 1": (13.95, 8.49, 41),
        "year 3": (13.29, 7.67, 38),
        "year 5": (12.39, 8.49, 38),
    }
    (os5,) = [o for o in t.outcomes if o.endpoint == "overall-survival"]
    assert (os5.arms[0].events, os5.arms[0].total, os5.arms[0].value) == (38, 41, 92.7)


@pytest.mark.parametrize(
    ("trial_id", "indication"),
    [("scleradec-ii", "systemic-sclerosis"), ("ed-adrc-post-prostatectomy", "erectile-dysfunction")],
)
def test_svf_products_stay_out_of_the_default_msc_listing(
    bundled: Dataset, trial_id: str, indication: str
) -> None:
    assert bundled.product_type_of(trial(bundled, trial_id)) is ProductType.STROMAL_VASCULAR_FRACTION
    default_ids = [r["id"] for r in run_json("trials", "--indication", indication)]
    assert trial_id not in default_ids and default_ids  # the MSC trial of the indication remains
    svf_ids = [
        r["id"]
        for r in run_json("trials", "--indication", indication, "--product-type", "stromal-vascular-fraction")
    ]
    assert svf_ids == [trial_id]


def test_cupistem_phase2_gained_the_part_d_figures_without_a_duplicate(bundled: Dataset) -> None:
    citing = [t.id for t in bundled.trials if "lee-2013" in t.refs]
    assert citing == ["cupistem-phase2"]
    t = trial(bundled, "cupistem-phase2")
    assert t.n == 43
    (week8,) = [o for o in t.outcomes if o.endpoint == "complete-healing"]
    assert week8.analysis == "modified per-protocol"
    assert (week8.arms[0].events, week8.arms[0].total) == (27, 33)


def test_nanjing_fistula_healing_at_three_timepoints(bundled: Dataset) -> None:
    t = trial(bundled, "nanjing-adsc-vs-thread-drawing")
    healing = {o.timepoint: [(a.events, a.total) for a in o.arms] for o in t.outcomes}
    assert healing == {
        "month 3": [(10, 11), (5, 11)],
        "month 6": [(8, 11), (6, 11)],
        "month 12": [(7, 11), (6, 11)],
    }
    assert all(o.met is False for o in t.outcomes)


def test_secondary_figures_are_marked(bundled: Dataset) -> None:
    farge = trial(bundled, "msc-sle-farge-2025")
    assert all(s.secondary_source for s in farge.safety)
    assert bundled.reference("therha-msc-sle").kind.value == "news"
    riordan = trial(bundled, "riordan-2019-asd-ucmsc")
    assert all(o.secondary for o in riordan.outcomes)


def test_a_pool_keeps_a_label_of_its_own_outcomes(bundled: Dataset) -> None:
    # Keklik (GVHD, no timepoint) and Pang (aplastic anaemia) word complete-response their own
    # way; neither may rename the GVHD day-28 pool they are not part of
    from mscref.evidence.stats import EvidenceFilter, analyse

    ev = analyse(bundled, EvidenceFilter(indication="gvhd", endpoints=("complete-response",)))
    (pool,) = [p for p in ev.pooled if p.timepoint == "day 28"]
    members = {s.trial_id for s in pool.studies}
    assert "keklik-2023-mdr-gvhd" not in members
    own = {
        o.endpoint_label
        for t in bundled.trials
        if t.id in members
        for o in t.outcomes
        if o.endpoint == "complete-response" and o.timepoint == "day 28"
    }
    assert pool.endpoint_label in own
