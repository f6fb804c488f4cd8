"""Evidence statistics against hand computations and independent implementations."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats as sps
from typer.testing import CliRunner

from mscref.cli import app
from mscref.data.dataset import Dataset
from mscref.evidence.methods import CIMethod, SummaryCI, Tau2Method
from mscref.evidence.stats import (
    ArmCount,
    EvidenceFilter,
    PoolingError,
    _Input,
    analyse,
    compare_arms,
    pool,
    proportion_interval,
)

runner = CliRunner()
Z = 1.959963984540054


def wilson(x: int, n: int) -> tuple[float, float]:
    p = x / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / (1 + Z**2 / n)
    return centre - half, centre + half


def test_wilson_interval_of_12_of_30() -> None:
    iv = proportion_interval(12, 30, CIMethod.WILSON)
    assert (round(iv.low, 4), round(iv.high, 4)) == (0.2459, 0.5768)
    assert iv.method == "Wilson score"


@pytest.mark.parametrize(("x", "n"), [(38, 54), (0, 9), (9, 9), (157, 241)])
def test_exact_interval_is_clopper_pearson(x: int, n: int) -> None:
    iv = proportion_interval(x, n, CIMethod.EXACT)
    low = 0.0 if x == 0 else sps.beta.ppf(0.025, x, n - x + 1)
    high = 1.0 if x == n else sps.beta.ppf(0.975, x + 1, n - x)
    assert iv.low == pytest.approx(low, abs=1e-9)
    assert iv.high == pytest.approx(high, abs=1e-9)


def test_wald_interval_by_hand() -> None:
    iv = proportion_interval(38, 54, CIMethod.WALD)
    p = 38 / 54
    half = Z * math.sqrt(p * (1 - p) / 54)
    assert (iv.low, iv.high) == pytest.approx((p - half, p + half))


def test_two_arm_effects_by_hand() -> None:
    t, c = ArmCount("msc", "MSC", 24, 40, True), ArmCount("placebo", "placebo", 19, 38, True)
    rd, rr, or_, corr = compare_arms(t, c)
    assert corr is None
    # Newcombe's hybrid score interval (method 10) from the two Wilson intervals
    (l1, u1), (l2, u2) = wilson(24, 40), wilson(19, 38)
    p1, p2 = 0.6, 0.5
    assert rd.estimate == pytest.approx(0.1)
    assert rd.low == pytest.approx(0.1 - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2))
    assert rd.high == pytest.approx(0.1 + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2))
    # Woolf's logit interval of the odds ratio
    se = math.sqrt(1 / 24 + 1 / 16 + 1 / 19 + 1 / 19)
    assert or_.estimate == pytest.approx(1.5)
    assert (or_.low, or_.high) == pytest.approx((1.5 * math.exp(-Z * se), 1.5 * math.exp(Z * se)))
    # Katz's log interval of the risk ratio
    se_rr = math.sqrt(1 / 24 - 1 / 40 + 1 / 19 - 1 / 38)
    assert (rr.low, rr.high) == pytest.approx((1.2 * math.exp(-Z * se_rr), 1.2 * math.exp(Z * se_rr)))


def test_zero_cell_gets_a_stated_continuity_correction() -> None:
    rd, rr, or_, corr = compare_arms(ArmCount("a", "a", 0, 20, False), ArmCount("b", "b", 5, 20, False))
    assert corr == 0.5
    assert "0.5 added to every cell" in or_.method and "0.5 added to every cell" in rr.method
    assert or_.estimate == pytest.approx((0.5 / 20.5) / (5.5 / 15.5))
    assert rd.estimate == pytest.approx(-0.25)
    assert math.isfinite(or_.low) and or_.low > 0


def independent_re(effects: np.ndarray, variances: np.ndarray) -> dict[str, float]:
    """DerSimonian-Laird and Paule-Mandel written out from their definitions."""
    w = 1 / variances
    fe = np.sum(w * effects) / np.sum(w)
    q = float(np.sum(w * (effects - fe) ** 2))
    df = len(effects) - 1
    c = np.sum(w) - np.sum(w**2) / np.sum(w)
    dl = max(0.0, (q - df) / c)

    # Paule-Mandel: tau2 such that the generalised Q equals df (bisection)
    def gen_q(t2: float) -> float:
        wt = 1 / (variances + t2)
        m = np.sum(wt * effects) / np.sum(wt)
        return float(np.sum(wt * (effects - m) ** 2))

    if gen_q(0.0) <= df:
        pm = 0.0
    else:
        lo, hi = 0.0, 100.0
        for _ in range(200):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if gen_q(mid) > df else (lo, mid)
        pm = (lo + hi) / 2
    wt = 1 / (variances + pm)
    est = float(np.sum(wt * effects) / np.sum(wt))
    se = math.sqrt(1 / np.sum(wt))
    return {
        "q": q,
        "dl": dl,
        "pm": pm,
        "est": est,
        "low": est - Z * se,
        "high": est + Z * se,
        "i2": max(0.0, (q - df) / q),
    }


def logit_inputs(pairs: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    x = np.array([a for a, _ in pairs], dtype=float)
    n = np.array([b for _, b in pairs], dtype=float)
    return np.log(x / (n - x)), 1 / x + 1 / (n - x)


def expit(v: float) -> float:
    return 1 / (1 + math.exp(-v))


def test_pooled_gvhd_single_arm_response_matches_an_independent_computation(bundled: Dataset) -> None:
    ev = analyse(
        bundled,
        EvidenceFilter(indication="gvhd", endpoints=("overall-response",)),
        tau2_method=Tau2Method.PM,
        summary_ci=SummaryCI.Z,
    )
    (single,) = [p for p in ev.pooled if p.kind == "single-arm proportion"]
    assert single.timepoint == "day 28"
    counts = sorted(s.label for s in single.studies)
    assert counts == [
        "amimestrocel-trial-b (34/54*)",
        "gvhd-unrelated-bm-msc-phase1-2 (13/14)",
        "msb-gvhd001 (38/54)",
        "study-275 (157/241)",
    ]
    eff, var = logit_inputs([(38, 54), (34, 54), (157, 241), (13, 14)])
    ref = independent_re(eff, var)
    assert single.q == pytest.approx(ref["q"])
    assert single.tau2 == pytest.approx(ref["pm"], abs=1e-8)
    # I² from τ² (metafor's definition); it equals (Q - df) / Q only when both are 0
    w0 = 1 / var
    s2 = (len(var) - 1) / (np.sum(w0) - np.sum(w0**2) / np.sum(w0))
    assert single.i2 == pytest.approx(single.tau2 / (single.tau2 + s2))
    assert single.estimate == pytest.approx(expit(ref["est"]))
    assert (single.low, single.high) == pytest.approx((expit(ref["low"]), expit(ref["high"])))
    assert any("derived" in n and "amimestrocel-trial-b" in n for n in single.notes)


def test_heterogeneous_pool_matches_paule_mandel(bundled: Dataset) -> None:
    ev = analyse(
        bundled,
        EvidenceFilter(indication="gvhd", endpoints=("complete-response",)),
        tau2_method=Tau2Method.PM,
    )
    (single,) = [p for p in ev.pooled if p.kind == "single-arm proportion"]
    eff, var = logit_inputs([(16, 54), (30, 54), (34, 241), (8, 14), (12, 48)])
    k = len(eff)
    ref = independent_re(eff, var)
    assert ref["pm"] > 0.1  # a genuinely heterogeneous case
    assert single.tau2 == pytest.approx(ref["pm"], rel=1e-4)
    assert single.estimate == pytest.approx(expit(ref["est"]), rel=1e-4)
    # Hartung-Knapp-Sidik-Jonkman by hand: the weighted residual variance scales the SE, t(k-1)
    w = 1 / (var + single.tau2)
    mu = float(np.sum(w * eff) / np.sum(w))
    se = math.sqrt(float(np.sum(w * (eff - mu) ** 2)) / (k - 1) / float(np.sum(w)))
    crit = sps.t.ppf(0.975, k - 1)
    assert (single.low, single.high) == pytest.approx(
        (expit(mu - crit * se), expit(mu + crit * se)), rel=1e-6
    )
    assert single.stat_name == "t" and single.df == k - 1
    assert single.p == pytest.approx(2 * sps.t.sf(abs(mu / se), k - 1), rel=1e-6)
    # the prediction interval: t with k-2 df on sqrt(se² + τ²)
    half = sps.t.ppf(0.975, k - 2) * math.sqrt(se**2 + single.tau2)
    assert (single.pi_low, single.pi_high) == pytest.approx((expit(mu - half), expit(mu + half)), rel=1e-6)
    # I² from τ² (metafor's definition), not (Q - df) / Q
    w0 = 1 / var
    s2 = (k - 1) / (np.sum(w0) - np.sum(w0**2) / np.sum(w0))
    assert single.i2 == pytest.approx(single.tau2 / (single.tau2 + s2))


def test_dersimonian_laird_negative_tau2_is_truncated() -> None:
    inputs = [
        _Input("a", "a", 0.50, 0.04, False, False, "day 28"),
        _Input("b", "b", 0.52, 0.05, False, False, "day 28"),
        _Input("c", "c", 0.49, 0.03, False, False, "week 4"),
    ]
    ref = independent_re(np.array([0.5, 0.52, 0.49]), np.array([0.04, 0.05, 0.03]))
    assert ref["q"] < 2  # Q below its df: the raw DL moment estimate is negative
    studies, summary = pool(
        inputs, scale="test", back="identity", tau2_method=Tau2Method.DL, summary_ci=SummaryCI.Z
    )
    assert summary["tau2"] == 0.0
    assert summary["i2"] == 0.0
    weights = [s.weight for s in studies]
    assert all(w > 0 for w in weights)
    assert sum(weights) == pytest.approx(1.0)
    assert summary["estimate"] == pytest.approx(ref["est"])


def test_pooling_outcomes_at_different_timepoints_is_refused() -> None:
    inputs = [
        _Input("a", "a", 0.5, 0.04, False, False, "day 28"),
        _Input("b", "b", 0.6, 0.05, False, False, "day 56"),
    ]
    with pytest.raises(
        PoolingError, match=r"refusing to pool outcomes at different timepoints \(day 28, day 56\)"
    ):
        pool(inputs, scale="x", back="identity", tau2_method=Tau2Method.PM)


def test_evidence_says_why_it_does_not_pool_across_timepoints() -> None:
    result = runner.invoke(app, ["evidence", "--indication", "crohns-perianal-fistula", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["pooled"] == []
    reasons = [r["reason"] for r in data["not_pooled"]]
    expected = "reported at different timepoints (week 24, week 52); each timepoint is pooled on its own"
    assert f"{expected}, never together" in reasons
    assert any(r.startswith("only one study (admire-cd") for r in reasons)
    # single-arm rates and controlled comparisons are never in one pool
    kinds = {
        r["kind"]
        for r in data["not_pooled"]
        if r["timepoint"] == "week 24" and r["kind"] not in ("values only", "reported effect")
    }
    assert kinds == {"single-arm proportion", "odds ratio"}
    # the risk difference ADMIRE-CD reports beside its counts is not pooled a second time
    (rd,) = [r for r in data["not_pooled"] if r["timepoint"] == "week 24" and r["kind"] == "reported effect"]
    assert rd["reason"].startswith("counts first")


def test_evidence_json_has_every_figure() -> None:
    result = runner.invoke(app, ["evidence", "--indication", "gvhd", "--ci", "wilson", "--format", "json"])
    data = json.loads(result.stdout)
    assert data["ci_method"] == "Wilson score"
    p = data["proportions"][0]
    assert {"trial", "events", "total", "estimate", "low", "high", "method", "derived"} <= p.keys()
    pooled = data["pooled"][0]
    assert {"tau2", "tau2_ci", "tau2_note", "i2", "i2_ci", "q", "df", "p"} == pooled["heterogeneity"].keys()
    assert {"statistic", "value", "df", "p"} == pooled["test"].keys()
    assert pooled["prediction_interval"].keys() == {"low", "high", "note"}
    assert pooled["certainty"]["note"].startswith("automated first pass")
    assert sum(s["weight"] for s in pooled["studies"]) == pytest.approx(1.0)
    comp = data["comparisons"][0]
    assert {"risk_difference", "risk_ratio", "odds_ratio"} <= comp.keys()


def test_no_derived_leaves_derived_counts_out() -> None:
    data = json.loads(
        runner.invoke(app, ["evidence", "--indication", "gvhd", "--no-derived", "--format", "json"]).stdout
    )
    assert all(not p["derived"] for p in data["proportions"])
    assert "amimestrocel-trial-b overall-response day 28" in data["excluded_derived"]


def test_table_view_shows_a_text_forest() -> None:
    result = runner.invoke(
        app, ["evidence", "--indication", "gvhd", "--endpoint", "overall-response", "--format", "markdown"]
    )
    assert result.exit_code == 0
    assert "◆" in result.stdout and "■" in result.stdout
    assert "Heterogeneity: τ² = 0.000 (0.000–11.902), I² = 0% (0%–99%)" in result.stdout


def test_forest_plot_svg(tmp_path: Path) -> None:
    target = tmp_path / "forest.svg"
    result = runner.invoke(app, ["evidence", "--indication", "gvhd", "--plot", str(target)])
    assert result.exit_code == 0, result.stderr
    assert result.stderr.startswith(f"wrote {target}")
    root = ET.fromstring(target.read_bytes())
    texts = "".join(root.itertext())
    assert "Total, random effects (k = 4)" in texts
    assert "msb-gvhd001" in texts and "38/54" in texts
    assert "I² = 0% (0%–99%)" in texts
    assert "95% prediction interval" in texts
    again = runner.invoke(app, ["evidence", "--indication", "gvhd", "--plot", str(target)])
    assert again.exit_code == 1 and "exists" in again.stderr


def test_forest_plot_png_and_bad_suffix(tmp_path: Path) -> None:
    png = tmp_path / "forest.png"
    assert runner.invoke(app, ["evidence", "--indication", "gvhd", "--plot", str(png)]).exit_code == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = runner.invoke(app, ["evidence", "--indication", "gvhd", "--plot", str(tmp_path / "f.pdf")])
    assert bad.exit_code == 2
    assert "use a .svg or .png file name" in bad.stderr
    nothing = runner.invoke(
        app, ["evidence", "--indication", "crohns-perianal-fistula", "--plot", str(tmp_path / "a.svg")]
    )
    assert nothing.exit_code == 0, nothing.stderr
    assert "nothing to pool for this selection" in nothing.stderr
    shown = "".join(ET.fromstring((tmp_path / "a.svg").read_bytes()).itertext())
    assert "Nothing to pool for this selection." in shown
    assert "Not pooled:" in shown and "reported as values only" in shown


def test_bad_timepoint_is_a_usage_error() -> None:
    result = runner.invoke(app, ["evidence", "--timepoint", "28 days"])
    assert result.exit_code == 2
    assert "write it as 'day 28'" in result.stderr


@pytest.mark.parametrize(
    ("trial", "reported"),
    [("amimestrocel-trial-a", "0.375"), ("msc-basiliximab-rct", "0.001")],
)
def test_chi_square_reproduces_the_published_p_values(bundled: Dataset, trial: str, reported: str) -> None:
    """The papers' p-values come back from the (partly derived) counts: a check on both."""
    ev = analyse(bundled, EvidenceFilter(indication="gvhd"))
    (row,) = [c for c in ev.comparisons if c.trial_id == trial and c.reported_p]
    assert row.reported_p == reported
    assert f"{row.p_value:.3f}" == reported


