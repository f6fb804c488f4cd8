"""Load a data directory: parse each YAML file, build the models, cross-check them.

Every problem in every file is collected before anything is raised, so a curator sees all of
them at once, each as ``FILE:LINE: path.to.field: what was expected, what was found``.
"""

from __future__ import annotations

import dataclasses
import os
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mscref.data.dataset import Dataset, Trials, fold, name_fields
from mscref.data.errors import DataError, Problem, did_you_mean
from mscref.data.gcpause import gc_paused
from mscref.data.models import (
    ClaimsFile,
    IndicationsFile,
    ProductType,
    Reference,
    ReferenceKind,
    ReferencesFile,
    SourceClass,
    SourcesFile,
    StatementsFile,
    TraitKind,
    Trial,
    TrialsFile,
)
from mscref.data.record import record

if TYPE_CHECKING:  # pragma: no cover
    from mscref.data.schema import PendingRef

# The YAML reader and the schema builder are imported when a file is read, not before: a data
# set served from the cache needs neither.

#: The data files, the model each holds, and whether a data directory must have it.
FILES: dict[str, tuple[type, bool]] = {
    "sources.yaml": (SourcesFile, True),
    "indications.yaml": (IndicationsFile, True),
    "references.yaml": (ReferencesFile, True),
    "trials.yaml": (TrialsFile, True),
    "claims.yaml": (ClaimsFile, False),
    "statements.yaml": (StatementsFile, False),
}

ENV_VAR = "MSCREF_DATA_DIR"


def bundled_data_dir() -> Path:
    """The data shipped with mscref: inside the installed package, or the checkout's ``data/``."""
    package = Path(__file__).resolve().parent.parent  # mscref/
    packaged = package / "_data"
    return packaged if packaged.is_dir() else package.parent / "data"


def shown_path(path: Path) -> str:
    """A path as messages show it: relative to the working directory when below it."""
    absolute = Path(os.path.abspath(path))  # symbolic links stay as the user named them
    try:
        return str(absolute.relative_to(os.path.abspath(Path.cwd())))
    except ValueError:
        return str(path)


@record
class _Located:
    """A built record with the file and line it came from (for cross-file problems)."""

    record: Any
    file: str
    line: int | None
    path: str


def load_dataset(directory: Path | str | None = None, overrides: dict[str, str] | None = None) -> Dataset:
    """Load and validate a data directory; raises :class:`DataError` listing every problem.

    ``overrides`` maps a file name to text that stands in for the file on disk (to check a
    change before it is written).

    Plain files are first read by a fast parser that keeps no line numbers; if anything is
    wrong, everything is read again by the strict reader, so every problem is reported with
    its exact line.
    """
    from mscref.data import cache

    directory = Path(directory) if directory is not None else bundled_data_dir()
    overrides = overrides or {}
    # Each file is read once: the cache key hashes exactly the bytes that are parsed, so a file
    # changing during the run cannot pair one content's key with another content's data set.
    listing, contents = _read_directory(directory, overrides)
    key = None
    if (
        cache.enabled()
        and listing is not None
        and not overrides
        and not any(isinstance(v, Problem) for v in contents.values())
    ):
        key = cache.cache_key(listing, {n: v for n, v in contents.items() if isinstance(v, bytes)})
    with gc_paused():
        if key is not None:
            hit = cache.load(directory, key)
            if hit is not None:
                return hit
        try:
            dataset = _load(directory, overrides, contents, listing, fast=True)
        except DataError:
            dataset = _load(directory, overrides, contents, listing, fast=False)
        contents.clear()  # the files' text is not needed again: free it before the entry is encoded
        if key is not None:  # encoding makes garbage too: still without the collector
            cache.save(directory, key, dataset)
    return dataset


def _read_directory(
    directory: Path, skip: dict[str, str]
) -> tuple[list[str] | None, dict[str, bytes | str | Problem]]:
    """The data directory's ``.yaml``/``.yml`` names (None when it cannot be listed) and the bytes
    of each data file present (or why it cannot be read), except the files in ``skip``."""
    from mscref.data.rawfile import read_data

    if not directory.is_dir():
        return None, {}
    try:
        listing: list[str] | None = sorted(e for e in os.listdir(directory) if e.endswith((".yaml", ".yml")))
    except OSError:
        listing = None
    contents: dict[str, bytes | str | Problem] = {}
    for name in FILES:
        path = directory / name
        if name not in skip and os.path.lexists(path):
            contents[name] = read_data(path, shown_path(path))
    return listing, contents


