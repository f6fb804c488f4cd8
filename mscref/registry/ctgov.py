"""Turn ClinicalTrials.gov API v2 study records into mscref trial entries.

Reads every shape the API returns (one study, a list of studies, a search page, a list of
pages, records cut down with ``fields=``), maps what the registry holds, classifies the source
tissue and allogeneic/autologous origin from the record's own words (``unknown`` when they do
not say), and imports the primary outcome's per-arm counts when results are posted.

Nothing is guessed: conditions no indication alias matches are kept and flagged, and so is
anything a curator should check. Every problem names the file and the record.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from mscref.data.dataset import Dataset
from mscref.data.errors import ImportFailed, ImportProblem, MscrefError
from mscref.data.files import FileRefused, read_regular
from mscref.data.models import (
    TIMEPOINT_PATTERN,
    Allocation,
    EnrollmentType,
    InterventionModel,
    Masking,
    RegistryPhase,
    RegistryStatus,
    RegistryStudyType,
    date_problem,
)
from mscref.registry.classify import (
    ENGINEERED,
    MSC,
    PHASES,
    PLACEBO,
    VESICLES,
    classify_origin,
    classify_tissue,
    match_indication,
    texts,
)

__all__ = ["classify_origin", "classify_tissue", "map_studies", "read_studies"]

MAX_JSON_BYTES = 64 * 1024 * 1024


@dataclass
class Study:
    """One study record and where it came from."""

    file: str
    where: str  # "record 3" or "page 2, record 1"
    data: dict[str, Any]

    @property
    def label(self) -> str:
        nct = _get(self.data, "protocolSection", "identificationModule", "nctId")
        return f"{self.where} ({nct})" if isinstance(nct, str) else self.where


# ------------------------------------------------------------------------------------------
# Reading the files


def read_studies(paths: list[Path]) -> list[Study]:
    """Every study in the files, or ImportFailed listing every file and record that is wrong."""
    studies: list[Study] = []
    problems: list[ImportProblem] = []
    for path in paths:
        name = str(path)
        try:  # a regular file only (never a FIFO or /dev/zero), of at most MAX_JSON_BYTES
            raw = read_regular(path, MAX_JSON_BYTES)
        except FileRefused as exc:
            problems.append(ImportProblem(name, "", exc.reason))
            continue
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            problems.append(
                ImportProblem(name, "", f"not UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})")
            )
            continue
        try:
            data = json.loads(text)  # NaN and Infinity parse: the importer copes with them
        except json.JSONDecodeError as exc:
            problems.append(
                ImportProblem(name, "", f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}")
            )
            continue
        except ValueError as exc:  # a number too long to read
            problems.append(ImportProblem(name, "", f"not valid JSON: {_short(str(exc))}"))
            continue
        except RecursionError:
            problems.append(ImportProblem(name, "", "not valid JSON: nested too deeply"))
            continue
        for where, item in _records(data):
            if isinstance(item, dict) and isinstance(item.get("protocolSection"), dict):
                studies.append(Study(name, where, item))
            else:
                problems.append(
                    ImportProblem(
                        name, where, f"not a study record ({_shape(item)}; a study has a 'protocolSection')"
                    )
                )
    if problems:
        raise ImportFailed(problems)
    return studies


def _records(data: Any) -> Iterator[tuple[str, Any]]:
    """(where, record) for a study, a list of studies, a search page or a list of pages."""
    if isinstance(data, dict) and "protocolSection" in data:
        yield "record 1", data
    elif isinstance(data, dict) and "studies" in data:
        yield from _page_records(data, "")
    elif isinstance(data, list):
        if data and all(isinstance(x, dict) and "studies" in x for x in data):
            for p, page in enumerate(data, start=1):
                yield from _page_records(page, f"page {p}, ")
        else:
            for i, item in enumerate(data, start=1):
                yield f"record {i}", item
    else:
        yield "the file", data


def _page_records(page: dict[str, Any], prefix: str) -> Iterator[tuple[str, Any]]:
    studies = page.get("studies")
    if not isinstance(studies, list):
        yield f"{prefix}'studies'", studies
        return
    for i, item in enumerate(studies, start=1):
        yield f"{prefix}record {i}", item


def _shape(item: Any) -> str:
    if isinstance(item, dict):
        keys = ", ".join(list(item)[:5])
        return f"an object with keys {keys}" if keys else "an empty object"
    if isinstance(item, list):
        return "a list"
    return f"a {type(item).__name__}"


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


# ------------------------------------------------------------------------------------------
# Classifying source tissue and origin from the record's words

# The classifiers live in classify.py, shared with the registry store; these names stay here
# for the importer and for scripts that used them.
_texts = texts
_MSC, _VESICLES, _ENGINEERED, _PLACEBO = MSC, VESICLES, ENGINEERED, PLACEBO


# ------------------------------------------------------------------------------------------
# Mapping one study


@dataclass
class Mapped:
    nct: str
    trial: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    study: Study | None = None  # the record it was mapped from


def _enum(value: Any, enum: type[StrEnum], path: str, problems: list[str]) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return str(enum(value).value)
        except ValueError:
            pass
    choices = ", ".join(m.value for m in enum)
    problems.append(f"{path}: unknown value {value!r}; expected one of {choices}")
    return None


def _str(value: Any, path: str, problems: list[str]) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    problems.append(f"{path}: expected text, got {type(value).__name__}")
    return None


def _date(value: Any, path: str, problems: list[str]) -> str | None:
    text = _str(value, path, problems)
    if text is None:
        return None
    problem = date_problem(text)
    if problem:
        problems.append(f"{path}: {problem}")
        return None
    return text


_PHASES = PHASES


def _slug(text: str, fallback: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60].strip("-")
    return slug if slug and slug[0].isalnum() else fallback


_ENDPOINTS = [
    ("overall-response", re.compile(r"\b(overall|objective)\s+response\b|\bORR\b", re.I)),
    ("complete-response", re.compile(r"\bcomplete\s+(response|remission)\b", re.I)),
    ("partial-response", re.compile(r"\bpartial\s+response\b", re.I)),
    ("survival", re.compile(r"\boverall\s+survival\b|\bsurvival\s+rate\b", re.I)),
]


def _endpoint(title: str) -> str:
    """mscref's endpoint id for a common endpoint (so like pools with like), else a slug."""
    for endpoint, pattern in _ENDPOINTS:
        if pattern.search(title) and not re.search(r"\bdurable\b|\bsustained\b", title, re.I):
            return endpoint
    return _slug(title, "primary-outcome")