def test_a_self_contradicting_trial_stays_out_of_every_pool_with_its_reason(bundled: Dataset) -> None:
    import dataclasses

    flagged = tuple(
        dataclasses.replace(t, contradiction="30/36 responders in a 34-patient arm")
        if t.id == "study-275"
        else t
        for t in bundled.trials
    )
    ds = dataclasses.replace(bundled, trials=flagged)
    flt = EvidenceFilter(indication="gvhd", endpoints=("overall-response",))
    before = analyse(bundled, flt)
    after = analyse(ds, flt)
    assert any(s.trial_id == "study-275" for p in before.pooled for s in p.studies)
    assert not any(s.trial_id == "study-275" for p in after.pooled for s in p.studies)
    assert not any(r.trial_id == "study-275" for r in after.proportions)
    (reason,) = [r for r in after.refusals if r.kind == "left out"]
    assert reason.reason.startswith("study-275: the trial's source contradicts itself (30/36 responders")
    assert reason.endpoint == "overall-response" and reason.timepoint == "day 28"


def test_an_outcome_marked_no_pooling_is_left_out(bundled: Dataset) -> None:
    import dataclasses

    def mark(t: Any) -> Any:
        if t.id != "msb-gvhd001":
            return t
        outcomes = tuple(
            dataclasses.replace(o, no_pooling="figures read from a press release") if o.primary else o
            for o in t.outcomes
        )
        return dataclasses.replace(t, outcomes=outcomes)

    ds = dataclasses.replace(bundled, trials=tuple(mark(t) for t in bundled.trials))
    after = analyse(ds, EvidenceFilter(indication="gvhd", endpoints=("overall-response",)))
    assert [r.reason for r in after.refusals if r.kind == "left out"] == [
        "msb-gvhd001: figures read from a press release; not pooled"
    ]


