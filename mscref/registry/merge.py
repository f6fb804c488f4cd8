"""Merge imported trials into a trials file without losing anything a curator wrote.

The file is edited with a round-trip YAML parser, so comments, key order and quoting stay as
they were. A trial already present (same registry id) gets only its ``registry`` block
replaced; every curated field stays. New trials are appended. The same import twice changes
nothing the second time.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any

from mscref.data.errors import ImportProblem, MscrefError, Problem
from mscref.registry.ctgov import Mapped, new_trial_id


@dataclass
class MergeResult:
    text: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: index in the merged ``trials`` list -> the import that wrote that trial
    written_by: dict[int, Mapped] = field(default_factory=dict)

    def summary(self) -> str:
        return f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged"


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a curator's long lines
    yaml.indent(mapping=2, sequence=4, offset=2)

    def null(representer: Any, _data: None) -> Any:
        return representer.represent_scalar("tag:yaml.org,2002:null", "null")

    yaml.representer.add_representer(type(None), null)
    return yaml


def _plain(value: Any) -> Any:
    """ruamel's containers as plain dicts and lists, for comparing."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def merge_trials(existing: str | None, mapped: list[Mapped], taken_ids: set[str], shown: str) -> MergeResult:
    """The trials file with ``mapped`` merged in, as text."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.error import YAMLError

    yaml = _yaml()
    doc: Any = None
    if existing is not None and existing.strip():
        try:
            doc = yaml.load(existing)
        except YAMLError as exc:  # the strict loader has already said more; be short here
            raise MscrefError(f"{shown}: cannot edit this file: {exc}") from None
    doc_was_empty = doc is None
    if doc is None:
        doc = CommentedMap()
    if not isinstance(doc, dict):
        raise MscrefError(f"{shown}: expected a mapping with a 'trials' list")
    trials = doc.get("trials")
    if trials is None:
        trials = CommentedSeq()
        doc["trials"] = trials
    if not isinstance(trials, list):
        raise MscrefError(f"{shown}: 'trials' must be a list")

    result = MergeResult("")
    for m in mapped:
        index = _find(trials, m.nct)
        if index is None:
            entry = CommentedMap()
            entry["id"] = new_trial_id(m.nct, taken_ids)
            for key, value in m.trial.items():
                entry[key] = value
            trials.append(entry)
            result.written_by[len(trials) - 1] = m
            result.added.append(f"{entry['id']} ({m.nct})")
            continue
        current = trials[index]
        if _plain(current.get("registry")) == m.trial["registry"]:
            result.unchanged.append(f"{current.get('id')} ({m.nct})")
            continue
        current["registry"] = m.trial["registry"]
        result.written_by[index] = m
        ids = current.get("registry_ids")
        if isinstance(ids, list) and m.nct not in ids:
            ids.append(m.nct)
        elif ids is None:
            current["registry_ids"] = [m.nct]
        result.updated.append(f"{current.get('id')} ({m.nct})")
    if not result.added and not result.updated and existing is not None:
        result.text = existing  # nothing changed: the file stays byte for byte
        return result
    out = io.StringIO()
    yaml.dump(doc, out)
    text = out.getvalue()
    if existing is not None and existing.strip() and doc_was_empty:
        text = existing.rstrip("\n") + "\n" + text  # a comment-only file keeps its comments
    elif existing is None or not existing.strip():
        text = (
            "# Trials imported from ClinicalTrials.gov by mscref import; curate freely: only the\n"
            "# 'registry' block of each trial is rewritten by later imports.\n" + text
        )
    result.text = text
    return result


_TRIAL_PATH = re.compile(r"trials\[([0-9]+)\]\.?(.*)")


def blame_import(problems: list[Problem], result: MergeResult, shown: str) -> list[ImportProblem | Problem]:
    """Problems of the merged file (shown as ``shown``, never written) told against the input
    record that wrote the trial concerned: its lines would point into a file that does not exist.
    Problems elsewhere stay as they are."""
    out: list[ImportProblem | Problem] = []
    for p in problems:
        m = _TRIAL_PATH.fullmatch(p.path) if p.file == shown else None
        mapped = result.written_by.get(int(m.group(1))) if m else None
        if m is None or mapped is None or mapped.study is None:
            out.append(p)
            continue
        field_path = m.group(2)
        message = f"{field_path}: {p.message}" if field_path else p.message
        out.append(ImportProblem(mapped.study.file, mapped.study.label, f"the trial it maps to: {message}"))
    return out


def _find(trials: list[Any], nct: str) -> int | None:
    for i, t in enumerate(trials):
        if not isinstance(t, dict):
            continue
        ids = t.get("registry_ids") or []
        registry = t.get("registry") or {}
        if (isinstance(ids, list) and nct in ids) or (
            isinstance(registry, dict) and registry.get("id") == nct
        ):
            return i
    return None
