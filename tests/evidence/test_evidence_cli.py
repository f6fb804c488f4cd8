"""``mscref evidence`` end to end: methods named, nothing dropped silently, clean output."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from mscref.data.dataset import Dataset
from mscref.data.loader import bundled_data_dir, load_dataset
from mscref.data.models import Outcome, timepoint_days
from mscref.evidence.methods import Subgroup
from mscref.evidence.stats import MEDIANS, REPORTED, EvidenceFilter, analyse

runner = CliRunner()

EXTRA_TRIALS = """
  - id: zz-double-zero
    title: "A made-up placebo-controlled trial with no events in either arm"
    intervention: "UC-MSCs"
    product_type: cells
    source: uc
    indication: knee-oa
    phase: "2"
    design: {randomized: true, blinding: double-blind, control: placebo}
    arms:
      - {id: msc, label: "MSC arm", n: 20}
      - {id: control, label: "Placebo", n: 20}
    outcomes:
      - endpoint: serious-adverse-events
        endpoint_label: "Serious adverse events"
        timepoint: "month 6"
        arms:
          - {arm: msc, events: 0, total: 20}
          - {arm: control, events: 0, total: 20}
    refs: [seed]
"""


def _cont_trial(tid: str, control: str, msc: str, ctl: str, extra: str = "") -> str:
    return f"""
  - id: {tid}
    title: "A made-up {control}-controlled trial of knee pain"
    intervention: "AD-MSCs"
    product_type: cells
    source: ad
    indication: knee-oa
    phase: "2"
    design: {{randomized: true, blinding: double-blind, control: {control}}}
    arms:
      - {{id: msc, label: "MSC arm", n: 40}}
      - {{id: control, label: "Control", n: 40}}
    outcomes:
      - endpoint: womac-pain
        endpoint_label: "WOMAC pain"
        timepoint: "month 6"
        kind: continuous
        arms:
          - {{arm: msc, {msc}}}
          - {{arm: control, {ctl}}}{extra}
    refs: [seed]
