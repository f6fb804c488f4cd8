"""TRIALS.md Part E, second half (MS, TBI, Alzheimer's, Parkinson's, MSA, cerebral palsy, autism,
HIE): the shipped data says what the records' quotes say."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from mscref.data.dataset import Dataset
from mscref.data.models import ProductType, Trial

runner = CliRunner()

PART_E2 = {
    "mscims-connick-2012": "multiple-sclerosis",
    "llufriu-2014-rrms": "multiple-sclerosis",
    "fernandez-2018-spms": "multiple-sclerosis",
    "petrou-2020-progressive-ms": "multiple-sclerosis",
    "stemtra": "tbi",
    "wang-2013-tbi": "tbi",
    "neurostem-ad-phase1": "alzheimers",
    "clear-mind": "alzheimers",
    "schiess-2025-pd": "parkinsons",
    "venkataramana-2010-pd": "parkinsons",
    "lee-2012-msa": "msa",
    "singer-2019-msa": "msa",
    "huang-2018-cp": "cerebral-palsy",
    "gu-cp-ucmsc": "cerebral-palsy",
    "amanat-2021-cp": "cerebral-palsy",
    "sun-2020-asd": "autism",
    "duke-hct-msc-hie": "hie",
}


def show(trial_id: str) -> Any:
    result = runner.invoke(app, ["show", trial_id, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def runner_json(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def trial(ds: Dataset, trial_id: str) -> Trial:
    (found,) = [t for t in ds.trials if t.id == trial_id]
    return found


def outcome(data: Any, endpoint: str, timepoint: str | None = None) -> Any:
    (found,) = [
        o
        for o in data["outcomes"]
        if o["endpoint"] == endpoint and (timepoint is None or o["timepoint"] == timepoint)
    ]
    return found


@pytest.mark.parametrize(("trial_id", "indication"), sorted(PART_E2.items()))
def test_each_record_is_encoded_once_with_its_indication_and_the_curation_reference(
    bundled: Dataset, trial_id: str, indication: str
) -> None:
    t = trial(bundled, trial_id)
    assert t.indication == indication
    assert "trials-curation" in t.refs
    for o in t.outcomes:
        assert o.refs, f"{trial_id}: outcome {o.endpoint} cites nothing"
        assert set(o.refs) <= set(t.refs)
        for e in o.effects:
            assert e.refs
    for s in t.safety:
        assert s.refs and set(s.refs) <= set(t.refs)
    for rid in t.registry_ids:
        assert [x.id for x in bundled.trials if rid in x.registry_ids] == [trial_id]


def test_stemtra_sb623_is_engineered_cells_kept_out_of_msc_listings(bundled: Dataset) -> None:
    assert bundled.product_type_of(trial(bundled, "stemtra")) is ProductType.ENGINEERED_CELLS
    assert "stemtra" not in {t["id"] for t in runner_json("trials")}
    data = show("stemtra")
    primary = outcome(data, "fugl-meyer-motor-change")
    assert primary["met"] is True and primary["p_value"] == "0.040"
    (effect,) = primary["effects"]
    assert (effect["estimate"], effect["ci_low"], effect["ci_high"]) == (6.0, 0.3, 11.8)
    means = {a["arm"]: (a["mean"], a["se"]) for a in primary["arms"]}
    assert means == {"sb623": (8.3, 1.4), "control": (2.3, 2.5)}
    (sae,) = data["safety"]
    assert sae["figure_source"] == "conference"
    assert {a["arm"]: (a["sae"], a["total"]) for a in sae["arms"]} == {"sb623": (5, 46), "control": (3, 15)}


def test_llufriu_gel_trend_is_not_met() -> None:
    primary = outcome(show("llufriu-2014-rrms"), "gel-cumulative")
    assert primary["met"] is False and primary["p_value"] == "0.064"
    by_arm = {a["arm"]: (a["mean"], a["ci_low"], a["ci_high"]) for a in primary["arms"]}
    assert by_arm == {"msc": (3.1, 1.1, 8.8), "placebo": (12.3, 4.4, 34.5)}


def test_clear_mind_serious_adverse_event_rates_with_their_intervals() -> None:
    data = show("clear-mind")
    assert [a["n"] for a in data["arms"]] == [12, 13, 13, 11]
    rates = {a["arm"]: (a["value"], a["ci_low"], a["ci_high"]) for a in outcome(data, "te-sae")["arms"]}
    assert rates == {
        "placebo": (0, 0, 26.5),
        "single-25m": (7.7, 0.2, 36),
        "monthly-25m": (7.7, 0.2, 36),
        "monthly-100m": (9.1, 0.2, 41.3),
    }
    brain = outcome(data, "whole-brain-volume")
    assert brain["figure_source"] == "news" and brain["p_value"] == "0.005"


def test_xie_2023_is_merged_into_the_existing_exosome_entry(bundled: Dataset) -> None:
    data = show("adipose-exos-alzheimers")
    assert data["product_type"] == "extracellular-vesicles"
    week36 = outcome(data, "adas-cog", "week 36")
    assert week36["arms"][0]["value"] == -3.98
    week12 = outcome(data, "adas-cog", "week 12")
    assert week12["arms"][0]["value"] == -2.33 and "(1.19)" in week12["arms"][0]["note"]
    assert "trials-curation" in trial(bundled, "adipose-exos-alzheimers").refs


def test_gu_cerebral_palsy_table_figures_are_means_with_sem() -> None:
    data = show("gu-cp-ucmsc")
    gmfm = outcome(data, "gmfm")
    assert {a["arm"]: (a["mean"], a["se"]) for a in gmfm["arms"]} == {
        "huc-msc": (64.526, 9.6),
        "control": (36.8, 8.802),
    }
    met = {o["endpoint"]: (o["p_value"], o["met"]) for o in data["outcomes"] if o["primary"]}
    assert met == {"gmfm": ("0.045", True), "adl": ("0.009", True), "cfa": ("0.061", False)}


def test_amanat_gmfm66_effect_against_sham() -> None:
    primary = outcome(show("amanat-2021-cp"), "gmfm-66-change")
    (effect,) = primary["effects"]
    assert (effect["estimate"], effect["ci_low"], effect["ci_high"]) == (8.07, 1.62, 14.52)
    assert primary["arms"][0]["mean"] == 10.65 and primary["arms"][0]["change_from_baseline"] is True


def test_singer_historical_comparison_is_kept_out_of_pools(bundled: Dataset) -> None:
    t = trial(bundled, "singer-2019-msa")
    rate = next(o for o in t.outcomes if o.endpoint == "umsars-progression-rate")
    assert rate.secondary and rate.p_value == "0.004"
    assert t.pooling_exclusion(rate) is not None


def test_lee_2012_does_not_claim_the_unlinked_registry_entry(bundled: Dataset) -> None:
    t = trial(bundled, "lee-2012-msa")
    assert t.registry_ids == () and "NCT00911365" in (t.notes or "")
    assert {o.p_value for o in t.outcomes} == {"0.047", "0.008"}


def test_duke_hie_reports_no_infusion_reactions_or_infections() -> None:
    data = show("duke-hct-msc-hie")
    for endpoint in ("infusion-reaction", "infection-14-days"):
        assert [(a["events"], a["total"]) for a in outcome(data, endpoint)["arms"]] == [(0, 3), (0, 3)]
