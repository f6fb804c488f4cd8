"""How strong the evidence behind an indication is, as a ranked ladder.

approved product > randomized phase 3 > randomized phase 2 > single-arm > early/uncontrolled >
claim only. Only MSC records count (culture-expanded MSCs; see ``Dataset.is_msc``); a withdrawn
approval does not count as an approval, nor does one the curation notes could not verify.
"""

from __future__ import annotations

from enum import IntEnum

from mscref.data.dataset import Dataset
from mscref.data.models import Approval, ApprovalStatus, Control, Phase, Product, StudyType, Trial
from mscref.data.record import record


class EvidenceLevel(IntEnum):
    """Higher is stronger."""

    NONE = 0
    CLAIM_ONLY = 1
    EARLY = 2
    SINGLE_ARM = 3
    RANDOMIZED_PHASE_2 = 4
    RANDOMIZED_PHASE_3 = 5
    APPROVED = 6


LEVEL_LABELS: dict[EvidenceLevel, tuple[str, str]] = {
    EvidenceLevel.NONE: ("none", "无"),
    EvidenceLevel.CLAIM_ONLY: ("claim only", "仅有论断"),
    EvidenceLevel.EARLY: ("early/uncontrolled", "早期/无对照"),
    EvidenceLevel.SINGLE_ARM: ("single-arm", "单臂"),
    EvidenceLevel.RANDOMIZED_PHASE_2: ("randomized phase 2", "随机II期"),
    EvidenceLevel.RANDOMIZED_PHASE_3: ("randomized phase 3", "随机III期"),
    EvidenceLevel.APPROVED: ("approved product", "已获批产品"),
}

_LATE = {Phase.P2_3, Phase.P3, Phase.P4}
_MID = {Phase.P1_2, Phase.P2}


def trial_level(trial: Trial) -> EvidenceLevel:
    """Where one trial stands on the ladder, from its design and phase.

    Single-arm means one arm, no control, phase 2 or later (or an unstated phase, expanded
    access, a registry) with reported results; phase 1 and 1/2 studies and multi-arm
    dose-finding studies without a control are early/uncontrolled.
    """
    d = trial.design
    if d.randomized:
        if trial.phase in _LATE:
            return EvidenceLevel.RANDOMIZED_PHASE_3
        if trial.phase in _MID or trial.phase is None:
            return EvidenceLevel.RANDOMIZED_PHASE_2
        return EvidenceLevel.EARLY
    has_results = any(o.arms for o in trial.outcomes)
    efficacy_phase = trial.phase is None or trial.phase in _LATE or trial.phase is Phase.P2
    if trial.study_type is not StudyType.INTERVENTIONAL:
        efficacy_phase = True
    if d.control is Control.NONE and efficacy_phase and has_results and len(trial.arms) <= 1:
        return EvidenceLevel.SINGLE_ARM
    return EvidenceLevel.EARLY


_CURRENT = {ApprovalStatus.APPROVED, ApprovalStatus.CONDITIONAL}


def counting_approvals(product: Product) -> tuple[Approval, ...]:
    """The approvals that make a product 'approved' evidence: current and verified."""
    return tuple(a for a in product.approvals if a.status in _CURRENT and a.verified)


def product_level(product: Product) -> EvidenceLevel:
    return EvidenceLevel.APPROVED if counting_approvals(product) else EvidenceLevel.NONE


@record
class Strongest:
    level: EvidenceLevel
    record_ids: tuple[str, ...]
    refs: tuple[str, ...] = ()  # the references behind the strongest evidence


def strongest_evidence(ds: Dataset, indication_id: str) -> Strongest:
    """The strongest evidence for an indication (and the indications below it)."""
    family = ds.indication_family(indication_id)
    candidates: list[tuple[EvidenceLevel, str, tuple[str, ...]]] = []
    for product in ds.products:
        if product.indication in family and ds.is_msc(product):
            refs = tuple(r for a in counting_approvals(product) for r in a.refs)
            candidates.append((product_level(product), product.id, refs))
    for trial in ds.trials:
        if trial.indication in family and ds.is_msc(trial):
            candidates.append((trial_level(trial), trial.id, trial.refs))
    claims = [c for c in ds.claims if family & set(c.indications)]
    if claims:
        candidates.append((EvidenceLevel.CLAIM_ONLY, "", tuple(r for c in claims for r in c.refs)))
    if not candidates:
        return Strongest(EvidenceLevel.NONE, ())
    best = max(level for level, _, _ in candidates)
    chosen = [(rid, refs) for level, rid, refs in candidates if level == best]
    return Strongest(
        best,
        tuple(rid for rid, _ in chosen if rid),
        tuple(dict.fromkeys(r for _, refs in chosen for r in refs)),
    )
