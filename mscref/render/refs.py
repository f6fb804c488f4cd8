"""References out: CSL-JSON (Zotero, pandoc), RIS (EndNote), BibTeX (LaTeX) and markdown.

CSL-JSON is the interchange shape; the other formats are written from the same fields. Nothing
is invented: a reference without a title or authors says so in its note, and an author list the
source abbreviated ("Jiang E et al.") is kept as it was, with the abbreviation named.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from mscref.data.dataset import Dataset
from mscref.data.errors import NotFoundError
from mscref.data.models import Product, Reference, ReferenceKind, Source, Trial
from mscref.data.query import Record
from mscref.render.links import doi_url, pmcid_url, pmid_url, registry_url, safe_url
from mscref.render.output import md_escape, to_json
from mscref.render.views.text import reference_text


class RefFormat(StrEnum):
    BIBTEX = "bibtex"
    RIS = "ris"
    CSLJSON = "csljson"
    MARKDOWN = "markdown"


# ------------------------------------------------------------------------------------------
# Which references


def record_ref_ids(ds: Dataset, rec: Record | Source) -> list[str]:
    """Every reference one record cites: its own, its outcomes', milestones', approvals', the
    claims about it and, for a source, its traits'."""
    ids: list[str] = list(rec.refs)
    if isinstance(rec, Source):
        ids += [r for v in rec.traits.values() for r in v.refs]
        return ids
    if isinstance(rec, Trial):
        ids += [r for o in rec.outcomes for r in o.refs]
    product = rec if isinstance(rec, Product) else ds.product_of(rec)
    if isinstance(rec, Product):
        ids += [r for m in rec.milestones for r in m.refs]
    if product is not None:
        ids += [r for a in product.approvals for r in a.refs]
    ids += [r for c in ds.claims_about(rec.id) for r in c.refs]
    return ids


def cited_by(ds: Dataset, record_id: str) -> list[Reference]:
    """The references of one trial, product, source, claim or statement, in the order cited."""
    for group in (ds.claims, ds.statements):
        for item in group:
            if item.id == record_id:
                return ds.refs_in_order(item.refs)
    try:
        rec = ds.record(record_id)
    except NotFoundError:
        ids = [c.id for c in ds.claims] + [s.id for s in ds.statements]
        raise NotFoundError(
            f"no trial, product, source, claim or statement {record_id!r}"
            + (" (claims and statements: " + ", ".join(ids[:8]) + " …)" if ids else "")
        ) from None
    return ds.refs_in_order(record_ref_ids(ds, rec))


def references_of(ds: Dataset, records: Iterable[Record]) -> list[Reference]:
    """The references behind a selection, each once, in the order first cited."""
    return ds.refs_in_order(r for rec in records for r in record_ref_ids(ds, rec))


# ------------------------------------------------------------------------------------------
# The shared fields

_CSL_TYPE = {
    ReferenceKind.ARTICLE: "article-journal",
    ReferenceKind.REGISTRY: "dataset",
    ReferenceKind.NEWS: "article-newspaper",
    ReferenceKind.WEB: "webpage",
}
_RIS_TYPE = {
    ReferenceKind.ARTICLE: "JOUR",
    ReferenceKind.REGISTRY: "DATA",
    ReferenceKind.NEWS: "NEWS",
    ReferenceKind.WEB: "ELEC",
}
_ET_AL = re.compile(r"\s*,?\s*\bet al\.?\s*$", re.I)


def _authors(text: str | None) -> tuple[list[dict[str, str]], bool]:
    """CSL names from the data's author text, and whether the list was abbreviated (et al.).

    ``"Jiang E et al."`` gives family Jiang, given E; ``"Zhang & Jordan"`` two family names.
    """
    if not text:
        return [], False
    abbreviated = bool(_ET_AL.search(text))
    text = _ET_AL.sub("", text)
    names = []
    for part in re.split(r"\s*(?:&|;|\band\b|,)\s*", text):
        words = part.split()
        if not words:
            continue
        # "Jiang E", "Lee WY": a family name followed by initials
        if len(words) > 1 and re.fullmatch(r"[A-Z]{1,3}", words[-1]):
            names.append({"family": " ".join(words[:-1]), "given": words[-1]})
        else:
            names.append({"family": " ".join(words)})
    return names, abbreviated


def _notes(ref: Reference) -> list[str]:
    """What the export must say about a reference: its registry id and what is missing."""
    notes = []
    if ref.registry_id:
        notes.append(f"Registry: {ref.registry_id}")
    if not ref.title:
        notes.append("No title recorded in mscref's sources")
    if not ref.authors:
        notes.append("No authors recorded in mscref's sources")
    elif _authors(ref.authors)[1]:
        notes.append(f"Author list abbreviated in the source as '{ref.authors}'")
    if ref.note:
        notes.append(ref.note)
    return notes


def _url(ref: Reference) -> str | None:
    if ref.url:
        return ref.url
    if ref.registry_id:
        return registry_url(ref.registry_id)
    return None


