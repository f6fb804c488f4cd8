"""Warnings about valid data that a curator should still look at: nothing here stops a command.

``mscref validate`` prints them on stderr and still exits 0: a reference a reader cannot find
(no DOI, PMID, PMCID, URL or registry id), figures that cite no reference of their own, an
indication nothing uses.
"""

from __future__ import annotations

import re
from pathlib import Path

from mscref.data.dataset import Dataset
from mscref.data.errors import Problem
from mscref.data.models import ReferenceKind

_ID_LINE = re.compile(r"""^\s*-\s*id:\s*["']?([a-z0-9][a-z0-9-]*)["']?\s*(?:#.*)?$""")
#: The project's own sources: the seed article and the curation notes have no address to give.
_OWN_SOURCES = {ReferenceKind.SEED, ReferenceKind.CURATION}


def _id_lines(path: Path) -> dict[str, int]:
    """The line of each ``- id: X`` in a data file (first occurrence), for messages."""
    out: dict[str, int] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return out
    for number, line in enumerate(text.splitlines(), start=1):
        m = _ID_LINE.match(line)
        if m:
            out.setdefault(m.group(1), number)
    return out


def data_warnings(ds: Dataset, shown_dir: str) -> list[Problem]:
    """Every warning about the data set, in file order."""
    problems: list[Problem] = []
    refs_file = f"{shown_dir}/references.yaml"
    trials_file = f"{shown_dir}/trials.yaml"
    ind_file = f"{shown_dir}/indications.yaml"
    ref_lines = _id_lines(ds.directory / "references.yaml")
    trial_lines = _id_lines(ds.directory / "trials.yaml")
    ind_lines = _id_lines(ds.directory / "indications.yaml")

    for i, ref in enumerate(r for r in ds.references if r.id in ref_lines):
        if not ref.has_locator and ref.kind not in _OWN_SOURCES:
            problems.append(
                Problem(
                    refs_file,
                    ref_lines.get(ref.id),
                    f"references[{i}]",
                    f"warning: reference {ref.id!r} has no locator "
                    "(no DOI, PMID, PMCID, URL or registry id); a reader cannot find it",
                )
            )

    for i, trial in enumerate(ds.trials):
        line = trial_lines.get(trial.id)
        for j, o in enumerate(trial.outcomes):
            has_figures = any(
                x is not None for a in o.arms for x in (a.events, a.value, a.mean, a.median)
            ) or bool(o.effects)
            effects_cited = bool(o.effects) and all(e.refs for e in o.effects) and not o.arms
            if has_figures and not o.refs and not effects_cited:
                problems.append(
                    Problem(
                        trials_file,
                        line,
                        f"trials[{i}].outcomes[{j}].refs",
                        f"warning: the figures of {trial.id} {o.endpoint} cite no reference of their own",
                    )
                )
        for j, sf in enumerate(trial.safety):
            if not sf.refs:
                problems.append(
                    Problem(
                        trials_file,
                        line,
                        f"trials[{i}].safety[{j}].refs",
                        f"warning: the safety figures of {trial.id} cite no reference of their own",
                    )
                )

    used: set[str] = set()
    for t in ds.trials:
        used.add(t.indication or "")
    for p in ds.products:
        used.add(p.indication)
        used.update(a.indication or "" for a in p.approvals)
    for c in ds.claims:
        used.update(c.indications)
    for s in ds.sources:
        for v in s.traits.values():
            used.update(v.indications)
    used.update(ind.parent or "" for ind in ds.indications)
    for i, ind in enumerate(ds.indications):
        if ind.id not in used:
            problems.append(
                Problem(
                    ind_file,
                    ind_lines.get(ind.id),
                    f"indications[{i}]",
                    f"warning: indication {ind.id!r} is used by no trial, product, claim or source trait",
                )
            )
    return sorted(problems, key=lambda p: (p.file, p.line or 0))