def _reml_maximum(y: np.ndarray, v: np.ndarray) -> float:
    """τ² that maximises the REML likelihood, found by scipy's bounded search (not by scoring)."""
    from scipy.optimize import minimize_scalar

    def minus_ll(t2: float) -> float:
        w = 1 / (v + t2)
        mu = np.sum(w * y) / np.sum(w)
        return 0.5 * (np.sum(np.log(v + t2)) + np.log(np.sum(w)) + np.sum(w * (y - mu) ** 2))

    found = minimize_scalar(minus_ll, bounds=(0.0, 100.0), method="bounded", options={"xatol": 1e-10})
    return float(found.x) if minus_ll(float(found.x)) < minus_ll(0.0) else 0.0


@pytest.mark.parametrize(
    ("y", "v"),
    [
        # plain Fisher scoring swings ever wider here and, capped, stopped at τ² 0.443
        ([0, 0, 3, 0, 0, 0, 0], [5, 3, 1, 3, 3, 4, 3]),
        ([0, 0, 0, 4, 0], [4, 4, 4, 0.5, 4]),
        # plain scoring swings here without settling (1,000 passes, 4e-6 from the maximum)
        (
            [
                0.1605701704,
                -0.0560346227,
                -0.0327991749,
                -0.2053251117,
                0.1773575237,
                -0.0539483386,
                0.0563334280,
                -0.0434370541,
                -0.0151609282,
            ],
            [
                0.0027943466,
                0.0341196672,
                0.1062920651,
                0.0371380725,
                0.0707395052,
                0.0140701500,
                0.0567137599,
                0.1024259814,
                0.0318396649,
            ],
        ),
        ([0.1, 0.3, -0.2, 0.5], [0.04, 0.05, 0.03, 0.06]),  # scoring climbs without help
        ([1, 1, 1], [1, 2, 3]),  # τ² = 0
    ],
)
def test_reml_tau2_is_the_likelihood_maximum(y: list[float], v: list[float]) -> None:
    from mscref.evidence import meta

    ya, va = np.array([y], dtype=float), np.array([v], dtype=float)
    found = float(meta.tau2_reml(ya, va, np.ones_like(ya, dtype=bool))[0])
    assert found == pytest.approx(_reml_maximum(ya[0], va[0]), rel=1e-6, abs=1e-9)