def _denied(directory: Path) -> str | None:
    """Why the folder cannot be read (no permission to list it or to open what is in it), if so.

    Without this, a folder that cannot be entered reads as one whose files are all missing."""
    try:
        os.listdir(directory)
        os.stat(directory / next(iter(FILES)), follow_symlinks=False)
    except PermissionError:
        return "permission denied (mscref needs to list the folder and read its files)"
    except FileNotFoundError:
        pass  # a missing file is reported file by file
    return None


def _load(
    directory: Path,
    overrides: dict[str, str],
    contents: dict[str, bytes | str | Problem],
    listing: list[str] | None,
    fast: bool,
) -> Dataset:
    """Build and check the data set from ``contents`` (the bytes read by :func:`_read_directory`,
    replaced by their text once decoded) and ``overrides``; the files are not read again."""
    from mscref.data.schema import Builder
    from mscref.data.yamlio import Document, decode, fast_parse, parse_text

    shown_dir = shown_path(directory)
    if not directory.exists():
        raise DataError([Problem(shown_dir, None, "", "no such data directory")])
    if not directory.is_dir():
        raise DataError([Problem(shown_dir, None, "", "is not a directory")])
    denied = _denied(directory)
    if denied:
        raise DataError([Problem(shown_dir, None, "", denied)])

    problems: list[Problem] = []
    refs: list[PendingRef] = []
    built: dict[str, Any] = {}
    roots: dict[str, Any] = {}
    for name, (model, required) in FILES.items():
        path = directory / name
        shown = shown_path(path)
        if name not in overrides and name not in contents:
            if required:
                problems.append(
                    Problem(shown, None, "", f"missing data file (a data directory needs {_required()})")
                )
            continue
        source = overrides[name] if name in overrides else contents[name]
        if isinstance(source, bytes):
            text, problem = decode(shown, source)
            # the text stands in for the bytes from now on (a strict second reading parses the
            # same text), and the bytes are freed: a large file is not held twice
            source = contents[name] = problem if problem is not None else text or ""
        if isinstance(source, Problem):
            doc = Document(shown, None, (source,))
        else:
            root = fast_parse(source) if fast else None
            doc = Document(shown, root, ()) if root is not None else parse_text(shown, source)
        problems.extend(doc.problems)
        if doc.root is None:
            continue
        builder = Builder(shown)
        obj = builder.build(model, doc.root, "", getattr(doc.root, "line", 1))
        problems.extend(builder.problems)
        refs.extend(builder.refs)
        roots[name] = (shown, doc.root)
        if obj is not None:
            built[name] = obj
    known = listing if listing is not None else sorted(os.listdir(directory))
    for entry in known:
        if entry.endswith((".yaml", ".yml")) and entry not in FILES:
            hint = did_you_mean(entry, FILES)
            problems.append(
                Problem(
                    shown_path(directory / entry),
                    None,
                    "",
                    f"not a data file mscref knows{hint}; data files are: {', '.join(FILES)}",
                )
            )

    located = _locate(roots)
    problems.extend(_check_ids(located))
    # References into a file that did not parse would all look dangling: check only the others.
    unreadable = {c for (name, _key), c in _COLLECTIONS.items() if name not in roots}
    if {"trials", "products"} & unreadable:
        unreadable.add("records")
    problems.extend(_check_refs([r for r in refs if r.collection not in unreadable], located))
    if problems or len(built) < sum(1 for n in FILES if (directory / n).exists() or n in overrides):
        raise DataError(_sorted(problems))

    sources: SourcesFile = built["sources.yaml"]
    trials: TrialsFile = built["trials.yaml"]
    references = built["references.yaml"].references
    cited_trials, registry_refs = _cite_registry_records(trials.trials, {r.id for r in references})
    claims: ClaimsFile | None = built.get("claims.yaml")
    statements: StatementsFile | None = built.get("statements.yaml")
    dataset = Dataset(
        directory=directory,
        levels=sources.levels,
        traits=sources.traits,
        sources=sources.sources,
        indications=built["indications.yaml"].indications,
        references=references + registry_refs,
        products=trials.products,
        trials=Trials(cited_trials),
        claims=claims.claims if claims else (),
        statements=statements.statements if statements else (),
    )
    problems.extend(_check_semantics(dataset, located))
    if problems:
        raise DataError(_sorted(problems))
    return dataset


def _cite_registry_records(
    trials: tuple[Trial, ...], taken: set[str]
) -> tuple[tuple[Trial, ...], tuple[Reference, ...]]:
    """A trial imported from a registry with no references of its own cites its registry record."""
    out, refs = [], []
    for trial in trials:
        if trial.refs or trial.registry is None:
            out.append(trial)
            continue
        reg = trial.registry
        ref_id, n = f"registry-{reg.id.lower()}", 2
        while ref_id in taken:
            ref_id, n = f"registry-{reg.id.lower()}-{n}", n + 1
        taken.add(ref_id)
        refs.append(
            Reference(
                id=ref_id,
                kind=ReferenceKind.REGISTRY,
                title=reg.brief_title,
                publisher=reg.registry,
                registry_id=reg.id,
                note="registry record imported by mscref import",
            )
        )
        out.append(dataclasses.replace(trial, refs=(ref_id,)))
    return tuple(out), tuple(refs)


