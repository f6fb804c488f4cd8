"""What a registry record says it tests, read from its own words, with the words kept as evidence.

Shared by ``import ctgov`` (one record into a curated trial) and the registry store (every
fetched record into the columns ``registry list`` and ``registry summary`` read). Precision
comes first: when the record does not say, or says two things, the answer is ``None`` (unknown)
and the evidence says why.

Registry text is typed by people: curly apostrophes (Wharton’s jelly), Unicode hyphens and
non-breaking spaces (bone‑marrow‑derived), words run together (AdiposeDerived). Every text is
normalised first (:func:`normalise`), so the patterns below only ever see plain ASCII
punctuation and spaces.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from mscref.data.dataset import Dataset, fold, names_of
from mscref.data.errors import MscrefError

#: Bumped when a rule below changes, so stored classifications can be told apart.
CLASSIFIER_VERSION = 2

# Every dash and hyphen Unicode has (U+2010-2015, minus, small and full-width forms) is "-".
_DASHES = re.compile(r"[\u2010-\u2015\u2212\u2043\ufe58\ufe63\uff0d\u00ad]")
_APOSTROPHES = re.compile(r"[\u2018\u2019\u201a\u201b\u2032\u02bc\u00b4`\uff07]")
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
# "AdiposeDerived", "UmbilicalCord": a lower-case letter followed by an upper-case one starts a
# new word. Abbreviations (hUC-MSC, ADSCs, BM-MSCs) keep their shape: the rule needs two lower-
# case letters before the capital, so "hUC" and "MSCs" are left alone.
_CAMEL = re.compile(r"(?<=[a-z]{2})(?=[A-Z][a-z])")


def normalise(text: str) -> str:
    """Text as the patterns read it: NFKC, ASCII apostrophes, hyphens and spaces, camel case split."""
    text = unicodedata.normalize("NFKC", text)
    text = _DASHES.sub("-", text)
    text = _APOSTROPHES.sub("'", text)
    text = _SPACES.sub(" ", text)
    return _CAMEL.sub(" ", text)


# A word that makes a tissue the source of cells: "umbilical cord-derived MSCs",
# "Wharton's jelly mesenchymal cells", "bone marrow stromal cells".
_CELL_WORD = r"(mesenchymal|stromal|stem|progenitor|MSCs?|cells?|derived|origin)"
_CELLS_AFTER = re.compile(r"^[-\s]*(\(?[A-Za-z-]{1,12}\)?[-\s]+){0,3}" + _CELL_WORD + r"\b", re.I)
# "cord blood transplantation" is the setting (a patient's transplant), not a source of MSCs.
_CELLS_BEFORE = re.compile(
    r"\b(cells?|MSCs?)\s+(derived\s+|isolated\s+|obtained\s+)?from\s+((the|human|autologous|allogeneic|donor)\s+)*$",
    re.I,
)
_TRANSPLANT_AFTER = re.compile(r"^[-\s]*(unit\s+)?(transplant|graft|infusion\s+of\s+units|bank)", re.I)

# (tissue as a source would name it, pattern, is an abbreviation that names cells by itself);
# more specific first (cord blood before cord).
_TISSUES: list[tuple[str, re.Pattern[str]]] = [
    ("umbilical cord blood", re.compile(r"\b(umbilical\s+)?cord[-\s]+blood\b|\bh?UCB(-MSCs?)?\b", re.I)),
    (
        "umbilical cord",
        re.compile(
            r"\bumbilical[-\s]+cords?\b(?![-\s]+blood)|\bwharton'?s?[-\s]+jelly\b|\bh?UC-?MSCs?\b|\bWJ-?MSCs?\b",
            re.I,
        ),
    ),
    (
        "adipose",
        re.compile(
            r"\badipose\b|\bfat[-\s]derived\b|\blipoaspirate\b|\bh?AD-?MSCs?\b|\bh?ADSCs?\b|\bASCs\b", re.I
        ),
    ),
    ("bone marrow", re.compile(r"\bbone[-\s]+marrow\b|\bBM-?MSCs?\b|\bmarrow[-\s]derived\b", re.I)),
    ("amnion", re.compile(r"\bamnio(n|tic)\b|\bh?AMSCs?\b", re.I)),
    ("placenta", re.compile(r"\bplacenta(l)?\b", re.I)),
    ("dental pulp", re.compile(r"\bdental[-\s]+pulp\b|\bDPSCs?\b", re.I)),
    ("menstrual blood", re.compile(r"\bmenstrual[-\s]+blood\b", re.I)),
]
# An abbreviation that is a cell name by itself (UC-MSC, ADSCs) needs no cell word after it.
_ABBREVIATION = re.compile(r"MSC|SC|UCB$", re.I)
_ALLOGENEIC = re.compile(r"\ballogen(e)?ic\b", re.I)
_AUTOLOGOUS = re.compile(r"\bautologous\b", re.I)
MSC = re.compile(r"\bmesenchymal\b|\bstromal\b|\bMSCs?\b|\bMSC-", re.I)
VESICLES = re.compile(r"\bexosomes?\b|\bextracellular[-\s]+vesicles?\b|\bsecretome\b|\bEVs?\b", re.I)
ENGINEERED = re.compile(r"\bgenetically[-\s]+(modified|engineered)\b|\btransduced\b|\bengineered\b", re.I)
PLACEBO = re.compile(r"\bplacebo\b|\bsham\b|\bvehicle\b", re.I)


def _get(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def texts(study: dict[str, Any]) -> list[tuple[str, str]]:
    """(where, normalised text) for the words that describe what was given: interventions
    (placebo and sham arms left out), then titles."""
    ps = study.get("protocolSection", {})
    out: list[tuple[str, str]] = []
    ivs = _get(ps, "armsInterventionsModule", "interventions")
    for i, iv in enumerate(ivs if isinstance(ivs, list) else []):
        if not isinstance(iv, dict) or PLACEBO.search(normalise(str(iv.get("name", "")))):
            continue
        for key in ("name", "description"):
            if isinstance(iv.get(key), str):
                out.append((f"interventions[{i}].{key}", normalise(iv[key])))
    for key in ("briefTitle", "officialTitle"):
        text = _get(ps, "identificationModule", key)
        if isinstance(text, str):
            out.append((key, normalise(text)))
    return out


def _names_source(m: re.Match[str], text: str, in_title: bool) -> bool:
    """Whether a tissue mention names where the cells come from (not a setting or a condition)."""
    after = text[m.end() :]
    if _TRANSPLANT_AFTER.match(after):
        return False
    if not in_title:
        return True  # an intervention is what is given: its tissue is the source
    # in a title a tissue must name cells: "umbilical cord MSCs", "hUC-MSC", "adipose-derived"
    return bool(
        _ABBREVIATION.search(m.group(0))
        or _CELLS_AFTER.match(after)
        or _CELLS_BEFORE.search(text[: m.start()])
    )


def classify_tissue(study: dict[str, Any]) -> tuple[str | None, str]:
    """The tissue the record names, with the words it was read from; None when it names none
    or names more than one (then the evidence says which)."""
    found: dict[str, str] = {}
    for where, text in texts(study):
        in_title = not where.startswith("interventions")
        for tissue, pattern in _TISSUES:
            for m in pattern.finditer(text):
                if _names_source(m, text, in_title) and tissue not in found:
                    found[tissue] = f"{where}: '{m.group(0)}'"
            if tissue == "umbilical cord blood":
                text = pattern.sub(" ", text)  # "cord blood" is not also "umbilical cord"
    if not found:
        return None, "unknown: no source tissue named in the interventions or titles"
    if len(found) > 1:
        return None, "unknown: several tissues named (" + "; ".join(
            f"{t} from {w}" for t, w in found.items()
        ) + ")"
    ((tissue, where),) = found.items()
    return tissue, f"{tissue} from {where}"


def classify_origin(study: dict[str, Any]) -> tuple[str | None, str]:
    """allogeneic or autologous, with where it was read; None when neither or both are named."""
    allo = auto = None
    for where, text in texts(study):
        allo = allo or (where if _ALLOGENEIC.search(text) else None)
        auto = auto or (where if _AUTOLOGOUS.search(text) else None)
    if allo and auto:
        return None, f"unknown: both allogeneic ({allo}) and autologous ({auto}) named"
    if allo:
        return "allogeneic", f"allogeneic from {allo}"
    if auto:
        return "autologous", f"autologous from {auto}"
    return None, "unknown: neither allogeneic nor autologous named"


def classify_product(study: dict[str, Any]) -> tuple[str, str]:
    """(product type, evidence): ``non-msc`` when no mesenchymal/stromal cells are named, else
    ``extracellular-vesicles``, ``engineered-cells`` or ``cells``."""
    words = " ".join(text for _w, text in texts(study))
    if not (m := MSC.search(words)):
        return "non-msc", "no mesenchymal/stromal cells named in the interventions or titles"
    if v := VESICLES.search(words):
        return "extracellular-vesicles", f"'{v.group(0)}' named"
    if e := ENGINEERED.search(words):
        return "engineered-cells", f"'{e.group(0)}' named"
    return "cells", f"'{m.group(0)}' named"


#: API phase lists to mscref phases (and a label when mscref's phase is coarser).
PHASES: dict[tuple[str, ...], tuple[str, str | None]] = {
    ("EARLY_PHASE1",): ("0", "early phase 1"),
    ("PHASE1",): ("1", None),
    ("PHASE1", "PHASE2"): ("1/2", None),
    ("PHASE2",): ("2", None),
    ("PHASE2", "PHASE3"): ("2/3", None),
    ("PHASE3",): ("3", None),
    ("PHASE4",): ("4", None),
}


def phase_of(phases: list[str]) -> str | None:
    """One mscref phase for the API's list, or None (none given, NA, or not one phase)."""
    return PHASES.get(tuple(sorted(set(phases) - {"NA"})), (None, None))[0]


