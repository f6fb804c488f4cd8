"""The shipped data for TRIALS.md Part C, first half (knee osteoarthritis; heart failure and
myocardial infarction): key figures as the records quote them, read back through the loader and
through `mscref show --format json`."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from mscref.data.dataset import Dataset
from mscref.data.models import EffectMeasure, FigureSource, Outcome, ProductType, Trial

runner = CliRunner()

KNEE_OA = (
    "lee-2019-admsc-knee-oa",
    "vega-2015-knee-oa",
    "cytotherapy-2018-bmmsc-knee-oa",
    "rejoin-phase2b-knee-oa",
    "progenza-kuah-2018",
    "stempeucel-knee-oa-gupta-2016",
    "adipoa2",
    "miles-mautner-2023",
    "matas-2019-ucmsc-knee-oa",
)
HEART = (
    "poseidon",
    "trident",
    "tac-hft",
    "msc-hf",
    "concert-hf",
    "chart-1",
    "c-cure",
    "rimecard",
    "hare-2009-prochymal-ami",
    "chullikana-2014-stempeucel-ami",
)


def show(trial_id: str) -> Any:
    result = runner.invoke(app, ["show", trial_id, "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def trial(ds: Dataset, trial_id: str) -> Trial:
    (t,) = [t for t in ds.trials if t.id == trial_id]
    return t


def outcome(t: Trial, endpoint: str) -> Outcome:
    (o,) = [o for o in t.outcomes if o.endpoint == endpoint]
    return o


def arm_result(o: Outcome, arm: str) -> Any:
    (a,) = [a for a in o.arms if a.arm == arm]
    return a


@pytest.mark.parametrize("trial_id", KNEE_OA + HEART)
def test_every_part_c1_trial_cites_the_curation_notes_and_every_figure_its_source(
    bundled: Dataset, trial_id: str
) -> None:
    t = trial(bundled, trial_id)
    assert "trials-curation" in t.refs
    for o in t.outcomes:
        assert o.refs, f"{trial_id} {o.endpoint} cites nothing"
        assert set(o.refs) <= set(t.refs)
        for e in o.effects:
            assert e.refs and set(e.refs) <= set(t.refs)
    for s in t.safety:
        assert s.refs and set(s.refs) <= set(t.refs)


def test_indications_of_part_c1(bundled: Dataset) -> None:
    assert {trial(bundled, i).indication for i in KNEE_OA} == {"knee-oa"}
    assert trial(bundled, "hare-2009-prochymal-ami").indication == "myocardial-infarction"
    assert trial(bundled, "chullikana-2014-stempeucel-ami").indication == "myocardial-infarction"
    assert trial(bundled, "msc-hf").indication == "heart-failure"


def test_precursor_and_cardiopoietic_products_stay_out_of_msc_counts(bundled: Dataset) -> None:
    rejoin = trial(bundled, "rejoin-phase2b-knee-oa")
    assert rejoin.product_type is ProductType.PRECURSOR_CELLS and rejoin.source == "ad-mpc"
    for tid in ("chart-1", "c-cure"):
        assert trial(bundled, tid).product_type is ProductType.MSC_DERIVED_CELLS
    kept_apart = ("rejoin-phase2b-knee-oa", "chart-1", "c-cure")
    assert not any(bundled.is_msc(trial(bundled, tid)) for tid in kept_apart)
    assert bundled.is_msc(trial(bundled, "msc-hf"))


def test_msc_hf_lvesv_primary_endpoint_as_quoted() -> None:
    data = show("msc-hf")
    (o,) = [o for o in data["outcomes"] if o["endpoint"] == "lvesv-change"]
    assert o["primary"] is True and o["met"] is True and o["timepoint"] == "month 6"
    msc, placebo = o["arms"]
    fields = ("mean", "ci_low", "ci_high", "n_analysed")
    assert tuple(msc[f] for f in fields) == (-7.6, -11.8, -3.4, 37)
    assert tuple(placebo[f] for f in fields) == (5.4, -0.4, 11.2, 18)
    (effect,) = o["effects"]
    fields = ("estimate", "ci_low", "ci_high", "p_value")
    assert tuple(effect[f] for f in fields) == (13.0, 5.9, 20.1, "0.001")
    # the reported difference is placebo minus MSC: the sign follows the arms named
    assert effect["arm"] == "placebo" and effect["comparator"] == "msc"
    assert effect["estimate"] == pytest.approx(placebo["mean"] - msc["mean"])


def test_chart_1_neutral_mann_whitney_estimator(bundled: Dataset) -> None:
    o = outcome(trial(bundled, "chart-1"), "hierarchical-composite")
    (e,) = o.effects
    assert e.measure is EffectMeasure.OTHER and "Mann-Whitney" in (e.measure_label or "")
    assert (e.estimate, e.ci_low, e.ci_high, e.p_value) == (0.54, 0.47, 0.61, "0.27")
    assert o.met is False and o.timepoint == "week 39"
    arms = {a.id: a.n for a in trial(bundled, "chart-1").arms}
    assert arms == {"cardiopoietic": 157, "sham": 158}


def test_concert_hf_mace_and_safety_counts(bundled: Dataset) -> None:
    t = trial(bundled, "concert-hf")
    assert {a.id: a.n for a in t.arms} == {"msc-cpc": 33, "msc": 29, "cpc": 31, "placebo": 32}
    o = outcome(t, "hf-mace")
    # only the MSC-vs-placebo pair is structured; the four-group P = 0.049 is not the pair's
    assert [(a.arm, a.events, a.total) for a in o.arms] == [("msc", 7, 29), ("placebo", 9, 32)]
    assert o.p_value is None and "0.049" in (o.result or "")
    (s,) = t.safety
    assert {a.arm: (a.sae, a.deaths) for a in s.arms} == {
        "msc-cpc": (8, 2),
        "msc": (9, 3),
        "cpc": (8, 2),
        "placebo": (12, 4),
    }


def test_adipoa2_primary_responders_with_derived_denominators(bundled: Dataset) -> None:
    o = outcome(trial(bundled, "adipoa2"), "oarsi-omeract-strict-response")
    adsc, placebo = arm_result(o, "adsc"), arm_result(o, "placebo")
    assert (adsc.events, adsc.value, placebo.events, placebo.value) == (26, 47.3, 23, 54.8)
    assert adsc.derived and placebo.derived
    assert adsc.total + placebo.total == 97  # the number analysed
    assert o.met is False


def test_progenza_arms_and_no_serious_adverse_events(bundled: Dataset) -> None:
    t = trial(bundled, "progenza-kuah-2018")
    assert [(a.id, a.n, a.cells_per_dose) for a in t.arms] == [
        ("prg-3-9m", 8, 3900000),
        ("prg-6-7m", 8, 6700000),
        ("placebo", 4, None),
    ]
    (s,) = t.safety
    assert all(a.sae == 0 for a in s.arms)
    assert "143/169 (84.6%)" in (outcome(t, "safety-tolerability").result or "")


def test_trident_mace_rates_with_their_intervals(bundled: Dataset) -> None:
    o = outcome(trial(bundled, "trident"), "mace")
    low, high = arm_result(o, "msc-20m"), arm_result(o, "msc-100m")
    assert (low.value, low.ci_low, low.ci_high) == (20.0, 6.9, 50.0)
    assert (high.value, high.ci_low, high.ci_high) == (13.3, 3.5, 43.6)
    assert o.p_value == "0.58" and o.no_pooling is not None


def test_secondary_figures_are_marked(bundled: Dataset) -> None:
    hare = trial(bundled, "hare-2009-prochymal-ami")
    arrhythmia = outcome(hare, "arrhythmia-adverse-events")
    assert arrhythmia.figure_source is FigureSource.REVIEW and arrhythmia.secondary
    msc = arm_result(arrhythmia, "msc")
    assert (msc.events, msc.total, msc.value, msc.derived) == (3, 34, 8.8, True)
    ccure = outcome(trial(bundled, "c-cure"), "lvef")
    assert ccure.secondary and ccure.p_value == "<0.0001"
    matas = trial(bundled, "matas-2019-ucmsc-knee-oa")
    assert all(o.secondary for o in matas.outcomes) and matas.registry_ids == ()


def test_poseidon_keeps_both_msc_arms_out_of_pools(bundled: Dataset) -> None:
    t = trial(bundled, "poseidon")
    o = outcome(t, "treatment-emergent-sae")
    assert [(a.events, a.total, a.value) for a in o.arms] == [(1, 15, 6.7), (1, 15, 6.7)]
    assert t.pooling_exclusion(o) is not None
    (s,) = t.safety
    assert {a.arm: a.sae for a in s.arms} == {"allogeneic": 5, "autologous": 8}
    assert s.secondary_source


def test_evidence_for_heart_failure_leaves_cardiopoietic_trials_out() -> None:
    result = runner.invoke(app, ["evidence", "--indication", "heart-failure", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    named = {x.get("trial") for key in ("proportions", "comparisons", "not_pooled") for x in data[key]}
    assert {"tac-hft", "concert-hf"} <= named
    assert not named & {"chart-1", "c-cure"}
