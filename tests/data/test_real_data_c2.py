"""The shipped data for TRIALS.md Part C, second half (COVID-19/ARDS, BPD, osteonecrosis of the
femoral head, non-union, diabetic foot ulcers): figures pinned to the records' quotes, and the
products that are not culture-expanded MSCs kept out of MSC counts and pools."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from mscref.data.dataset import Dataset
from mscref.data.models import Outcome, ProductType, Trial

runner = CliRunner()


def run_json(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def trial(ds: Dataset, trial_id: str) -> Trial:
    (found,) = [t for t in ds.trials if t.id == trial_id]
    return found


def outcome(t: Trial, endpoint: str, timepoint: str | None = None) -> Outcome:
    found = [
        o for o in t.outcomes if o.endpoint == endpoint and (timepoint is None or o.timepoint == timepoint)
    ]
    assert len(found) == 1, [o.endpoint_label for o in found]
    return found[0]


def counts(o: Outcome) -> dict[str, tuple[int | None, int | None]]:
    return {a.arm: (a.events, a.total) for a in o.arms}


PART_C2 = {
    "dilogo-2021-covid": ProductType.CELLS,
    "shi-2021-ucmsc-covid-lung": ProductType.CELLS,
    "realist-covid": ProductType.CELLS,
    "zarrabi-2023-covid-ards": ProductType.CELLS,
    "exoflo-covid-ards-phase2": ProductType.EXTRACELLULAR_VESICLES,
    "exoflo-covid-sengupta-2020": ProductType.EXTRACELLULAR_VESICLES,
    "bpd-msc-phase2": ProductType.CELLS,
    "onfh-marrow-concentrate-30-year": ProductType.MARROW_CONCENTRATE,
    "hauzeur-bmac-onfh-stage3": ProductType.MARROW_CONCENTRATE,
    "ortho-1-reborne": ProductType.CELLS,
    "liebergall-2013-tibia": ProductType.MARROW_CONCENTRATE,
    "allob-delayed-union-pilot": ProductType.MSC_DERIVED_CELLS,
    "moon-2019-asc-sheet-dfu": ProductType.CELLS,
    "ucmsc-dfu-pad-phase1": ProductType.CELLS,
}


@pytest.mark.parametrize(("trial_id", "kind"), sorted(PART_C2.items()))
def test_each_record_is_typed_as_its_product_and_cites_the_curation_notes(
    bundled: Dataset, trial_id: str, kind: ProductType
) -> None:
    t = trial(bundled, trial_id)
    assert t.product_type is kind
    assert bundled.is_msc(t) is (kind is ProductType.CELLS)
    assert "trials-curation" in t.refs
    for o in t.outcomes:
        assert o.refs, f"{trial_id}: {o.endpoint} cites nothing"
        assert set(o.refs) <= set(t.refs)
    for s in t.safety:
        assert s.refs and set(s.refs) <= set(t.refs)


def test_realist_covid_oxygenation_index_and_serious_adverse_events() -> None:
    shown = run_json("show", "realist-covid")
    assert shown["registry_ids"] == ["NCT03042143"]
    assert [(a["id"], a["n"]) for a in shown["arms"]] == [("orbcel-c", 30), ("placebo", 29)]
    oi = next(o for o in shown["outcomes"] if o["endpoint"] == "oxygenation-index")
    assert oi["timepoint"] == "day 7" and oi["met"] is False
    assert [(a["mean"], a["sd"]) for a in oi["arms"]] == [(98.3, 57.2), (96.6, 67.3)]
    sae = next(o for o in shown["outcomes"] if o["endpoint"] == "serious-adverse-events")
    (rr,) = sae["effects"]
    assert (rr["measure"], rr["estimate"], rr["ci_low"], rr["ci_high"], rr["p_value"]) == (
        "rr",
        2.9,
        0.6,
        13.2,
        "0.25",
    )


def test_dilogo_survivors_and_their_p_value(bundled: Dataset) -> None:
    surv = outcome(trial(bundled, "dilogo-2021-covid"), "survival")
    assert counts(surv) == {"msc": (10, 20), "control": (4, 20)}
    assert surv.p_value == "0.047" and surv.met is True


def test_shi_lung_lesion_median_difference_is_not_significant(bundled: Dataset) -> None:
    o = outcome(trial(bundled, "shi-2021-ucmsc-covid-lung"), "lung-lesion-volume-change")
    (e,) = o.effects
    assert (e.estimate, e.ci_low, e.ci_high, e.p_value) == (-13.31, -29.14, 2.13, "0.080")
    assert o.met is False


def test_zarrabi_keeps_the_msc_then_vesicles_comparison_out_of_pools(bundled: Dataset) -> None:
    t = trial(bundled, "zarrabi-2023-covid-ards")
    msc, msc_ev = (o for o in t.outcomes if o.endpoint == "mortality")
    assert counts(msc) == {"msc": (3, 11), "control": (8, 24)} and msc.no_pooling is None
    assert counts(msc_ev) == {"msc-ev": (0, 8), "control": (8, 24)} and msc_ev.no_pooling
    assert [(e.estimate, e.ci_low, e.ci_high) for e in msc.effects + msc_ev.effects] == [
        (0.49, 0.14, 1.11),
        (0.08, 0.005, 1.26),
    ]
    compared = run_json("evidence", "--indication", "covid-19-ards")["comparisons"]
    arms = {(c["trial"], c["treatment"]["arm"]) for c in compared}
    assert ("zarrabi-2023-covid-ards", "msc") in arms
    assert ("zarrabi-2023-covid-ards", "msc-ev") not in arms


def test_vesicle_and_marrow_trials_stay_out_of_the_evidence_tables() -> None:
    shown = set()
    for indication in ("covid-19-ards", "osteonecrosis-femoral-head", "bone-non-union"):
        result = runner.invoke(app, ["evidence", "--indication", indication, "--format", "json"])
        if result.exit_code != 0:  # no MSC count outcome at all for this indication
            assert "no count outcomes match" in result.stderr + result.stdout
            continue
        data = json.loads(result.stdout)
        for row in data["proportions"] + data["comparisons"]:
            shown.add(row["trial"])
    assert "ortho-1-reborne" in shown
    kept_apart = {tid for tid, kind in PART_C2.items() if kind is not ProductType.CELLS}
    assert not shown & kept_apart


def test_bpd_primary_outcome_and_the_unlinked_five_year_follow_up(bundled: Dataset) -> None:
    t = trial(bundled, "bpd-msc-phase2")
    assert t.registry_ids == ("NCT01828957",) and t.source is None
    primary = outcome(t, "death-or-moderate-severe-bpd")
    assert counts(primary) == {"msc": (17, 33), "placebo": (18, 33)} and primary.met is False
    assert counts(outcome(t, "severe-bpd")) == {"msc": (3, 16), "placebo": (8, 15)}
    five = outcome(t, "composite-respiratory-morbidity")
    assert [a.value for a in five.arms] == [60.7, 83.9]
    assert five.no_pooling is not None and "NCT01897987" in five.no_pooling


def test_onfh_thirty_year_study_is_hips_with_its_contradiction_kept(bundled: Dataset) -> None:
    t = trial(bundled, "onfh-marrow-concentrate-30-year")
    assert t.contradiction is not None and t.design.randomized is None
    assert counts(outcome(t, "femoral-head-collapse")) == {"bmc": (35, 125), "cd": (90, 125)}
    tha = outcome(t, "total-hip-arthroplasty")
    assert counts(tha) == {"bmc": (30, 125), "cd": (95, 125)}
    (odds,) = tha.effects
    assert (odds.estimate, odds.ci_low, odds.ci_high, odds.p_value) == (10.0278, 5.6117, 17.919, "<0.0001")
    assert (odds.arm, odds.comparator) == ("cd", "bmc")


def test_hauzeur_and_allob_figures(bundled: Dataset) -> None:
    thr = outcome(trial(bundled, "hauzeur-bmac-onfh-stage3"), "total-hip-arthroplasty")
    assert counts(thr) == {"bmac": (15, 23), "saline": (15, 23)} and thr.secondary
    allob = trial(bundled, "allob-delayed-union-pilot")
    assert counts(outcome(allob, "rescue-surgery", "month 6")) == {"allob": (0, 21)}
    assert counts(outcome(allob, "rescue-surgery", "month 30")) == {"allob": (2, 21)}
    (safety,) = allob.safety
    assert safety.arms[0].sae == 2


def test_liebergall_median_time_to_union_and_news_only_delayed_unions(bundled: Dataset) -> None:
    t = trial(bundled, "liebergall-2013-tibia")
    assert [a.median for a in outcome(t, "time-to-union").arms] == [1.5, 3]
    delayed = outcome(t, "delayed-union")
    assert delayed.secondary and [a.value for a in delayed.arms] == [0, 3]


def test_moon_closure_rates_and_the_uc_msc_pilot(bundled: Dataset) -> None:
    moon = trial(bundled, "moon-2019-asc-sheet-dfu")
    assert [a.n for a in moon.arms] == [30, 29]
    assert [a.value for a in outcome(moon, "complete-wound-closure", "week 12").arms] == [82, 53]
    assert [a.value for a in outcome(moon, "complete-wound-closure", "week 8").arms] == [73, 47]
    assert [a.median for a in outcome(moon, "time-to-complete-closure").arms] == [28.5, 63.0]
    pilot = trial(bundled, "ucmsc-dfu-pad-phase1")
    (arm,) = pilot.arms
    assert (arm.n, arm.cells_per_kg) == (14, 200000)
    assert pilot.safety[0].arms[0].related_ae == 2