def match_indication(conditions: list[str], ds: Dataset) -> tuple[str | None, list[str], list[str]]:
    """(indication id, unmatched conditions, flags) from the registry's conditions."""
    names = _lookups(ds).indication_names
    matched: dict[str, str] = {}
    unmatched: list[str] = []
    for cond in conditions:
        key = fold(cond)
        hits = {iid for name, iid in names if name == key or (len(name) >= 6 and name in key)}
        if len(hits) == 1:
            matched[cond] = hits.pop()
        elif hits:
            # "Lupus Nephritis" names lupus nephritis and SLE: keep the most specific (a child)
            leaves = {h for h in hits if not any(ds.indication(o).parent == h for o in hits)}
            if len(leaves) == 1:
                matched[cond] = leaves.pop()
            else:
                unmatched.append(cond)
        else:
            unmatched.append(cond)
    flags = []
    ids = sorted(set(matched.values()))
    if len(ids) > 1:
        flags.append(
            "conditions match several indications (" + ", ".join(ids) + "); indication left unclassified"
        )
        return None, unmatched, flags
    if unmatched:
        flags.append("conditions no indication alias matches: " + "; ".join(unmatched))
    return (ids[0] if ids else None), unmatched, flags


class _Lookups:
    """A data set's folded indication names and resolved tissues, worked out once: classifying
    10,000 studies would otherwise fold every alias 10,000 times."""

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds  # held, so its id is not reused while this is cached
        self.indication_names = [(fold(n), ind.id) for ind in ds.indications for n in names_of(ind)]
        self._sources: dict[str, str | None] = {}

    def source_of(self, tissue: str, ds: Dataset) -> str | None:
        if tissue not in self._sources:
            try:
                self._sources[tissue] = ds.resolve_source(tissue).id
            except MscrefError:
                self._sources[tissue] = None
        return self._sources[tissue]