def csl_item(ref: Reference) -> dict[str, Any]:
    """One reference as a CSL-JSON item."""
    item: dict[str, Any] = {"id": ref.id, "type": _CSL_TYPE.get(ref.kind, "report")}
    names, _ = _authors(ref.authors)
    if names:
        item["author"] = names
    if ref.title:
        item["title"] = ref.title
    if ref.journal:
        item["container-title"] = ref.journal
    if ref.year:
        item["issued"] = {"date-parts": [[ref.year]]}
    for key, value in (
        ("volume", ref.volume),
        ("issue", ref.issue),
        ("page", ref.pages),
        ("DOI", ref.doi),
        ("PMID", ref.pmid),
        ("PMCID", ref.pmcid),
        ("URL", _url(ref)),
        ("publisher", ref.publisher),
        ("number", ref.registry_id),
    ):
        if value:
            item[key] = value
    notes = _notes(ref)
    if notes:
        item["note"] = "; ".join(notes)
    return item


# ------------------------------------------------------------------------------------------
# Formats


def csljson(refs: list[Reference]) -> str:
    return to_json([csl_item(r) for r in refs])


_BIB_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
}


def _bib(text: str) -> str:
    """Text as a BibTeX value: LaTeX specials escaped, braces balanced, on one line."""
    text = " ".join(text.split())
    return "".join(_BIB_SPECIAL.get(ch, ch) for ch in text)


def bibtex(refs: list[Reference]) -> str:
    entries = []
    for ref in refs:
        item = csl_item(ref)
        kind = "article" if ref.kind is ReferenceKind.ARTICLE else "misc"
        names, abbreviated = _authors(ref.authors)
        authors = [f"{n['family']}, {n['given']}" if "given" in n else n["family"] for n in names]
        if abbreviated:
            authors.append("others")
        fields: list[tuple[str, str | None]] = [
            ("author", " and ".join(authors) or None),
            ("title", ref.title),
            ("journal", ref.journal),
            ("year", str(ref.year) if ref.year else None),
            ("volume", ref.volume),
            ("number", ref.issue),
            ("pages", ref.pages.replace("-", "--") if ref.pages and "--" not in ref.pages else ref.pages),
            ("doi", ref.doi),
            ("pmid", ref.pmid),
            ("pmcid", ref.pmcid),
            ("url", item.get("URL")),
            ("publisher", ref.publisher),
            ("note", item.get("note")),
        ]
        lines = [f"@{kind}{{{ref.id},"]
        lines += [f"  {key} = {{{_bib(value)}}}," for key, value in fields if value]
        lines.append("}")
        entries.append("\n".join(lines))
    return "\n\n".join(entries) + ("\n" if entries else "")


def _ris_line(tag: str, value: str) -> str:
    return f"{tag}  - {' '.join(value.split())}"


def ris(refs: list[Reference]) -> str:
    out = []
    for ref in refs:
        item = csl_item(ref)
        lines = [_ris_line("TY", _RIS_TYPE.get(ref.kind, "GEN")), _ris_line("ID", ref.id)]
        for name in item.get("author", []):
            full = f"{name['family']}, {name['given']}" if "given" in name else name["family"]
            lines.append(_ris_line("AU", full))
        for tag, value in (
            ("TI", ref.title),
            ("T2", ref.journal),
            ("PY", str(ref.year) if ref.year else None),
            ("VL", ref.volume),
            ("IS", ref.issue),
        ):
            if value:
                lines.append(_ris_line(tag, value))
        if ref.pages:
            first, _, last = ref.pages.replace("--", "-").partition("-")
            lines.append(_ris_line("SP", first))
            if last:
                lines.append(_ris_line("EP", last))
        for tag, value in (
            ("DO", ref.doi),
            ("AN", f"PMID:{ref.pmid}" if ref.pmid else None),
            ("UR", item.get("URL")),
            ("PB", ref.publisher),
            ("N1", item.get("note")),
        ):
            if value:
                lines.append(_ris_line(tag, value))
        if ref.pmcid:
            lines.append(_ris_line("C2", ref.pmcid))
        lines.append("ER  - ")
        out.append("\n".join(lines))
    return "\n\n".join(out) + ("\n" if out else "")


def markdown(refs: list[Reference]) -> str:
    """A numbered list, each entry written out in full with its identifiers linked."""
    lines = []
    for i, ref in enumerate(refs, start=1):
        links = []
        if ref.doi:
            links.append(f"[doi]({doi_url(ref.doi)})")
        if ref.pmid:
            links.append(f"[PubMed]({pmid_url(ref.pmid)})")
        if ref.pmcid:
            links.append(f"[PMC]({pmcid_url(ref.pmcid)})")
        if ref.registry_id:
            links.append(f"[registry]({registry_url(ref.registry_id)})")
        if ref.url and safe_url(ref.url):
            links.append(f"[link](<{ref.url}>)")
        missing = [n for n in _notes(ref) if n.startswith("No ")]
        text = md_escape(f"[{ref.id}] {reference_text(ref)}", block=True)
        if missing:
            text += " " + md_escape("(" + "; ".join(missing) + ")")
        lines.append(f"{i}. {text}" + (" " + " ".join(links) if links else ""))
    return "\n".join(lines) + ("\n" if lines else "")


def export(refs: list[Reference], fmt: RefFormat) -> str:
    match fmt:
        case RefFormat.BIBTEX:
            return bibtex(refs)
        case RefFormat.RIS:
            return ris(refs)
        case RefFormat.CSLJSON:
            return csljson(refs)
        case _:
            return markdown(refs)
