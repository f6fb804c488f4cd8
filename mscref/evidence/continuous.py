"""Continuous outcomes and reported effect estimates: mean difference, Hedges' g and generic
inverse variance (log HR, log OR … from an estimate and its CI), pooled as the binary outcomes
are (same τ² estimators, summary intervals, prediction interval, leave-one-out, certainty).

Medians and IQRs are shown, never pooled as means: a study that reports only a median is
refused with that reason (no conversion method is applied silently).

The data model's continuous fields reach the analysis (``analyse`` in
:mod:`mscref.evidence.stats`) through the two adapters at the bottom,
:func:`arm_summary_from_model` and :func:`reported_effect_from_model`, which read attributes by
name.
"""

from __future__ import annotations

import math
from typing import Any

from mscref.data.record import record
from mscref.evidence.methods import Measure, PoolMethod, SummaryCI, Tau2Method
from mscref.evidence.stats import (
    _OTHER_SCALES,
    RATIO_KINDS,
    PooledEstimate,
    _fit_iv,
    _Input,
    _replace,
    _with_small_study,
)


@record
class ArmSummary:
    """One arm of a continuous outcome as reported: n with mean and SD (or SE), or a median with
    its quartiles."""

    n: int | None
    mean: float | None = None
    sd: float | None = None
    se: float | None = None
    median: float | None = None
    q1: float | None = None
    q3: float | None = None

    def spread(self) -> float | None:
        """The SD, from the SE when only that is reported (SD = SE √n)."""
        if self.sd is not None:
            return self.sd
        if self.se is not None and self.n:
            return self.se * math.sqrt(self.n)
        return None

    def shown(self) -> str:
        if self.mean is not None:
            sd = self.spread()
            return f"{self.mean:g} ({'SD ' + format(sd, 'g') if sd is not None else 'no SD'}), n = {self.n}"
        if self.median is not None:
            iqr = f", IQR {self.q1:g}–{self.q3:g}" if self.q1 is not None and self.q3 is not None else ""
            return f"median {self.median:g}{iqr}, n = {self.n}"
        return f"n = {self.n}"


@record
class ContinuousStudy:
    trial_id: str
    treatment: ArmSummary  # the MSC arm
    control: ArmSummary
    timepoint: str | None = None
    randomized: bool = True
    flags: tuple[str, ...] = ()


@record
class ReportedEffect:
    """An effect the source reports with its CI: measure 'hr', 'or', 'rr' (ratios, pooled on the
    log scale), 'md' or 'smd' (differences)."""

    trial_id: str
    measure: str
    estimate: float
    low: float
    high: float
    level: float = 0.95
    timepoint: str | None = None
    randomized: bool = True
    flags: tuple[str, ...] = ()


def continuous_inputs(
    studies: list[ContinuousStudy], measure: str
) -> tuple[list[_Input], list[tuple[str, str]]]:
    """Each study as an effect and variance (MD or Hedges' g), or (trial, reason) when it cannot
    be: medians without means, a missing SD, an arm without n."""
    import numpy as np

    from mscref.evidence.meta import hedges_g, mean_differences

    if measure not in ("md", "smd"):
        raise ValueError(f"continuous measure must be 'md' or 'smd', not {measure!r}")
    usable: list[ContinuousStudy] = []
    refused: list[tuple[str, str]] = []
    for s in studies:
        arms = (s.treatment, s.control)
        if any(a.mean is None and a.median is not None for a in arms):
            refused.append(
                (
                    s.trial_id,
                    f"reported as medians ({s.treatment.shown()} vs {s.control.shown()}): "
                    "shown, never pooled as means",
                )
            )
        elif any(a.mean is None for a in arms):
            refused.append((s.trial_id, "no mean in both arms"))
        elif any(a.spread() is None for a in arms):
            refused.append((s.trial_id, "no SD or SE in both arms: its variance is unknown"))
        elif any(not a.n or a.n < 2 for a in arms):
            refused.append((s.trial_id, "an arm without its size (n >= 2)"))
        else:
            usable.append(s)
    if not usable:
        return [], refused

    def col(get: Any) -> Any:
        return np.array([get(s) for s in usable], dtype=float)

    args = (
        col(lambda s: s.treatment.mean),
        col(lambda s: s.treatment.spread()),
        col(lambda s: s.treatment.n),
        col(lambda s: s.control.mean),
        col(lambda s: s.control.spread()),
        col(lambda s: s.control.n),
    )
    y, v = (mean_differences if measure == "md" else hedges_g)(*args)
    inputs = [
        _Input(
            s.trial_id,
            f"{s.trial_id} ({s.treatment.shown()} vs {s.control.shown()})",
            float(yi),
            float(vi),
            False,
            False,
            s.timepoint,
            flags=s.flags,
            randomized=s.randomized,
        )
        for s, yi, vi in zip(usable, y.tolist(), v.tolist(), strict=True)
    ]
    return inputs, refused


