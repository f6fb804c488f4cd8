"""Certainty of a pooled result, GRADE-style: an automated first pass, not a GRADE panel.

Start from the design (randomized comparisons high, anything else low), then rate down — never
up — for what the data can show: risk-of-bias proxies (open-label or unrecorded blinding,
counts derived from percentages, figures from a secondary source — the outcome's
``figure_source`` (conference, review, news, press release), else a trial cited only by
secondary references —, a post hoc analysis, a contradicted claim; a trial whose source
contradicts itself or an outcome marked ``no_pooling`` never reaches a pool), inconsistency (I²,
a prediction interval crossing no effect), imprecision (a CI crossing no effect, few events or
few participants), few studies, and small-study effects when Egger's test can be run. Every
step carries its reason. What a panel would weigh that the data does not hold (indirectness,
the size of an important effect, reasons to rate up) is left out and said to be left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

from mscref.data.record import record

if TYPE_CHECKING:  # pragma: no cover
    from mscref.evidence.stats import PooledEstimate

LEVELS = ("very low", "low", "moderate", "high")
#: GRADE's rule of thumb for an optimal information size in events.
FEW_EVENTS = 300
#: ... and in participants for a continuous outcome.
FEW_PARTICIPANTS = 400
NOTE = (
    "automated first pass from the data's own fields, not a GRADE panel's judgement: indirectness "
    "and reasons to rate up are not assessed"
)


class _Study(Protocol):
    @property
    def trial_id(self) -> str: ...

    @property
    def flags(self) -> tuple[str, ...]: ...

    @property
    def randomized(self) -> bool: ...


@record
class Step:
    domain: str
    change: int  # 0 or negative: levels rated down
    reason: str


@record
class Certainty:
    start: str
    level: str
    steps: tuple[Step, ...]
    note: str = NOTE

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "level": self.level,
            "steps": [{"domain": s.domain, "change": s.change, "reason": s.reason} for s in self.steps],
            "note": self.note,
        }

    def summary(self) -> str:
        down = [f"{s.domain} {s.change}" for s in self.steps if s.change]
        return f"{self.level} (from {self.start}" + (f"; {', '.join(down)})" if down else "; not rated down)")


def _crosses(low: float | None, high: float | None, null: float) -> bool:
    return low is not None and high is not None and low <= null <= high


def rate(p: PooledEstimate, studies: Sequence[_Study]) -> Certainty:
    steps: list[Step] = []
    weight = {s.trial_id: s.weight for s in p.studies}
    randomized = p.kind != "single-arm proportion" and all(s.randomized for s in studies)
    start = 3 if randomized else 1
    steps.append(
        Step(
            "design",
            0,
            "every study a randomized comparison: start high"
            if randomized
            else (
                "single-arm rates (no comparison): start low"
                if p.kind == "single-arm proportion"
                else "not every comparison randomized: start low"
            ),
        )
    )
    # risk of bias: proxies weighted by the studies that carry them
    flagged = [s for s in studies if s.flags]
    share = sum(weight.get(s.trial_id, 0.0) for s in flagged)
    what = "; ".join(f"{s.trial_id}: {', '.join(s.flags)}" for s in flagged)
    if flagged and share >= 0.5:
        steps.append(Step("risk of bias", -1, f"{100 * share:.0f}% of the weight from studies with {what}"))
    elif flagged:
        steps.append(
            Step(
                "risk of bias",
                0,
                f"proxies only in studies carrying {100 * share:.0f}% of the weight ({what})",
            )
        )
    else:
        steps.append(Step("risk of bias", 0, "no risk-of-bias proxy in the data"))
    # inconsistency
    null = p.null
    pi_crosses = (
        null is not None and _crosses(p.pi_low, p.pi_high, null) and not _crosses(p.low, p.high, null)
    )
    if p.i2 >= 0.5 or pi_crosses:
        why = [f"I² = {100 * p.i2:.0f}%"] if p.i2 >= 0.5 else []
        if pi_crosses:
            why.append("the prediction interval crosses no effect while the CI does not")
        steps.append(Step("inconsistency", -1, "; ".join(why)))
    else:
        steps.append(Step("inconsistency", 0, f"I² = {100 * p.i2:.0f}%"))
    # imprecision
    events = sum(c.events for s in p.studies for c in s.arms)
    reasons = []
    if null is not None and _crosses(p.low, p.high, null):
        reasons.append("the 95% CI includes no effect")
    if null is None and p.high - p.low > 0.2:
        reasons.append(f"the 95% CI spans {100 * (p.high - p.low):.0f} percentage points")
    if any(s.arms for s in p.studies) and events < FEW_EVENTS:
        reasons.append(f"{events} events in all (fewer than {FEW_EVENTS})")
    participants = sum(m.n or 0 for s in p.studies for m in s.means)
    if any(s.means for s in p.studies) and participants < FEW_PARTICIPANTS:
        reasons.append(f"{participants} participants in all (fewer than {FEW_PARTICIPANTS})")
    steps.append(Step("imprecision", -min(2, len(reasons)), "; ".join(reasons) or "precise enough"))
    # few studies
    if p.k < 3:
        steps.append(Step("few studies", -1, f"k = {p.k}: heterogeneity cannot be judged"))
    # small-study effects
    if p.egger is not None and p.egger.p < 0.10:
        steps.append(Step("publication bias", -1, f"Egger's test p = {p.egger.p:.3g}"))
    elif p.egger is None:
        steps.append(Step("publication bias", 0, f"not assessable with k = {p.k} (fewer than 10 studies)"))
    level = max(0, start + sum(s.change for s in steps))
    return Certainty(LEVELS[start], LEVELS[level], tuple(steps))