"""


HR = """
      - endpoint: overall-survival
        endpoint_label: "Overall survival"
        timepoint: "month 12"
        kind: time-to-event
        effects:
          - {{measure: hr, estimate: {0}, ci_low: {1}, ci_high: {2}, ci_level: {3}}}"""

#: Made-up knee-OA trials: three MD-able (points), one in another unit (SMD for all of them),
#: one with medians, one with means but no SD; hazard ratios with their CIs.
CONTINUOUS_TRIALS = (
    _cont_trial(
        "zz-cont-1",
        "placebo",
        "mean: 3.1, sd: 1.2, unit: points, n_analysed: 30",
        "mean: 4.0, sd: 1.4, unit: points, n_analysed: 28",
        HR.format(0.7, 0.5, 0.98, 0.95),
    )
    + _cont_trial(
        "zz-cont-2",
        "placebo",
        "mean: 2.8, se: 0.2, unit: points, n_analysed: 35",
        "mean: 3.9, se: 0.21, unit: points, n_analysed: 36",
        HR.format(0.85, 0.62, 1.17, 0.9),
    )
    + _cont_trial(
        "zz-cont-3",
        "placebo",
        "mean: 3.5, sd: 1.0, unit: points, n_analysed: 20",
        "mean: 3.8, sd: 1.1, unit: points, n_analysed: 21",
        HR.format(0.6, 0.4, 0.9, 0.95),
    )
    + _cont_trial(
        "zz-cont-4",
        "placebo",
        "mean: 31.0, sd: 12.0, unit: mm, n_analysed: 25",
        "mean: 42.0, sd: 15.0, unit: mm, n_analysed: 25",
    )
    + _cont_trial(
        "zz-cont-5",
        "placebo",
        "median: 3.0, iqr_low: 2.0, iqr_high: 4.5, unit: points",
        "median: 4.0, iqr_low: 3.0, iqr_high: 5.0, unit: points",
    )
    + _cont_trial("zz-cont-6", "placebo", "mean: 3.0, unit: points", "mean: 4.0, unit: points")
)


def _with_trials(tmp_path: Path, extra: str) -> Path:
    data = tmp_path / "data"
    shutil.copytree(bundled_data_dir(), data)
    trials = data / "trials.yaml"
    trials.write_text(trials.read_text(encoding="utf-8").rstrip("\n") + "\n" + extra, encoding="utf-8")
    return data


def _synthetic(i: int, events: tuple[int, int]) -> str:
    return EXTRA_TRIALS.replace("zz-double-zero", f"zz-sae-{i}").replace(
        "events: 0, total: 20}\n          - {arm: control, events: 0",
        f"events: {events[0]}, total: 20}}\n          - {{arm: control, events: {events[1]}",
    )


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--tau2", "dl"],
        ["--tau2", "pm", "--summary-ci", "z"],
        ["--summary-ci", "hksj-floor", "--measure", "rd"],
        ["--method", "mh", "--measure", "rr", "--subgroup", "comparator"],
        ["--method", "peto", "--subgroup", "source"],
        ["--subgroup", "design"],
    ],
)
def test_no_warning_reaches_stderr_and_json_is_strict(args: list[str], tmp_path: Path) -> None:
    """A subprocess, so that any numpy/scipy warning printed at exit would be seen."""
    data = _with_trials(tmp_path, EXTRA_TRIALS + _synthetic(1, (2, 5)) + _synthetic(2, (0, 3)))
    env = {**os.environ, "MSCREF_CACHE_DIR": str(tmp_path / "cache")}
    run = subprocess.run(
        [sys.executable, "-m", "mscref", "evidence", "--data-dir", str(data), "--format", "json", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    data_out = json.loads(run.stdout, parse_constant=lambda c: pytest.fail(f"JSON holds {c}"))
    assert data_out["pooled"], "something is pooled"
    for p in data_out["pooled"]:
        assert p["method"]
        assert p["certainty"]["note"].startswith("automated first pass")


def test_double_zero_tables_are_left_out_with_a_note(tmp_path: Path) -> None:
    data = _with_trials(tmp_path, EXTRA_TRIALS + _synthetic(1, (2, 5)) + _synthetic(2, (0, 3)))
    result = runner.invoke(
        app, ["evidence", "--data-dir", str(data), "--indication", "knee-oa", "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    (pool,) = [p for p in out["pooled"] if p["endpoint"] == "serious-adverse-events"]
    assert [s["trial"] for s in pool["studies"]] == ["zz-sae-1", "zz-sae-2"]
    assert "left out (no events, or only events, in both arms): zz-double-zero" in pool["notes"]
    assert any("zz-double-zero" in r["reason"] and "drop00" in r["reason"] for r in out["not_pooled"])
    # listed under its own trial, so a reader (and the check that every figure is accounted for) finds it
    assert any(r["trial"] == "zz-double-zero" and "drop00" in r["reason"] for r in out["not_pooled"])
    (row,) = [c for c in out["comparisons"] if c["trial"] == "zz-double-zero"]
    assert row["p_value"] is None and row["p_note"].startswith("undefined")


def test_outcomes_without_a_timepoint_are_refused_one_trial_at_a_time(tmp_path: Path) -> None:
    untimed = "".join(_synthetic(i, (2, 5)).replace('        timepoint: "month 6"\n', "") for i in (1, 2))
    data = _with_trials(tmp_path, untimed)
    result = runner.invoke(
        app, ["evidence", "--data-dir", str(data), "--indication", "knee-oa", "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert not [p for p in out["pooled"] if p["endpoint"] == "serious-adverse-events"]
    refused = [r for r in out["not_pooled"] if r["reason"].startswith("no timepoint recorded")]
    assert sorted(r["trial"] for r in refused) == ["zz-sae-1", "zz-sae-2"]


def _has_numbers(o: Outcome) -> bool:
    fields = ("events", "value", "mean", "median", "sd", "se")
    return bool(o.effects) or any(getattr(a, f) is not None for a in o.arms for f in fields)


def assert_every_outcome_accounted_for(ds: Dataset) -> int:
    """Every outcome with numbers of every trial the analysis selects (culture-expanded MSCs)
    is in a pool or listed under not pooled with a reason; returns how many were walked."""
    ev = analyse(ds, EvidenceFilter())
    pooled = {(s.trial_id, p.endpoint, timepoint_days(p.timepoint)) for p in ev.pooled for s in p.studies}
    listed = {(r.trial_id, r.endpoint, timepoint_days(r.timepoint)) for r in ev.refusals if r.reason}
    walked = 0
    for t in ds.trials:
        if not ds.is_msc(t):
            continue
        for o in t.outcomes:
            if not _has_numbers(o):
                continue
            walked += 1
            key = (t.id, o.endpoint, timepoint_days(o.timepoint))
            assert key in pooled or key in listed, f"{key} neither pooled nor listed"
            if any(a.median is not None and a.mean is None for a in o.arms) and key in pooled:
                # medians are shown, never pooled as means: only a reported effect may pool
                (pool,) = [
                    p
                    for p in ev.pooled
                    if p.endpoint == o.endpoint and any(s.trial_id == t.id for s in p.studies)
                ]
                assert pool.kind.endswith(REPORTED), key
    return walked


def test_every_outcome_with_numbers_is_pooled_or_listed(bundled: Dataset, tmp_path: Path) -> None:
    from benchmarks.generate import generate

    assert assert_every_outcome_accounted_for(bundled) > 20
    assert assert_every_outcome_accounted_for(load_dataset(_with_trials(tmp_path, CONTINUOUS_TRIALS))) > 20
    generated = load_dataset(generate(300, tmp_path / "generated", seed=3))
    assert assert_every_outcome_accounted_for(generated) > 300
    ev = analyse(bundled, EvidenceFilter())
    (temcell,) = [
        r for r in ev.refusals if r.trial_id == "temcell-phase2-3" and r.endpoint == "overall-response"
    ]
    assert temcell.timepoint == "week 4"
    assert "design not recorded" in temcell.reason


def test_pools_keep_comparator_classes_apart_unless_split_into_subgroups(bundled: Dataset) -> None:
    flt = EvidenceFilter(indication="gvhd", endpoints=("overall-response",), timepoints=("day 28",))
    apart = analyse(bundled, flt)
    assert [p.kind for p in apart.pooled] == ["single-arm proportion"]
    reasons = [r.reason for r in apart.refusals if r.kind == "odds ratio"]
    assert "only one study (amimestrocel-trial-a, placebo/sham); nothing to pool" in reasons
    together = analyse(bundled, flt, subgroup=Subgroup.COMPARATOR)
    (orr,) = [p for p in together.pooled if p.kind == "odds ratio"]
    assert [g.name for g in orr.subgroups] == ["comparator not recorded", "placebo/sham"]
    assert orr.subgroup_test is not None and orr.subgroup_test.df == 1
    assert "RevMan" in orr.subgroup_test.method


def test_certainty_never_rises_and_names_its_steps(bundled: Dataset) -> None:
    ev = analyse(bundled, EvidenceFilter(), subgroup=Subgroup.COMPARATOR)
    order = ["very low", "low", "moderate", "high"]
    assert ev.pooled
    for p in ev.pooled:
        c = p.certainty
        assert c is not None
        assert order.index(c.level) <= order.index(c.start)
        assert all(s.change <= 0 and s.reason for s in c.steps)
        assert c.steps[0].domain == "design"
        if p.kind == "single-arm proportion":
            assert c.start == "low"


def test_a_dollar_in_a_label_is_plotted_as_text(bundled: Dataset) -> None:
    from mscref.render.chart import to_svg
    from mscref.render.forest import pools_scene

    ev = analyse(bundled, EvidenceFilter(indication="gvhd", endpoints=("overall-response",)))
    p = ev.pooled[0]
    odd = dataclasses.replace(
        p,
        endpoint_label=r"cost $\frac$ of 5$",
        studies=tuple(dataclasses.replace(s, label=r"$\frac{a}$ (1/2)") for s in p.studies),
    )
    svg = to_svg(pools_scene(bundled, [odd]))
    texts = "".join(ET.fromstring(svg).itertext())
    assert r"cost $\frac$ of 5$" in texts
    assert r"$\frac{a}$" in texts


def test_a_dollar_in_the_data_does_not_crash_the_plot(tmp_path: Path) -> None:
    data = _with_trials(tmp_path, _synthetic(1, (2, 5)) + _synthetic(2, (1, 3)))
    trials = data / "trials.yaml"
    trials.write_text(
        trials.read_text(encoding="utf-8").replace('"Serious adverse events"', r"'Costs $\frac$ (USD)'"),
        encoding="utf-8",
    )
    target = tmp_path / "forest.png"
    result = runner.invoke(
        app, ["evidence", "--data-dir", str(data), "--indication", "knee-oa", "--plot", str(target)]
    )
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes()[:4] == b"\x89PNG"


def test_subgroup_forest_has_subtotals_and_the_test(tmp_path: Path) -> None:
    target = tmp_path / "forest.svg"
    result = runner.invoke(
        app, ["evidence", "--indication", "gvhd", "--subgroup", "comparator", "--plot", str(target)]
    )
    assert result.exit_code == 0, result.stderr
    texts = "".join(ET.fromstring(target.read_bytes()).itertext())
    assert "Test for subgroup differences (comparator): Q = " in texts
    assert "favours control" in texts and "favours MSC" in texts
    assert "Odds ratio (log scale)" in texts
    assert "comparator: placebo/sham" in texts


def test_table_names_every_method_and_labels_both_intervals() -> None:
    result = runner.invoke(
        app,
        [
            "evidence",
            "--indication",
            "gvhd",
            "--endpoint",
            "overall-response",
            "--tau2",
            "dl",
            "--summary-ci",
            "z",
            "--format",
            "markdown",
        ],
    )
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "τ²: DerSimonian-Laird, τ² truncated at 0, Q-profile 95% CI" in out
    assert "95% CI and test of the summary: normal (z)" in out
    assert "Test for overall effect: z = " in out
    assert "Study intervals: Wald on the logit proportion scale" in out
    assert "Clopper-Pearson exact (a pool's forest shows the Wald interval" in out
    assert "**Leave-one-out: " in out
    assert "not a GRADE panel" in out


def test_peto_needs_odds_ratios() -> None:
    result = runner.invoke(app, ["evidence", "--method", "peto", "--measure", "rr"])
    assert result.exit_code == 2
    assert "--method peto gives odds ratios only" in result.stderr


def test_continuous_outcomes_pool_as_md_or_smd_and_reported_effects_by_generic_iv(tmp_path: Path) -> None:
    import numpy as np

    from mscref.evidence import meta

    ds = load_dataset(_with_trials(tmp_path, CONTINUOUS_TRIALS))
    ev = analyse(ds, EvidenceFilter(indication="knee-oa"))
    (smd,) = [p for p in ev.pooled if p.endpoint == "womac-pain"]
    # one study in mm among studies in points: an SMD (Hedges' g), and the output says why
    assert smd.kind == "standardised mean difference (Hedges' g)" and smd.k == 4
    assert "different units (mm, points)" in smd.measure_choice
    assert [s.trial_id for s in smd.studies] == ["zz-cont-1", "zz-cont-2", "zz-cont-3", "zz-cont-4"]
    why = {r.trial_id: r.reason for r in ev.refusals if r.endpoint == "womac-pain"}
    assert why["zz-cont-5"].startswith(MEDIANS)
    assert "without an SD or SE" in why["zz-cont-6"]
    (row,) = [c for c in ev.continuous if c.trial_id == "zz-cont-5"]
    assert "median 3 points, IQR 2–4.5" in row.arms[0].shown()  # shown, though not pooled
    # SD from the SE: 0.2 √35
    (s2,) = [s for s in smd.studies if s.trial_id == "zz-cont-2"]
    assert s2.means[0].sd == pytest.approx(0.2 * 35**0.5) and s2.means[0].sd_from_se

    # the same unit throughout: a mean difference in that unit
    same = analyse(ds, EvidenceFilter(indication="knee-oa", endpoints=("womac-pain",)))
    assert same.pooled[0].kind == smd.kind  # unchanged by the filter
    ds3 = load_dataset(_with_trials(tmp_path / "md", CONTINUOUS_TRIALS.split("\n  - id: zz-cont-4")[0]))
    (md,) = [
        p for p in analyse(ds3, EvidenceFilter(indication="knee-oa")).pooled if p.endpoint == "womac-pain"
    ]
    assert md.kind == "mean difference" and md.unit == "points" and md.k == 3
    assert md.measure_choice == "mean difference: every study reports it in the same unit (points)"
    y = np.array([3.1 - 4.0, 2.8 - 3.9, 3.5 - 3.8])
    v = np.array([1.2**2 / 30 + 1.4**2 / 28, 0.2**2 + 0.21**2, 1.0**2 / 20 + 1.1**2 / 21])
    ref = meta.random_effects(y[None], v[None], np.ones((1, 3), dtype=bool))
    assert md.estimate == pytest.approx(float(ref.estimate[0]), rel=1e-12)
    assert md.null == 0.0 and not md.is_ratio

    (hr,) = [p for p in ev.pooled if p.endpoint == "overall-survival"]
    assert hr.kind == "hazard ratio (reported estimates)" and hr.is_ratio and hr.k == 3
    z90 = 1.6448536269514722
    (s2,) = [s for s in hr.studies if s.trial_id == "zz-cont-2"]
    assert s2.variance == pytest.approx(((np.log(1.17) - np.log(0.62)) / (2 * z90)) ** 2)
    assert any("zz-cont-2 (90%)" in n for n in hr.notes)
    assert hr.certainty is not None


def test_counts_come_first_when_an_outcome_also_reports_an_effect(bundled: Dataset) -> None:
    ev = analyse(bundled, EvidenceFilter(indication="crohns-perianal-fistula"))
    first = [r for r in ev.refusals if r.trial_id == "admire-cd" and r.reason.startswith("counts first")]
    assert {r.timepoint for r in first} == {"week 24", "week 52"}
    assert all(c.trial_id != "admire-cd" or c.endpoint != "combined-remission" for c in ev.continuous)
    (eff,) = [e for e in ev.effects if e.endpoint == "combined-remission" and e.timepoint == "week 24"]
    assert eff.use.startswith("counts first")


def test_continuous_json_is_strict_and_the_plot_draws_md_on_a_linear_axis(tmp_path: Path) -> None:
    data = _with_trials(tmp_path, CONTINUOUS_TRIALS)
    result = runner.invoke(
        app, ["evidence", "--data-dir", str(data), "--indication", "knee-oa", "--format", "json"]
    )
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"JSON holds {c}"))
    (smd,) = [p for p in out["pooled"] if p["endpoint"] == "womac-pain"]
    assert smd["measure_choice"].startswith("standardised mean difference")
    assert smd["studies"][0]["arms_continuous"][0]["n"] == 30
    medians = [c for c in out["continuous"] if c["trial"] == "zz-cont-5"]
    assert medians and medians[0]["arms"][0]["median"] == 3.0 and medians[0]["difference"] is None
    assert {e["measure"] for e in out["reported_effects"]} == {"hr"}
    svg = tmp_path / "forest.svg"
    result = runner.invoke(
        app, ["evidence", "--data-dir", str(data), "--indication", "knee-oa", "--plot", str(svg)]
    )
    assert result.exit_code == 0, result.stderr
    text = svg.read_text(encoding="utf-8")
    ET.fromstring(text)
    assert "Standardised mean difference (Hedges' g)" in text and "Hazard ratio" in text
    assert "(log scale)" in text  # the hazard ratios
    assert "favours MSC" in text


def test_certainty_reads_where_each_outcome_s_figures_come_from(tmp_path: Path) -> None:
    """figure_source is a risk-of-bias proxy: a secondary source (news) rates down, a primary
    report clears the trial-level proxy (a trial cited only by the seed)."""
    extra = CONTINUOUS_TRIALS.replace(
        'endpoint_label: "WOMAC pain"\n        timepoint: "month 6"',
        'endpoint_label: "WOMAC pain"\n        timepoint: "month 6"\n        figure_source: FS',
    )
    trials = extra.split("\n  - id: ")
    news = trials[1].replace("FS", "news")
    primary = [t.replace("FS", "primary") for t in trials[2:5]]
    data = _with_trials(tmp_path, "\n  - id: ".join(["", news, *primary]))
    ev = analyse(load_dataset(data), EvidenceFilter(indication="knee-oa", endpoints=("womac-pain",)))
    (pool,) = ev.pooled
    assert pool.certainty is not None
    (rob,) = [s for s in pool.certainty.steps if s.domain == "risk of bias"]
    assert "zz-cont-1: figures from a secondary source (news)" in rob.reason
    assert "zz-cont-2" not in rob.reason and "secondary sources only" not in rob.reason
    (imp,) = [s for s in pool.certainty.steps if s.domain == "imprecision"]
    assert "participants in all (fewer than 400)" in imp.reason


def test_lang_zh_gives_the_headers_i18n_holds() -> None:
    en = runner.invoke(app, ["evidence", "--indication", "gvhd", "--format", "markdown"])
    zh = runner.invoke(app, ["evidence", "--indication", "gvhd", "--format", "markdown", "--lang", "zh"])
    assert en.exit_code == zh.exit_code == 0, zh.stderr
    assert "| Trial | Arm | Endpoint | Timepoint | Design |" in en.stdout
    assert "| 试验 | 组别 | 终点 | 时间点 | 设计 |" in zh.stdout
    assert "| 适应症 | 终点 | 时间点 | 类型 | 试验 |" in zh.stdout  # not pooled
    assert "移植物抗宿主病" in zh.stdout or "Graft-versus-host" not in zh.stdout  # indication names too