def check_trials_text(shown: str, text: str, context: Dataset) -> list[Problem]:
    """Problems of a stand-alone trials file, its references checked against ``context``."""
    from mscref.data.schema import Builder
    from mscref.data.yamlio import parse_text

    doc = parse_text(shown, text)
    if doc.root is None:
        return list(doc.problems)
    builder = Builder(shown)
    built = builder.build(TrialsFile, doc.root, "", getattr(doc.root, "line", 1))
    problems = list(doc.problems) + builder.problems
    located = _locate({"trials.yaml": (shown, doc.root)})
    problems += _check_ids(located)
    own = {c: {loc.record["id"] for loc in items} for c, items in located.items()}
    known: dict[str, set[str]] = {
        "sources": {s.id for s in context.sources},
        "indications": {i.id for i in context.indications},
        "references": {r.id for r in context.references},
        "products": own.get("products", set()) | {p.id for p in context.products},
        "trials": own.get("trials", set()),
    }
    for ref in builder.refs:
        if ref.collection in known and ref.value not in known[ref.collection]:
            what = {"references": "reference"}.get(ref.collection, ref.collection.rstrip("s"))
            problems.append(Problem(ref.file, ref.line, ref.path, f"unknown {what} {ref.value!r}"))
    if built is not None and not problems:
        trial_ids = {t.id for t in built.trials}
        used = {s.id for s in context.sources} | {i.id for i in context.indications}
        clash = sorted(trial_ids & (used | {r.id for r in context.references}))
        for cid in clash:
            problems.append(Problem(shown, None, "trials", f"id {cid!r} is already used in the data set"))
    return _sorted(problems)


def _required() -> str:
    return ", ".join(n for n, (_m, req) in FILES.items() if req)


def _sorted(problems: Iterable[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.file, p.line or 0))


# Which collection each list of each file holds.
_COLLECTIONS: dict[tuple[str, str], str] = {
    ("sources.yaml", "levels"): "levels",
    ("sources.yaml", "traits"): "traits",
    ("sources.yaml", "sources"): "sources",
    ("indications.yaml", "indications"): "indications",
    ("references.yaml", "references"): "references",
    ("trials.yaml", "products"): "products",
    ("trials.yaml", "trials"): "trials",
    ("claims.yaml", "claims"): "claims",
    ("statements.yaml", "statements"): "statements",
}
# Collections whose ids share one namespace (levels and traits are vocabularies of their own).
_GLOBAL = {"sources", "indications", "references", "products", "trials", "claims", "statements"}


def _locate(roots: dict[str, Any]) -> dict[str, list[_Located]]:
    """Every record's id with its file and line, read from the parsed YAML (even if invalid)."""
    out: dict[str, list[_Located]] = defaultdict(list)
    for (name, key), collection in _COLLECTIONS.items():
        if name not in roots:
            continue
        shown, root = roots[name]
        items = root.get(key) if isinstance(root, dict) else None
        if not isinstance(items, list):
            continue
        for i, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                value_lines = getattr(item, "value_lines", {})
                line = value_lines.get("id", getattr(item, "line", None))
                out[collection].append(_Located(item, shown, line, f"{key}[{i}].id"))
    return out


def _check_ids(located: dict[str, list[_Located]]) -> list[Problem]:
    problems = []
    first: dict[tuple[str, str], _Located] = {}
    for collection, items in located.items():
        for loc in items:
            space = "global" if collection in _GLOBAL else collection
            key = (space, loc.record["id"])
            if key in first:
                prev = first[key]
                problems.append(
                    Problem(
                        loc.file,
                        loc.line,
                        loc.path,
                        f"duplicate id {loc.record['id']!r} (already used at {prev.file}:{prev.line})",
                    )
                )
            else:
                first[key] = loc
    return problems


def _check_refs(refs: list[PendingRef], located: dict[str, list[_Located]]) -> list[Problem]:
    ids: dict[str, set[str]] = {c: {loc.record["id"] for loc in items} for c, items in located.items()}
    ids["records"] = ids.get("trials", set()) | ids.get("products", set())
    problems = []
    for ref in refs:
        known = ids.get(ref.collection, set())
        if ref.value not in known:
            what = {"records": "trial or product", "references": "reference"}.get(
                ref.collection, ref.collection.rstrip("s")
            )
            hint = did_you_mean(ref.value, known)
            problems.append(Problem(ref.file, ref.line, ref.path, f"unknown {what} {ref.value!r}{hint}"))
    return problems