def parse_timepoint(text: str | None) -> str | None:
    """'Day 28', '28 days', 'Week 16' -> 'day 28', 'week 16'; anything vaguer -> None."""
    if not text:
        return None
    m = re.search(r"\b(day|week|month|year)s?\s*([0-9]{1,5})\b", text, re.I) or re.search(
        r"\b([0-9]{1,5})\s*(day|week|month|year)s?\b", text, re.I
    )
    if m is None:
        return None
    unit, num = (m.group(1), m.group(2)) if m.group(1).isalpha() else (m.group(2), m.group(1))
    out = f"{unit.lower()} {int(num)}"
    return out if re.fullmatch(TIMEPOINT_PATTERN, out) else None


def _number(text: Any) -> float | None:
    """A finite number of sensible size, or None ("<0.0001", "NA", NaN, 400 digits are not)."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value = float(text) if abs(text) < 1e15 else math.inf
    elif isinstance(text, str) and re.fullmatch(r"-?[0-9]{1,15}(\.[0-9]{1,15})?", text.strip()):
        value = float(text)
    else:
        return None
    return value if math.isfinite(value) else None


def _seq(value: Any, path: str = "", problems: list[str] | None = None) -> list[Any]:
    """A JSON list, or [] (and a problem, when asked) for anything else."""
    if isinstance(value, list):
        return value
    if value is not None and problems is not None:
        problems.append(f"{path}: expected a list, got {_shape(value)}")
    return []


def map_study(study: Study, ds: Dataset) -> Mapped:
    """One study as a trial entry (without an id: the merge gives new trials theirs)."""
    problems: list[str] = []
    flags: list[str] = []
    data = study.data
    ps = data["protocolSection"]
    nct = _str(_get(ps, "identificationModule", "nctId"), "identificationModule.nctId", problems)
    if nct is None or not re.fullmatch(r"NCT[0-9]{8}", nct):
        problems.append(f"identificationModule.nctId: expected an NCT id such as NCT01234567, got {nct!r}")
        return Mapped(nct or "?", {}, problems)
    brief = _str(_get(ps, "identificationModule", "briefTitle"), "identificationModule.briefTitle", problems)
    official = _str(
        _get(ps, "identificationModule", "officialTitle"), "identificationModule.officialTitle", problems
    )
    status = _enum(
        _get(ps, "statusModule", "overallStatus"), RegistryStatus, "statusModule.overallStatus", problems
    )
    start = _date(
        _get(ps, "statusModule", "startDateStruct", "date"), "statusModule.startDateStruct.date", problems
    )
    completion = _date(
        _get(ps, "statusModule", "completionDateStruct", "date"),
        "statusModule.completionDateStruct.date",
        problems,
    )
    dm = _get(ps, "designModule") or {}
    if not isinstance(dm, dict):
        return Mapped(nct, {}, [*problems, f"designModule: expected an object, got {_shape(dm)}"])
    study_type = _enum(dm.get("studyType"), RegistryStudyType, "designModule.studyType", problems)
    raw_phases = dm.get("phases") or []
    if not isinstance(raw_phases, list):
        problems.append("designModule.phases: expected a list")
        raw_phases = []
    phases = [
        p
        for i, x in enumerate(raw_phases)
        if (p := _enum(x, RegistryPhase, f"designModule.phases[{i}]", problems))
    ]
    enrol = _get(dm, "enrollmentInfo", "count")
    if enrol is not None and (not isinstance(enrol, int) or isinstance(enrol, bool) or enrol < 0):
        problems.append(f"designModule.enrollmentInfo.count: expected a whole number, got {enrol!r}")
        enrol = None
    enrol_type = _enum(
        _get(dm, "enrollmentInfo", "type"), EnrollmentType, "designModule.enrollmentInfo.type", problems
    )
    allocation = _enum(
        _get(dm, "designInfo", "allocation"), Allocation, "designModule.designInfo.allocation", problems
    )
    masking = _enum(
        _get(dm, "designInfo", "maskingInfo", "masking"),
        Masking,
        "designModule.designInfo.maskingInfo.masking",
        problems,
    )
    model = _enum(
        _get(dm, "designInfo", "interventionModel"),
        InterventionModel,
        "designModule.designInfo.interventionModel",
        problems,
    )
    sponsor = _str(
        _get(ps, "sponsorCollaboratorsModule", "leadSponsor", "name"), "leadSponsor.name", problems
    )
    conditions = [
        c
        for c in _seq(_get(ps, "conditionsModule", "conditions"), "conditionsModule.conditions", problems)
        if isinstance(c, str)
    ]
    interventions = []
    raw_interventions = _get(ps, "armsInterventionsModule", "interventions")
    for i, iv in enumerate(_seq(raw_interventions, "armsInterventionsModule.interventions", problems)):
        if isinstance(iv, dict) and isinstance(iv.get("name"), str):
            interventions.append(
                {
                    "name": iv["name"].strip(),
                    "type": iv.get("type"),
                    "description": (iv.get("description") or "").strip() or None,
                }
            )
        else:
            problems.append(f"armsInterventionsModule.interventions[{i}]: an intervention needs a name")
    countries = sorted(
        {
            loc["country"]
            for loc in _seq(_get(ps, "contactsLocationsModule", "locations"), "locations", problems)
            if isinstance(loc, dict) and isinstance(loc.get("country"), str)
        }
    )
    if problems:
        return Mapped(nct, {}, problems)

    tissue, tissue_evidence = classify_tissue(data)
    source_id = None
    if tissue is not None:
        try:
            source_id = ds.resolve_source(tissue).id
        except MscrefError:
            tissue_evidence += f"; the data has no source record for {tissue} (add one to sources.yaml)"
            flags.append(f"source tissue {tissue} has no record in sources.yaml")
    origin, origin_evidence = classify_origin(data)
    words = " ".join(text for _w, text in _texts(data))
    if not _MSC.search(words):
        product_type = "non-msc"
        flags.append("no mesenchymal/stromal cells named: imported as non-MSC context; check it")
        if source_id and ds.source(source_id).category.value != "non-msc":
            source_id = None
            tissue_evidence += "; not recorded as an MSC source because no MSCs are named"
    elif _VESICLES.search(words):
        product_type = "extracellular-vesicles"
    elif _ENGINEERED.search(words):
        product_type = "engineered-cells"
    else:
        product_type = "cells"
    indication, unmatched, ind_flags = match_indication(conditions, ds)
    flags += ind_flags
    phase, phase_label = _PHASES.get(tuple(sorted(set(phases) - {"NA"})), (None, None))
    if phases and phase is None and set(phases) != {"NA"}:
        flags.append(f"phases {', '.join(phases)} do not map to one mscref phase")

    arm_types = {
        str(a.get("type"))
        for a in _seq(_get(ps, "armsInterventionsModule", "armGroups"))
        if isinstance(a, dict)
    }
    design: dict[str, Any] = {}
    if allocation == "RANDOMIZED":
        design["randomized"] = True
    elif allocation == "NON_RANDOMIZED" or model == "SINGLE_GROUP":
        design["randomized"] = False
    if masking:
        design["blinding"] = {"NONE": "open-label", "SINGLE": "single-blind"}.get(masking, "double-blind")
    if model == "SINGLE_GROUP" and not design.get("randomized"):
        design["control"] = "none"
    elif arm_types & {"PLACEBO_COMPARATOR", "SHAM_COMPARATOR"}:
        design["control"] = "placebo"
    elif "ACTIVE_COMPARATOR" in arm_types:
        design["control"] = "active"
    elif "NO_INTERVENTION" in arm_types:
        design["control"] = "standard-care"

    given = [iv["name"] for iv in interventions if not _PLACEBO.search(iv["name"])]
    trial: dict[str, Any] = {
        "title": brief or official or nct,
        "registry_ids": [nct],
        "intervention": "; ".join(given) or brief or nct,
        "product_type": product_type,
        "source": source_id,
        "origin": origin,
        "indication": indication,
        "study_type": {"EXPANDED_ACCESS": "expanded-access", "OBSERVATIONAL": "observational"}.get(
            study_type or "", "interventional"
        ),
    }
    if phase:
        trial["phase"] = phase
        if phase_label:
            trial["phase_label"] = phase_label
    if design:
        trial["design"] = design
    if countries:
        trial["countries"] = countries
    if start or completion:
        trial["period"] = f"{start or '?'} to {completion or '?'}"
    if enrol:
        trial["n"] = enrol
        trial["n_label"] = "estimated enrolment" if enrol_type == "ESTIMATED" else "enrolment"
    if status:
        trial["status"] = status.lower().replace("_", " ")
    arms, outcome, result_flags = _primary_outcome(data, enrol)
    flags += result_flags
    if arms:
        trial["arms"] = arms
    if outcome:
        trial["outcomes"] = [outcome]
    registry: dict[str, Any] = {"registry": "ClinicalTrials.gov", "id": nct}
    for key, value in (
        ("brief_title", brief),
        ("official_title", official),
        ("overall_status", status),
        ("study_type", study_type),
        ("phases", phases),
        ("enrollment", enrol),
        ("enrollment_type", enrol_type),
        ("start_date", start),
        ("completion_date", completion),
        ("sponsor", sponsor),
        ("conditions", conditions),
        ("unmatched_conditions", unmatched),
        ("interventions", interventions),
        ("allocation", allocation),
        ("masking", masking),
        ("intervention_model", model),
        ("countries", countries),
        ("source_evidence", tissue_evidence),
        ("origin_evidence", origin_evidence),
        ("has_results", bool(data.get("hasResults") or data.get("resultsSection"))),
        ("flags", flags),
    ):
        if value not in (None, [], ""):
            registry[key] = value
    for iv in registry.get("interventions", []):
        for k in [k for k, v in iv.items() if v is None]:
            del iv[k]
    trial["registry"] = copy.deepcopy(registry)  # no list shared with the trial (no YAML anchors)
    return Mapped(nct, trial, [])


def new_trial_id(nct: str, taken: set[str]) -> str:
    """``ctgov-nct01234567``, made unique against every id already in use."""
    base = f"ctgov-{nct.lower()}"
    out, n = base, 2
    while out in taken:
        out, n = f"{base}-{n}", n + 1
    taken.add(out)
    return out


def _primary_outcome(
    data: dict[str, Any], enrolment: int | None
) -> tuple[list[Any], dict[str, Any] | None, list[str]]:
    """Arms and the first primary outcome with per-arm numbers, from posted results."""
    flags: list[str] = []
    measures = _get(data, "resultsSection", "outcomeMeasuresModule", "outcomeMeasures")
    if not isinstance(measures, list):
        return [], None, flags
    primary = [m for m in measures if isinstance(m, dict) and m.get("type") == "PRIMARY"]
    if not primary:
        return [], None, flags
    om = primary[0]
    title = str(om.get("title") or "primary outcome").strip()
    groups = [g for g in _seq(om.get("groups")) if isinstance(g, dict) and isinstance(g.get("id"), str)]
    classes = _seq(om.get("classes"))
    cats = [
        c for cl in classes if isinstance(cl, dict) for c in _seq(cl.get("categories")) if isinstance(c, dict)
    ]
    if len(classes) != 1 or len(cats) != 1:
        flags.append(f"primary outcome '{title}' has {len(cats)} categories; its numbers were not imported")
        return [], None, flags
    values = {
        m.get("groupId"): m.get("value") for m in _seq(cats[0].get("measurements")) if isinstance(m, dict)
    }
    denoms: dict[Any, Any] = {}
    for d in _seq(om.get("denoms")):
        if isinstance(d, dict) and str(d.get("units", "")).lower() == "participants":
            denoms = {c.get("groupId"): c.get("value") for c in _seq(d.get("counts")) if isinstance(c, dict)}
    param = str(om.get("paramType") or "")
    unit = str(om.get("unitOfMeasure") or "").strip()
    counts = param == "COUNT_OF_PARTICIPANTS" or (param == "NUMBER" and unit.lower() == "participants")
    percent = "percent" in unit.lower() or unit == "%"
    arms: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    for g in groups:
        gid = g["id"]
        arm_id = _slug(gid, "group")
        total = _number(denoms.get(gid))
        n = int(total) if total is not None and total == int(total) and total >= 1 else None
        arms.append({"id": arm_id, "label": str(g.get("title") or gid).strip(), **({"n": n} if n else {})})
        value = _number(values.get(gid))
        if value is None:
            if gid in values:
                flags.append(f"primary outcome value {values[gid]!r} for {gid} is not a number; left out")
            continue
        if counts and n is not None and value == int(value) and 0 <= value <= n:
            results.append({"arm": arm_id, "events": int(value), "total": n})
        elif counts:
            flags.append(
                f"primary outcome count {values.get(gid)!r} for {gid} does not fit its denominator; left out"
            )
        elif percent and 0 <= value <= 100:
            results.append({"arm": arm_id, "value": value, "unit": "%"})
        elif not percent and unit:
            results.append({"arm": arm_id, "value": value, "unit": unit})
        else:
            flags.append(f"primary outcome value {values.get(gid)!r} for {gid} has no usable unit; left out")
    if enrolment and sum(a.get("n", 0) for a in arms) > enrolment:
        for a in arms:
            a.pop("n", None)
        flags.append("result denominators add up to more than the enrolment; arm sizes left out")
    if not results:
        return arms, None, flags
    outcome: dict[str, Any] = {
        "endpoint": _endpoint(title),
        "endpoint_label": title,
        "timepoint": parse_timepoint(str(om.get("timeFrame") or "")),
        "primary": True,
        "arms": results,
    }
    if outcome["timepoint"] is None:
        del outcome["timepoint"]
        flags.append(f"primary outcome time frame {om.get('timeFrame')!r} is not a single timepoint")
    return arms, outcome, flags


def map_studies(studies: list[Study], ds: Dataset) -> list[Mapped]:
    """Map every study; ImportFailed names each record whose fields are wrong. The same NCT id
    twice in the input is fine when both records map to the same trial (the second is
    dropped); when they differ, neither is silently preferred: that is a problem too."""
    mapped: dict[str, Mapped] = {}
    problems: list[ImportProblem] = []
    for study in studies:
        m = map_study(study, ds)
        m.study = study
        problems += [ImportProblem(study.file, study.label, p) for p in m.problems]
        if m.problems:
            continue
        first = mapped.get(m.nct)
        if first is None:
            mapped[m.nct] = m
        elif first.trial != m.trial and first.study is not None:
            problems.append(
                ImportProblem(
                    study.file,
                    study.label,
                    f"{m.nct} is also in {first.study.file}: {first.study.where}, with different "
                    "content; import one of the two records",
                )
            )
    if problems:
        raise ImportFailed(problems)
    return list(mapped.values())


def _short(message: str) -> str:
    """The first clause of a parser's message (Python's advice on raising its limits cut)."""
    return message.split(";")[0][:200]