_LOOKUPS: list[_Lookups] = []


def _lookups(ds: Dataset) -> _Lookups:
    if not _LOOKUPS or _LOOKUPS[0].ds is not ds:
        _LOOKUPS[:] = [_Lookups(ds)]
    return _LOOKUPS[0]


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def study_id(study: dict[str, Any]) -> str | None:
    """The record's NCT id, or None when it has none of the right shape."""
    nct = _text(_get(study, "protocolSection", "identificationModule", "nctId"))
    return nct if nct and re.fullmatch(r"NCT[0-9]{8}", nct) else None


def last_update(study: dict[str, Any]) -> str | None:
    """The date the registry last posted a change to the record (``lastUpdatePostDateStruct``)."""
    return _text(_get(study, "protocolSection", "statusModule", "lastUpdatePostDateStruct", "date"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Classified:
    """What a stored study tests, each answer with the words it was read from."""

    title: str | None
    is_msc: bool
    product_type: str
    product_evidence: str
    tissue: str | None  # as the record names it: "umbilical cord"
    source: str | None  # the data set's source id for that tissue: "uc"
    tissue_evidence: str
    origin: str | None
    origin_evidence: str
    indication: str | None
    conditions: tuple[str, ...]
    unmatched: tuple[str, ...]  # conditions no indication alias matches, verbatim
    phase: str | None
    phases: tuple[str, ...]  # the registry's own
    status: str | None
    enrollment: int | None
    countries: tuple[str, ...]
    start_date: str | None
    start_year: int | None
    has_results: bool


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(x.strip() for x in value if isinstance(x, str) and x.strip())


def classify_study(study: dict[str, Any], ds: Dataset) -> Classified:
    """Every column ``registry list`` and ``registry summary`` show, for one API v2 record.

    Never raises on a misshapen record: a field of the wrong shape is simply unknown."""
    ps = study.get("protocolSection")
    ps = ps if isinstance(ps, dict) else {}
    tissue, tissue_evidence = classify_tissue(study)
    source = None
    if tissue is not None:
        source = _lookups(ds).source_of(tissue, ds)
        if source is None:
            tissue_evidence += f"; the data has no source record for {tissue}"
    origin, origin_evidence = classify_origin(study)
    product_type, product_evidence = classify_product(study)
    conditions = _strings(_get(ps, "conditionsModule", "conditions"))
    indication, unmatched, _flags = match_indication(list(conditions), ds)
    if indication is None and not unmatched:
        unmatched = list(conditions)  # several indications matched: keep the words, guess nothing
    phases = _strings(_get(ps, "designModule", "phases"))
    enrol = _get(ps, "designModule", "enrollmentInfo", "count")
    if not isinstance(enrol, int) or isinstance(enrol, bool) or enrol < 0:
        enrol = None
    locations = _get(ps, "contactsLocationsModule", "locations")
    countries = sorted(
        {
            loc["country"].strip()
            for loc in (locations if isinstance(locations, list) else [])
            if isinstance(loc, dict) and isinstance(loc.get("country"), str) and loc["country"].strip()
        }
    )
    start = _text(_get(ps, "statusModule", "startDateStruct", "date"))
    year = int(start[:4]) if start and re.match(r"[12][0-9]{3}(-|$)", start) else None
    return Classified(
        title=_text(_get(ps, "identificationModule", "briefTitle"))
        or _text(_get(ps, "identificationModule", "officialTitle")),
        is_msc=product_type != "non-msc",
        product_type=product_type,
        product_evidence=product_evidence,
        tissue=tissue,
        source=source,
        tissue_evidence=tissue_evidence,
        origin=origin,
        origin_evidence=origin_evidence,
        indication=indication,
        conditions=conditions,
        unmatched=tuple(unmatched),
        phase=phase_of(list(phases)),
        phases=phases,
        status=_text(_get(ps, "statusModule", "overallStatus")),
        enrollment=enrol,
        countries=tuple(countries),
        start_date=start,
        start_year=year,
        has_results=bool(study.get("hasResults") or study.get("resultsSection")),
    )