def _check_semantics(ds: Dataset, located: dict[str, list[_Located]]) -> list[Problem]:
    """Checks that need more than one record: aliases, parents, traits, source classes."""
    from mscref.data.schema import line_at
    from mscref.data.yamlio import YMap

    where = {(c, loc.record["id"]): loc for c, items in located.items() for loc in items}
    problems: list[Problem] = []

    def at(collection: str, record_id: str, field: str, message: str) -> None:
        loc = where.get((collection, record_id))
        if loc is None:  # pragma: no cover - every built record was located
            problems.append(Problem("?", None, field, message))
            return
        line = line_at(loc.record, field) if field and isinstance(loc.record, YMap) else loc.line
        path = loc.path[: -len(".id")] + (f".{field}" if field else "")
        problems.append(Problem(loc.file, line, path, message))

    for collection, records in (
        ("sources", ds.sources),
        ("indications", ds.indications),
        ("products", ds.products),
    ):
        owner: dict[str, str] = {}
        for rec in records:
            for field, name in name_fields(rec):
                key = fold(name)
                if key in owner and owner[key] != rec.id:
                    at(
                        collection,
                        rec.id,
                        field,
                        f"the name {name!r} also names {owner[key]!r}; names must be unambiguous",
                    )
                owner.setdefault(key, rec.id)
        by_id = {r.id: r for r in records}
        for rec in records:
            seen, cur = {rec.id}, getattr(rec, "parent", None)
            while cur is not None and cur in by_id:
                if cur in seen:
                    at(collection, rec.id, "parent", f"parent chain of {rec.id!r} loops back to {cur!r}")
                    break
                seen.add(cur)
                cur = getattr(by_id[cur], "parent", None)

    for src in ds.sources:
        for trait_id, value in src.traits.items():
            trait = next((t for t in ds.traits if t.id == trait_id), None)
            if trait is not None and trait.kind is TraitKind.TEXT and value.level is not None:
                at(
                    "sources",
                    src.id,
                    f"traits.{trait_id}.level",
                    f"{trait_id!r} is a text trait; it takes no level",
                )

    # one article, one reference: two references with the same DOI, PMID or PMCID are duplicates
    holder: dict[tuple[str, str], str] = {}
    for ref in ds.references:
        for field in ("doi", "pmid", "pmcid"):
            value = getattr(ref, field)
            if value is None:
                continue
            locator = (field, value.casefold())
            if locator in holder and holder[locator] != ref.id:
                at(
                    "references",
                    ref.id,
                    field,
                    f"{field} {value} is also the {field} of {holder[locator]!r}: "
                    "one article, one reference; merge them",
                )
            holder.setdefault(locator, ref.id)

    sources = {s.id: s for s in ds.sources}
    for product in ds.products:
        _check_source_class(at, "products", product.id, product.product_type, product.source, sources)
    for trial in ds.trials:
        made_by = ds.product_of(trial)
        if trial.product_type is None and made_by is None:
            at("trials", trial.id, "product_type", "a trial without a product needs a product_type")
            continue
        if made_by is not None:
            if trial.source and made_by.source and trial.source != made_by.source:
                at(
                    "trials",
                    trial.id,
                    "source",
                    f"source {trial.source!r} differs from its product's source {made_by.source!r}",
                )
            if trial.origin and made_by.origin and trial.origin != made_by.origin:
                at(
                    "trials",
                    trial.id,
                    "origin",
                    f"origin {trial.origin.value!r} differs from its product's {made_by.origin.value!r}",
                )
        _check_source_class(at, "trials", trial.id, ds.product_type_of(trial), ds.source_of(trial), sources)
    return problems


def _check_source_class(
    at: Any,
    collection: str,
    record_id: str,
    kind: ProductType,
    source_id: str | None,
    sources: dict[str, Any],
) -> None:
    """A non-MSC product must come from a non-MSC source, and an MSC product from an MSC one."""
    if source_id is None or source_id not in sources:
        return
    non_msc_source = sources[source_id].category is SourceClass.NON_MSC
    if (kind is ProductType.NON_MSC) != non_msc_source:
        field = "product_type"
        if non_msc_source:
            at(
                collection,
                record_id,
                field,
                f"source {source_id!r} is not an MSC source; product_type must be 'non-msc'",
            )
        else:
            at(
                collection,
                record_id,
                field,
                f"product_type 'non-msc' needs a non-MSC source, but {source_id!r} is an MSC source",
            )
