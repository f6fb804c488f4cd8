"""The shipped data for TRIALS.md Part E, first half (stroke, spinal cord injury, ALS): the
figures read back as the curation record's quotes give them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from mscref.data.dataset import Dataset
from mscref.data.models import FigureSource, ProductType, Trial

runner = CliRunner()

PART_E1 = {
    "stroke": [
        "bang-2005-stroke",
        "starting-lee-2010",
        "honmou-2011-stroke",
        "levy-stemedica-stroke",
        "amascis",
        "actissima",
        "al-fauzi-2017-ich",
    ],
    "spinal-cord-injury": [
        "oh-2016-sci",
        "satti-2016-sci",
        "celltop",
        "el-kheir-2014-sci",
        "cheng-2014-sci",
    ],
    "als": [
        "oh-2018-lenzumestrocel",
        "petrou-2016-msc-ntf",
        "nabavi-2018-als",
        "hadassah-repeated-it-als",
        "alsummit",
    ],
}
ALL_IDS = [tid for ids in PART_E1.values() for tid in ids]


def show(trial_id: str) -> Any:
    result = runner.invoke(app, ["show", trial_id, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def trial(ds: Dataset, trial_id: str) -> Trial:
    (t,) = [t for t in ds.trials if t.id == trial_id]
    return t


@pytest.mark.parametrize("trial_id", ALL_IDS)
def test_each_record_is_one_trial_citing_the_curation_notes(bundled: Dataset, trial_id: str) -> None:
    t = trial(bundled, trial_id)
    assert "trials-curation" in t.refs
    expected = next(ind for ind, ids in PART_E1.items() if trial_id in ids)
    assert t.indication == expected
    # every outcome and safety block cites a reference of its own, and the trial cites it too
    for block in (*t.outcomes, *t.safety):
        assert block.refs, f"{trial_id}: a block without its own reference"
        assert set(block.refs) <= set(t.refs)


def test_no_registry_id_of_the_part_is_encoded_twice(bundled: Dataset) -> None:
    for rid in ("NCT04745299", "NCT01363401", "NCT01678534", "NCT02448641", "NCT03308565"):
        assert len([t for t in bundled.trials if rid in t.registry_ids]) == 1, rid


def test_oh_2018_alsfrs_r_differences_with_their_intervals() -> None:
    d = show("oh-2018-lenzumestrocel")
    assert [a["n"] for a in d["arms"]] == [33, 31]
    assert d["product_id"] == "neuronata-r"
    got = {
        o["timepoint"]: (e["estimate"], e["ci_low"], e["ci_high"], e["p_value"])
        for o in d["outcomes"]
        if o["endpoint"] == "alsfrs-r-change"
        for e in o["effects"]
    }
    assert got == {"month 4": (2.98, 1.48, 4.47, "<0.001"), "month 6": (3.38, 1.23, 5.54, "0.003")}


def test_amascis_six_month_medians_and_quartiles() -> None:
    d = show("amascis")
    assert "2011-003551-18" in d["registry_ids"]
    nihss = next(o for o in d["outcomes"] if o["endpoint"] == "nihss")
    arms = {a["arm"]: (a["median"], a["iqr_low"], a["iqr_high"]) for a in nihss["arms"]}
    assert arms == {"ad-msc": (2.5, 1.75, 3.5), "placebo": (5, 4.0, 7.5)}
    assert [a["n"] for a in d["arms"]] == [4, 9]


def test_starting_follow_up_deaths_are_from_a_secondary_repost(bundled: Dataset) -> None:
    t = trial(bundled, "starting-lee-2010")
    deaths = next(o for o in t.outcomes if o.endpoint == "all-cause-death")
    assert [(a.events, a.total, a.value) for a in deaths.arms] == [(4, 16, 25), (21, 36, 58.3)]
    assert deaths.figure_source is FigureSource.SECONDARY and deaths.secondary
    survival = next(o for o in t.outcomes if o.endpoint == "survival")
    assert [a.value for a in survival.arms] == [0.72, 0.34] and survival.p_value == "0.058"


def test_modified_and_derived_cells_stay_out_of_msc_counts(bundled: Dataset) -> None:
    assert trial(bundled, "actissima").product_type is ProductType.ENGINEERED_CELLS
    assert trial(bundled, "petrou-2016-msc-ntf").product_type is ProductType.MSC_DERIVED_CELLS
    assert not bundled.is_msc(trial(bundled, "actissima"))
    assert not bundled.is_msc(trial(bundled, "petrou-2016-msc-ntf"))
    assert bundled.is_msc(trial(bundled, "celltop"))


def test_actissima_arms_and_missed_primary() -> None:
    d = show("actissima")
    assert [a["n"] for a in d["arms"]] == [55, 56, 52]
    assert d["n"] == 163
    primary = next(o for o in d["outcomes"] if o["primary"])
    assert primary["met"] is False and primary["figure_source"] == "press-release"


def test_spinal_cord_injury_counts(bundled: Dataset) -> None:
    cheng = trial(bundled, "cheng-2014-sci")
    (o,) = cheng.outcomes
    assert [(a.arm, a.events, a.total) for a in o.arms] == [("uc-msc", 7, 10), ("rehab", 5, 14)]
    celltop = trial(bundled, "celltop")
    assert celltop.arms[0].cells_per_dose == 100_000_000
    ais = next(o for o in celltop.outcomes if o.endpoint == "ais-improvement")
    assert (ais.arms[0].events, ais.arms[0].total) == (7, 10)
    assert celltop.safety[0].arms[0].sae == 0
    elk = trial(bundled, "el-kheir-2014-sci")
    assert [a.n for a in elk.arms] == [50, 20]
    assert (elk.outcomes[0].arms[0].events, elk.outcomes[0].arms[0].value) == (23, 46)


def test_alsummit_merged_with_press_subgroup_kept_out_of_pooling(bundled: Dataset) -> None:
    t = trial(bundled, "alsummit")
    assert t.design.allocation == "1:2:2" and t.n == 115
    assert [a.doses for a in t.arms] == [2, 5, None]
    subgroup = [o for o in t.outcomes if o.analysis and "subgroup" in o.analysis]
    assert [o.p_value for o in subgroup] == ["<0.024", "<0.041"]
    assert all(t.pooling_exclusion(o) for o in subgroup)
    assert [[a.mean for a in o.arms] for o in subgroup] == [[20.95, 13.66], [24.78, 17.92]]


def test_levy_safety_counts_no_related_serious_events(bundled: Dataset) -> None:
    t = trial(bundled, "levy-stemedica-stroke")
    (arm,) = t.safety[0].arms
    assert (arm.total, arm.deaths, arm.related_sae) == (36, 2, 0)
    barthel = [o for o in t.outcomes if o.endpoint == "barthel-index-change"]
    month12 = next(o for o in barthel if o.timepoint == "month 12")
    assert (month12.arms[0].mean, month12.arms[0].sd, month12.p_value) == (10.8, 15.5, "<0.001")
