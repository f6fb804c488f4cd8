"""Continuous outcomes and reported effects: pooled like the counts, medians never as means."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import special

from mscref.evidence import meta
from mscref.evidence.continuous import (
    ArmSummary,
    ContinuousStudy,
    ReportedEffect,
    arm_summary_from_model,
    continuous_inputs,
    pool_inputs,
    reported_effect_from_model,
    reported_inputs,
)
from mscref.evidence.stats import PooledEstimate

WHERE = {"indication": "knee-oa", "endpoint": "pain", "endpoint_label": "Pain (VAS)", "timepoint": "month 6"}


def test_hedges_g_by_hand() -> None:
    # d = (10 - 8) / pooled SD; J = exact gamma-function correction; var = 1/n1 + 1/n2 + g²/(2N)
    g, v = meta.hedges_g(*(np.array([x], dtype=float) for x in (10, 2, 20, 8, 3, 25)))
    sp = math.sqrt((19 * 4 + 24 * 9) / 43)
    j = math.exp(math.lgamma(43 / 2) - math.log(math.sqrt(43 / 2)) - math.lgamma(42 / 2))
    assert j == pytest.approx(1 - 3 / (4 * 43 - 1), rel=1e-4)  # Hedges' approximation agrees
    assert g[0] == pytest.approx(j * 2 / sp)
    assert v[0] == pytest.approx(1 / 20 + 1 / 25 + g[0] ** 2 / 90)


def test_generic_inverse_variance_from_a_hazard_ratio_and_its_ci() -> None:
    y, v = meta.from_interval(np.array([0.7]), np.array([0.5]), np.array([0.98]), ratio=True)
    z = special.ndtri(0.975)
    assert y[0] == pytest.approx(math.log(0.7))
    assert math.sqrt(v[0]) == pytest.approx((math.log(0.98) - math.log(0.5)) / (2 * z))
    _y90, v90 = meta.from_interval(np.array([0.7]), np.array([0.5]), np.array([0.98]), ratio=True, level=0.9)
    assert math.sqrt(v90[0]) == pytest.approx((math.log(0.98) - math.log(0.5)) / (2 * special.ndtri(0.95)))


def test_mean_differences_pool_and_medians_are_refused() -> None:
    studies = [
        ContinuousStudy("a", ArmSummary(30, mean=3.1, sd=1.2), ArmSummary(28, mean=4.0, sd=1.4)),
        ContinuousStudy("b", ArmSummary(45, mean=2.8, se=0.2), ArmSummary(44, mean=3.9, se=0.21)),
        ContinuousStudy("c", ArmSummary(20, mean=3.5, sd=1.0), ArmSummary(21, mean=3.8, sd=1.1)),
        ContinuousStudy(
            "d", ArmSummary(15, median=3.0, q1=2.0, q3=4.5), ArmSummary(15, median=4.0, q1=3.0, q3=5.0)
        ),
        ContinuousStudy("e", ArmSummary(15, mean=3.0), ArmSummary(15, mean=4.0)),
    ]
    inputs, refused = continuous_inputs(studies, "md")
    assert [i.trial_id for i in inputs] == ["a", "b", "c"]
    assert refused == [
        (
            "d",
            "reported as medians (median 3, IQR 2–4.5, n = 15 vs median 4, IQR 3–5, n = 15): "
            "shown, never pooled as means",
        ),
        ("e", "no SD or SE in both arms: its variance is unknown"),
    ]
    # the SE is turned into an SD with √n
    assert inputs[1].variance == pytest.approx(0.2**2 + 0.21**2)
    p = pool_inputs(inputs, "md", **WHERE)
    assert isinstance(p, PooledEstimate)
    assert p.kind == "mean difference" and p.k == 3
    ref = meta.random_effects(
        np.array([[i.effect for i in inputs]]),
        np.array([[i.variance for i in inputs]]),
        np.ones((1, 3), dtype=bool),
    )
    assert p.estimate == pytest.approx(float(ref.estimate[0]))
    assert p.pi_low is not None and len(p.leave_one_out) == 3
    assert p.certainty is not None and p.certainty.start == "high"
    assert all("events" not in s.reason for s in p.certainty.steps)
    assert (
        pool_inputs(inputs[:1], "md", **WHERE)
        == "fewer than two studies with usable figures; nothing to pool"
    )


def test_reported_effects_pool_on_the_log_scale_and_never_mix_measures() -> None:
    effects = [
        ReportedEffect("a", "hr", 0.7, 0.5, 0.98),
        ReportedEffect("b", "hr", 0.85, 0.6, 1.2),
        ReportedEffect("c", "hr", 0.6, 0.4, 0.9),
    ]
    inputs, refused = reported_inputs(effects)
    assert refused == []
    p = pool_inputs(inputs, "hr", **WHERE)
    assert isinstance(p, PooledEstimate)
    assert p.kind == "hazard ratio" and p.is_ratio and p.null == 1.0
    assert 0.5 < p.estimate < 0.9
    mixed, why = reported_inputs([*effects, ReportedEffect("d", "or", 1.2, 0.9, 1.6)])
    assert mixed == [] and why[0][1] == "measures differ (hr, or): not pooled together"
    bad, why = reported_inputs([ReportedEffect("x", "hr", 2.0, 0.5, 0.9)])
    assert bad == [] and "does not hold the estimate" in why[0][1]


def test_adapters_read_the_model_fields_by_name() -> None:
    arm = SimpleNamespace(total=40, mean=None, sd=None, se=None, median=12.5, iqr_low=8.0, iqr_high=20.0)
    assert arm_summary_from_model(arm) == ArmSummary(40, median=12.5, q1=8.0, q3=20.0)
    effect = SimpleNamespace(
        measure=SimpleNamespace(value="HR"), estimate=0.66, ci_low=0.45, ci_high=0.97, level=95
    )
    assert reported_effect_from_model("t", effect, "year 1") == ReportedEffect(
        "t", "hr", 0.66, 0.45, 0.97, 0.95, "year 1"
    )
