"""Where an identifier resolves: DOIs, PubMed and PMC ids, registry ids and web addresses.

Only https addresses are made; a plain-http address in the data is shown but never linked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

from mscref.data.models import REGISTRY_PATTERN

_TRAILING = ".,;:)]}>'\""


def doi_url(doi: str) -> str:
    return "https://doi.org/" + quote(doi, safe="/:;()._-")


def pmid_url(pmid: str) -> str:
    return f"https://pubmed.ncbi.nlm.nih.gov/{quote(pmid, safe='')}/"


def pmcid_url(pmcid: str) -> str:
    return f"https://pmc.ncbi.nlm.nih.gov/articles/{quote(pmcid, safe='')}/"


def registry_url(registry_id: str) -> str:
    """ClinicalTrials.gov for NCT numbers, the WHO trials search portal for the other registries."""
    if registry_id.startswith("NCT"):
        return f"https://clinicaltrials.gov/study/{quote(registry_id, safe='')}"
    return f"https://trialsearch.who.int/Trial2.aspx?TrialID={quote(registry_id, safe='-')}"


def safe_url(url: str) -> str | None:
    """The address if it is https and holds nothing that could leave an attribute; else None."""
    if not url.lower().startswith("https://") or re.search(r"[\s<>\"'`\\]", url):
        return None
    return url


# One pattern for every identifier; the leftmost match wins, so an identifier inside a URL stays
# part of the URL.
_LINKABLE = re.compile(
    r"(?P<url>https?://[^\s<>\"'`]+)"
    r"|(?P<doi>\bdoi:\s?10\.[0-9]{4,9}/[^\s<>\"'`]+)"
    r"|(?P<pmid>\bPMID:?\s?[0-9]{1,9}\b)"
    r"|(?P<pmcid>\bPMC[0-9]{3,}\b)"
    rf"|(?P<registry>\b(?:{REGISTRY_PATTERN})\b)"
)


# A piece of every identifier and address above, each found by a plain substring search (many
# times faster than the whole pattern, or one pattern of the pieces): most text holds none and
# needs no other search. An EudraCT number (2010-012345-12) has no letters: its hint is six
# digits between dashes, searched for only in text with a dash.
_EUDRACT_HINT = re.compile(r"-[0-9]{6}-")


def has_links(text: str) -> bool:
    """Whether ``text`` holds an identifier or address (quickly, for the many that do not)."""
    hinted = (
        "://" in text
        or "doi:" in text
        or "PM" in text
        or "NCT" in text
        or "CTR" in text
        or "jRCT" in text
        or "ISRCTN" in text
        or ("-" in text and _EUDRACT_HINT.search(text) is not None)
    )
    return hinted and _LINKABLE.search(text) is not None


def find_links(text: str) -> Iterator[tuple[int, int, str | None]]:
    """(start, end, href) for every identifier or address in ``text``; href None when it may not
    be linked (a plain-http address)."""
    for m in _LINKABLE.finditer(text):
        kind = m.lastgroup
        start, end = m.span()
        if kind in ("url", "doi"):
            while end > start and text[end - 1] in _TRAILING:
                end -= 1
        found = text[start:end]
        if kind == "url":
            href = safe_url(found)
        elif kind == "doi":
            href = doi_url(found[4:].strip())
        elif kind == "pmid":
            href = pmid_url(re.sub(r"\D", "", found))
        elif kind == "pmcid":
            href = pmcid_url(found)
        else:
            href = registry_url(found)
        yield start, end, href
