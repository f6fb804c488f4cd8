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
from mscref.data.loader import bundled_data_dir
from mscref.data.models import timepoint_days
from mscref.evidence.methods import Subgroup
from mscref.evidence.stats import EvidenceFilter, analyse

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


def test_every_outcome_with_numbers_is_pooled_or_listed(bundled: Dataset) -> None:
    ev = analyse(bundled, EvidenceFilter())
    # a pool names its timepoint once (week 4 pools as day 28): compare timepoints in days
    pooled = {(s.trial_id, p.endpoint, timepoint_days(p.timepoint)) for p in ev.pooled for s in p.studies}
    listed = {(r.trial_id, r.endpoint, r.timepoint) for r in ev.refusals}
    for t in bundled.trials:
        if not bundled.is_msc(t):
            continue
        for o in t.outcomes:
            if any(a.events is not None or a.value is not None for a in o.arms):
                key = (t.id, o.endpoint, o.timepoint)
                in_pool = (t.id, o.endpoint, timepoint_days(o.timepoint)) in pooled
                assert in_pool or key in listed, f"{key} neither pooled nor listed"
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
    from mscref.render.plots import figure_bytes, pools_figure

    ev = analyse(bundled, EvidenceFilter(indication="gvhd", endpoints=("overall-response",)))
    p = ev.pooled[0]
    odd = dataclasses.replace(
        p,
        endpoint_label=r"cost $\frac$ of 5$",
        studies=tuple(dataclasses.replace(s, label=r"$\frac{a}$ (1/2)") for s in p.studies),
    )
    svg = figure_bytes(pools_figure(bundled, [odd]), "svg")
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