def reported_inputs(effects: list[ReportedEffect]) -> tuple[list[_Input], list[tuple[str, str]]]:
    """Generic inverse variance: each reported estimate and CI as an effect and variance on the
    pooling scale (log for ratios); effects of different measures are refused, not mixed."""
    import numpy as np

    from mscref.evidence.meta import from_interval

    refused: list[tuple[str, str]] = []
    usable = []
    measures = {e.measure for e in effects}
    if len(measures) > 1:
        return [], [
            (e.trial_id, f"measures differ ({', '.join(sorted(measures))}): not pooled together")
            for e in effects
        ]
    for e in effects:
        ratio = e.measure in RATIO_KINDS
        if not e.low <= e.estimate <= e.high or (ratio and e.low <= 0):
            refused.append(
                (e.trial_id, f"the CI {e.low:g}–{e.high:g} does not hold the estimate {e.estimate:g}")
            )
        else:
            usable.append(e)
    if not usable:
        return [], refused
    ratio = usable[0].measure in RATIO_KINDS
    y, v = from_interval(
        np.array([e.estimate for e in usable]),
        np.array([e.low for e in usable]),
        np.array([e.high for e in usable]),
        ratio=ratio,
        level=np.array([e.level for e in usable]),
    )
    inputs = [
        _Input(
            e.trial_id,
            f"{e.trial_id} ({e.measure.upper()} {e.estimate:g}, {100 * e.level:g}% CI {e.low:g}–{e.high:g})",
            float(yi),
            float(vi),
            False,
            False,
            e.timepoint,
            flags=e.flags,
            randomized=e.randomized,
        )
        for e, yi, vi in zip(usable, y.tolist(), v.tolist(), strict=True)
    ]
    return inputs, refused


def pool_inputs(
    inputs: list[_Input],
    measure: str,
    *,
    indication: str,
    endpoint: str,
    endpoint_label: str,
    timepoint: str,
    tau2_method: Tau2Method = Tau2Method.REML,
    summary_ci: SummaryCI = SummaryCI.HKSJ,
) -> PooledEstimate | str:
    """One random-effects pool of continuous or reported effects; a reason when k < 2."""
    from mscref.evidence.certainty import rate
    from mscref.evidence.stats import _leave_one_out_all, _Pending

    if len(inputs) < 2:
        return "fewer than two studies with usable figures; nothing to pool"
    kind, scale, back = _OTHER_SCALES[measure]
    ((studies, summary),) = _fit_iv(
        [inputs], scale=scale, back=back, tau2_method=tau2_method, summary_ci=summary_ci
    )
    pending = _Pending(kind, indication, endpoint, None, "", inputs)
    loo = _leave_one_out_all(
        [pending], {kind: (scale, back)}, Measure.OR, tau2_method, summary_ci, PoolMethod.IV
    )
    est = PooledEstimate(
        indication,
        endpoint,
        endpoint_label,
        timepoint,
        kind,
        scale,
        tuple(studies),
        notes=(),
        leave_one_out=loo.get(id(pending), ()),
        **summary,
    )
    est = _with_small_study(est, back)
    return _replace(est, certainty=rate(est, inputs))


# ------------------------------------------------------------------------------------------
# Adapters from the data model (analyse() in mscref.evidence.stats calls them)


def arm_summary_from_model(arm: Any) -> ArmSummary:
    """An arm result of the data model as an :class:`ArmSummary`. Reads, by name, ``n`` (or
    ``n_analysed``, else ``total``), ``mean``, ``sd``, ``se``, ``median``, ``q1`` and ``q3``
    (each may be absent or None); the IQR may instead be given as ``iqr_low``/``iqr_high``."""

    def get(*names: str) -> Any:
        for name in names:
            value = getattr(arm, name, None)
            if value is not None:
                return value
        return None

    return ArmSummary(
        n=get("n", "n_analysed", "total"),
        mean=get("mean"),
        sd=get("sd"),
        se=get("se"),
        median=get("median"),
        q1=get("q1", "iqr_low"),
        q3=get("q3", "iqr_high"),
    )


def reported_effect_from_model(trial_id: str, effect: Any, timepoint: str | None = None) -> ReportedEffect:
    """A reported effect of the data model as a :class:`ReportedEffect`. Reads ``measure``
    (HR, OR, RR, MD, SMD in any case; an enum's value is taken), ``estimate``, ``low``/``high``
    (or ``ci_low``/``ci_high``) and ``level`` or ``ci_level`` (0.95 or 95; default 0.95)."""
    measure = effect.measure
    measure = str(getattr(measure, "value", measure)).lower()
    low = getattr(effect, "low", None)
    high = getattr(effect, "high", None)
    if low is None:
        low = effect.ci_low
    if high is None:
        high = effect.ci_high
    level = getattr(effect, "level", None) or getattr(effect, "ci_level", None) or 0.95
    if level > 1:
        level = level / 100
    return ReportedEffect(
        trial_id, measure, float(effect.estimate), float(low), float(high), float(level), timepoint
    )
