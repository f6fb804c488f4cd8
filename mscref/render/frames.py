"""Tidy pandas DataFrames of the data set and of the evidence statistics, for notebooks.

One row per observation, typed columns: ``Int64`` for counts (missing stays missing, never 0 or
NaN-as-float), ``float64`` for values, ``boolean`` for flags that may be unknown, ``category``
for closed vocabularies and ``string`` for ids and text. pandas is imported here, when a frame is
asked for, never at start-up.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import Enum
from typing import TYPE_CHECKING, Any

from mscref.data.dataset import Dataset
from mscref.evidence.stats import Evidence

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

KINDS = ("trials", "outcomes", "arms", "approvals", "references")

# dtype by column; a column not named here is text ("string")
_DTYPES: dict[str, str] = {
    # counts
    "n": "Int64",
    "registry_n": "Int64",
    "events": "Int64",
    "total": "Int64",
    "year": "Int64",
    "centres": "Int64",
    "k": "Int64",
    "q_df": "Int64",
    "treatment_events": "Int64",
    "treatment_total": "Int64",
    "control_events": "Int64",
    "control_total": "Int64",
    # values
    "value": "float64",
    "estimate": "float64",
    "low": "float64",
    "high": "float64",
    "weight": "float64",
    "tau2": "float64",
    "i2": "float64",
    "q": "float64",
    "q_p": "float64",
    "p_value_computed": "float64",
    "correction": "float64",
    "rd": "float64",
    "rd_low": "float64",
    "rd_high": "float64",
    "rr": "float64",
    "rr_low": "float64",
    "rr_high": "float64",
    "or": "float64",
    "or_low": "float64",
    "or_high": "float64",
    # flags
    "randomized": "boolean",
    "multicentre": "boolean",
    "primary": "boolean",
    "met": "boolean",
    "derived": "boolean",
    "n_derived": "boolean",
    "verified": "boolean",
    "msc": "boolean",
    "corrected": "boolean",
    "treatment_derived": "boolean",
    "control_derived": "boolean",
    # closed vocabularies
    "kind": "category",
    "product_type": "category",
    "origin": "category",
    "study_type": "category",
    "phase": "category",
    "blinding": "category",
    "control": "category",
    "status": "category",
    "verdict": "category",
    "design": "category",
    "method": "category",
    "scale": "category",
}


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return "; ".join(str(_plain(v)) for v in value) or None
    return value


def _frame(rows: Iterable[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    data = {c: [] for c in columns}  # type: dict[str, list[Any]]
    for row in rows:
        for c in columns:
            data[c].append(_plain(row.get(c)))
    frame = pd.DataFrame(data, columns=columns)
    return frame.astype({c: _DTYPES.get(c, "string") for c in columns})


# ------------------------------------------------------------------------------------------
# The data set


def _trials(ds: Dataset) -> pd.DataFrame:
    rows = []
    for t in ds.trials:
        d = t.design
        verdict = ds.verdict_of(t)
        rows.append(
            {
                "id": t.id,
                "title": t.title,
                "registry_ids": t.registry_ids,
                "product": t.product,
                "intervention": t.intervention,
                "product_type": ds.product_type_of(t),
                "source": ds.source_of(t),
                "origin": t.origin or (p.origin if (p := ds.product_of(t)) else None),
                "indication": t.indication,
                "study_type": t.study_type,
                "phase": t.phase,
                "phase_label": t.phase_label,
                "randomized": d.randomized,
                "blinding": d.blinding,
                "control": d.control,
                "allocation": d.allocation,
                "centres": d.centres,
                "multicentre": d.multicentre,
                "countries": t.countries,
                "period": t.period,
                "n": t.n,
                "n_label": t.n_label,
                "registry_n": t.registry_n,
                "status": t.status,
                "verdict": verdict,
                "msc": ds.is_msc(t),
                "refs": t.refs,
            }
        )
    columns = [
        "id", "title", "registry_ids", "product", "intervention", "product_type", "source", "origin",
        "indication", "study_type", "phase", "phase_label", "randomized", "blinding", "control",
        "allocation", "centres", "multicentre", "countries", "period", "n", "n_label", "registry_n",
        "status", "verdict", "msc", "refs",
    ]  # fmt: skip
    frame = _frame(rows, columns)
    # a trial's status is free text, not a closed vocabulary
    return frame.astype({"status": "string"})


def _arms(ds: Dataset) -> pd.DataFrame:
    rows = [
        {
            "trial_id": t.id,
            "arm": a.id,
            "label": a.label,
            "n": a.n,
            "n_derived": a.n_derived,
            "intervention": a.intervention,
            "dose": a.dose,
            "route": a.route,
            "schedule": a.schedule,
        }
        for t in ds.trials
        for a in t.arms
    ]
    columns = ["trial_id", "arm", "label", "n", "n_derived", "intervention", "dose", "route", "schedule"]
    return _frame(rows, columns)


def _outcomes(ds: Dataset) -> pd.DataFrame:
    """One row per arm of each outcome; an outcome reported only in words has one row, arm missing."""
    rows = []
    for t in ds.trials:
        labels = {a.id: a.label for a in t.arms}
        for i, o in enumerate(t.outcomes):
            base = {
                "trial_id": t.id,
                "outcome": i,
                "indication": t.indication,
                "source": ds.source_of(t),
                "endpoint": o.endpoint,
                "endpoint_label": o.endpoint_label,
                "timepoint": o.timepoint,
                "primary": o.primary,
                "analysis": o.analysis,
                "p_value": o.p_value,
                "met": o.met,
                "result": o.result,
                "refs": o.refs or t.refs,
            }
            if not o.arms:
                rows.append(base)
            for a in o.arms:
                rows.append(
                    {
                        **base,
                        "arm": a.arm,
                        "arm_label": labels.get(a.arm),
                        "events": a.events,
                        "total": a.total,
                        "value": a.value,
                        "unit": a.unit,
                        "derived": a.derived,
                        "note": a.note,
                    }
                )
    columns = [
        "trial_id", "outcome", "indication", "source", "endpoint", "endpoint_label", "timepoint",
        "primary", "analysis", "arm", "arm_label", "events", "total", "value", "unit", "derived",
        "p_value", "met", "result", "note", "refs",
    ]  # fmt: skip
    return _frame(rows, columns).astype({"outcome": "Int64"})


def _approvals(ds: Dataset) -> pd.DataFrame:
    rows = [
        {
            "product_id": p.id,
            "product": p.name,
            "product_zh": p.name_zh,
            "agency": a.agency,
            "region": a.region,
            "date": a.date,
            "status": a.status,
            "status_date": a.status_date,
            "trade_name": a.trade_name,
            "indication": a.indication or p.indication,
            "source": p.source,
            "origin": p.origin,
            "product_type": p.product_type,
            "verified": a.verified,
            "note": a.note,
            "refs": a.refs,
        }
        for p in ds.products
        for a in p.approvals
    ]
    columns = [
        "product_id", "product", "product_zh", "agency", "region", "date", "status", "status_date",
        "trade_name", "indication", "source", "origin", "product_type", "verified", "note", "refs",
    ]  # fmt: skip
    return _frame(rows, columns)


def _references(ds: Dataset) -> pd.DataFrame:
    columns = [
        "id", "kind", "title", "authors", "journal", "year", "volume", "issue", "pages", "doi",
        "pmid", "pmcid", "registry_id", "url", "publisher", "note",
    ]  # fmt: skip
    return _frame(({c: getattr(r, c) for c in columns} for r in ds.references), columns)


def to_frame(ds: Dataset, kind: str) -> pd.DataFrame:
    """``trials``, ``outcomes`` (one row per arm-outcome), ``arms``, ``approvals`` or ``references``."""
    builders = {
        "trials": _trials,
        "outcomes": _outcomes,
        "arms": _arms,
        "approvals": _approvals,
        "references": _references,
    }
    if kind not in builders:
        raise ValueError(f"unknown frame {kind!r}; frames are: {', '.join(KINDS)}")
    return builders[kind](ds)


# ------------------------------------------------------------------------------------------
# Evidence


def evidence_frames(ev: Evidence) -> dict[str, pd.DataFrame]:
    """The evidence analysis as frames: ``proportions``, ``comparisons``, ``pooled`` (one row per
    pooled estimate, numbered by ``pool``), ``studies`` (one row per study in each pool) and
    ``refusals`` (groups not pooled, and why)."""
    proportions = _frame(
        (
            {
                "trial_id": p.trial_id,
                "indication": p.indication,
                "endpoint": p.endpoint,
                "endpoint_label": p.endpoint_label,
                "timepoint": p.timepoint,
                "design": p.design,
                "arm": p.count.arm,
                "arm_label": p.count.label,
                "events": p.count.events,
                "total": p.count.total,
                "derived": p.count.derived,
                "estimate": p.interval.estimate,
                "low": p.interval.low,
                "high": p.interval.high,
                "method": p.interval.method,
            }
            for p in ev.proportions
        ),
        [
            "trial_id",
            "indication",
            "endpoint",
            "endpoint_label",
            "timepoint",
            "design",
            "arm",
            "arm_label",
            "events",
            "total",
            "derived",
            "estimate",
            "low",
            "high",
            "method",
        ],
    )
    comparisons = _frame(
        (
            {
                "trial_id": c.trial_id,
                "indication": c.indication,
                "endpoint": c.endpoint,
                "endpoint_label": c.endpoint_label,
                "timepoint": c.timepoint,
                "treatment_arm": c.treatment.label,
                "treatment_events": c.treatment.events,
                "treatment_total": c.treatment.total,
                "treatment_derived": c.treatment.derived,
                "control_arm": c.control.label,
                "control_events": c.control.events,
                "control_total": c.control.total,
                "control_derived": c.control.derived,
                "rd": c.risk_difference.estimate,
                "rd_low": c.risk_difference.low,
                "rd_high": c.risk_difference.high,
                "rr": c.risk_ratio.estimate,
                "rr_low": c.risk_ratio.low,
                "rr_high": c.risk_ratio.high,
                "or": c.odds_ratio.estimate,
                "or_low": c.odds_ratio.low,
                "or_high": c.odds_ratio.high,
                "correction": c.correction,
                "p_value_computed": c.p_value,
                "p_value": c.reported_p,
            }
            for c in ev.comparisons
        ),
        [
            "trial_id",
            "indication",
            "endpoint",
            "endpoint_label",
            "timepoint",
            "treatment_arm",
            "treatment_events",
            "treatment_total",
            "treatment_derived",
            "control_arm",
            "control_events",
            "control_total",
            "control_derived",
            "rd",
            "rd_low",
            "rd_high",
            "rr",
            "rr_low",
            "rr_high",
            "or",
            "or_low",
            "or_high",
            "correction",
            "p_value_computed",
            "p_value",
        ],
    )
    pooled = _frame(
        (
            {
                "pool": i,
                "indication": p.indication,
                "endpoint": p.endpoint,
                "endpoint_label": p.endpoint_label,
                "timepoint": p.timepoint,
                "measure": p.kind,
                "scale": p.scale,
                "k": p.k,
                "estimate": p.estimate,
                "low": p.low,
                "high": p.high,
                "tau2": p.tau2,
                "i2": p.i2,
                "q": p.q,
                "q_df": p.q_df,
                "q_p": p.q_p,
                "method": p.method,
                "notes": p.notes,
            }
            for i, p in enumerate(ev.pooled, start=1)
        ),
        [
            "pool",
            "indication",
            "endpoint",
            "endpoint_label",
            "timepoint",
            "measure",
            "scale",
            "k",
            "estimate",
            "low",
            "high",
            "tau2",
            "i2",
            "q",
            "q_df",
            "q_p",
            "method",
            "notes",
        ],
    ).astype({"pool": "Int64", "measure": "category"})
    studies = _frame(
        (
            {
                "pool": i,
                "trial_id": s.trial_id,
                "label": s.label,
                "estimate": s.estimate,
                "low": s.low,
                "high": s.high,
                "weight": s.weight,
                "derived": s.derived,
                "corrected": s.corrected,
            }
            for i, p in enumerate(ev.pooled, start=1)
            for s in p.studies
        ),
        ["pool", "trial_id", "label", "estimate", "low", "high", "weight", "derived", "corrected"],
    ).astype({"pool": "Int64"})
    refusals = _frame(
        (
            {
                "indication": r.indication,
                "endpoint": r.endpoint,
                "timepoint": r.timepoint,
                "measure": r.kind,
                "reason": r.reason,
            }
            for r in ev.refusals
        ),
        ["indication", "endpoint", "timepoint", "measure", "reason"],
    )
    return {
        "proportions": proportions,
        "comparisons": comparisons,
        "pooled": pooled,
        "studies": studies,
        "refusals": refusals,
    }
