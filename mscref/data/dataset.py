"""The loaded data set: every record, indexed, with the lookups the commands need."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar, overload

from mscref.data.errors import NotFoundError, did_you_mean
from mscref.data.gcpause import gc_paused
from mscref.data.models import (
    MSC_PRODUCT_TYPES,
    Approval,
    Claim,
    Indication,
    Level,
    Product,
    ProductType,
    Reference,
    Source,
    SourceClass,
    Statement,
    Trait,
    Trial,
    Verdict,
)
from mscref.data.record import record

_T = TypeVar("_T", Source, Indication, Reference, Product, Trait, Level)
_Named = TypeVar("_Named", Source, Indication)
_FOLD = re.compile(r"[\s\-_'’‘`.·・,，()（）/]+")
_VERDICT_ORDER = list(Verdict)


def fold(text: str) -> str:
    """A name as it is matched: width-normalised, case-folded, without spaces or punctuation."""
    return _FOLD.sub("", unicodedata.normalize("NFKC", _undo_escapes(text)).casefold())


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _undo_escapes(text: str) -> str:
    """A name typed in a C locale arrives with its UTF-8 bytes escaped as lone surrogates
    (Python's ``surrogateescape``); read them as the UTF-8 they are."""
    if not _ESCAPED_BYTE.search(text):
        return text
    try:
        return text.encode("utf-8", "surrogateescape").decode("utf-8")
    except UnicodeError:
        return text


def name_fields(record: Source | Indication | Product) -> Iterator[tuple[str, str]]:
    """Every name a record answers to, with the field that holds it: id, name, abbreviation,
    Chinese name, aliases."""
    yield "id", record.id
    yield "name", record.name
    if isinstance(record, Source) and record.abbreviation:
        yield "abbreviation", record.abbreviation
    if record.name_zh:
        yield "name_zh", record.name_zh
    for i, alias in enumerate(record.aliases):
        yield f"aliases[{i}]", alias


def names_of(record: Source | Indication | Product) -> list[str]:
    """Every name a record answers to: id, abbreviation, names, aliases."""
    return [name for _field, name in name_fields(record)]


class Trials(Sequence[Trial]):
    """The data set's trials, in file order: a read-only sequence that equals (and hashes as)
    the tuple of its records.

    Built from records, it simply holds them. From the cache, it holds each trial's encoded
    bytes with its id, indication and product beside them, and decodes a record the first time
    it is asked for: a question about one indication or one trial decodes only those trials
    (:meth:`ids`, :meth:`indications` and :meth:`products` answer without decoding any).
    """

    __slots__ = ("_columns", "_decode", "_items", "_raw")

    def __init__(
        self,
        items: Iterable[Trial] = (),
        *,
        raw: Sequence[Any] | None = None,
        decode: Callable[[Any], Trial] | None = None,
        columns: tuple[tuple[str, ...], tuple[str | None, ...], tuple[str | None, ...]] | None = None,
    ) -> None:
        self._items: list[Trial | None]
        self._raw = raw
        self._decode = decode
        if raw is None:
            self._items = list(items)
            self._columns = None
        else:
            if decode is None or columns is None or not all(len(c) == len(raw) for c in columns):
                raise ValueError("encoded trials need a decoder and an id, indication and product each")
            self._items = [None] * len(raw)
            self._columns = columns

    def _at(self, i: int) -> Trial:
        item = self._items[i]
        if item is None:
            assert self._raw is not None and self._decode is not None
            item = self._items[i] = self._decode(self._raw[i])
        return item

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> Trial: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Trial, ...]: ...
    def __getitem__(self, index: int | slice) -> Trial | tuple[Trial, ...]:
        if isinstance(index, slice):
            return tuple(self._at(i) for i in range(len(self._items))[index])
        n = len(self._items)
        if not -n <= index < n:
            raise IndexError("trial index out of range")
        return self._at(index % n)

    def __iter__(self) -> Iterator[Trial]:
        if self._raw is not None and None in self._items:
            # decoding every record makes tens of thousands of objects without a cycle among
            # them: the collector would walk them again and again (a third of the time at 10k)
            with gc_paused():
                for i in range(len(self._items)):
                    self._at(i)
        return iter(self._items)  # type: ignore[arg-type]  # every item is decoded by now

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Trials):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        if isinstance(other, tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"Trials({len(self)} trials)"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Trials, (tuple(self),))

    def _column(self, k: int, get: Callable[[Trial], Any]) -> tuple[Any, ...]:
        if self._columns is not None:
            return self._columns[k]
        return tuple(get(t) for t in self._items if t is not None)

    def ids(self) -> tuple[str, ...]:
        """Every trial's id, in order, without decoding a record."""
        return self._column(0, lambda t: t.id)

    def indications(self) -> tuple[str | None, ...]:
        """Every trial's indication id (or None), in order, without decoding a record."""
        return self._column(1, lambda t: t.indication)

    def products(self) -> tuple[str | None, ...]:
        """Every trial's product id (or None), in order, without decoding a record."""
        return self._column(2, lambda t: t.product)

    def decoded(self) -> int:
        """How many records have been built so far (all of them unless read from the cache)."""
        return sum(item is not None for item in self._items)


@record
class Dataset:
    """Everything in one data directory, validated and cross-checked."""

    directory: Path
    levels: tuple[Level, ...]
    traits: tuple[Trait, ...]
    sources: tuple[Source, ...]
    indications: tuple[Indication, ...]
    references: tuple[Reference, ...]
    products: tuple[Product, ...]
    trials: Sequence[Trial]  # a Trials when loaded; a tuple of records works too
    claims: tuple[Claim, ...]
    statements: tuple[Statement, ...]

    # ---- plain lookups --------------------------------------------------------------------
    def indexed_trials(self) -> Trials:
        """The trials with their id, indication and product columns (see :class:`Trials`)."""
        return self.trials if isinstance(self.trials, Trials) else Trials(self.trials)

    def source(self, source_id: str) -> Source:
        return _by_id(self.sources, source_id)

    def indication(self, indication_id: str) -> Indication:
        return _by_id(self.indications, indication_id)

    def reference(self, ref_id: str) -> Reference:
        return _by_id(self.references, ref_id)

    def product(self, product_id: str) -> Product:
        return _by_id(self.products, product_id)

    def trait(self, trait_id: str) -> Trait:
        return _by_id(self.traits, trait_id)

    def level_rank(self, level_id: str | None) -> int | None:
        """The level's position on the ordinal scale, 1 = lowest; None off the scale."""
        if level_id is None:
            return None
        for i, level in enumerate(self.levels, start=1):
            if level.id == level_id:
                return i
        return None

    def level(self, level_id: str) -> Level:
        return _by_id(self.levels, level_id)

    def all_ids(self) -> set[str]:
        """Every id in the shared namespace (sources, indications, references, products, trials,
        claims, statements)."""
        ids: set[str] = set()
        for collection in (
            self.sources,
            self.indications,
            self.references,
            self.products,
            self.trials,
            self.claims,
            self.statements,
        ):
            ids.update(r.id for r in collection)
        return ids

    # ---- names and aliases ----------------------------------------------------------------
    def resolve_source(self, name: str) -> Source:
        return _resolve(self.sources, name, "source")

    def resolve_indication(self, name: str) -> Indication:
        return _resolve(self.indications, name, "indication")

    def source_family(self, source_id: str) -> set[str]:
        """The source and every source below it (adipose includes adipose progenitor cells)."""
        return _family(self.sources, source_id)

    def indication_family(self, indication_id: str) -> set[str]:
        return _family(self.indications, indication_id)

    # ---- trials and products --------------------------------------------------------------
    def product_of(self, trial: Trial) -> Product | None:
        return self.product(trial.product) if trial.product else None

    def product_type_of(self, trial: Trial) -> ProductType:
        if trial.product_type is not None:
            return trial.product_type
        product = self.product_of(trial)
        assert product is not None, "the loader ensures a trial has a product type"
        return product.product_type

    def source_of(self, trial: Trial) -> str | None:
        if trial.source is not None:
            return trial.source
        product = self.product_of(trial)
        return product.source if product else None

    def approvals_of(self, record: Trial | Product) -> tuple[Approval, ...]:
        product = record if isinstance(record, Product) else self.product_of(record)
        return product.approvals if product else ()

    def trials_of(self, product: Product) -> tuple[Trial, ...]:
        trials = self.indexed_trials()
        return tuple(trials[i] for i, p in enumerate(trials.products()) if p == product.id)

    def is_msc(self, record: Trial | Product) -> bool:
        """Whether the record is of culture-expanded MSCs, the default of every count and pool
        (vesicles, precursor cells, stromal vascular fraction, marrow concentrate, MSC-derived
        or engineered cells and non-MSC products are kept apart unless asked for)."""
        kind = record.product_type if isinstance(record, Product) else self.product_type_of(record)
        return kind in MSC_PRODUCT_TYPES

    def claims_about(self, record_id: str) -> tuple[Claim, ...]:
        return tuple(c for c in self.claims if record_id in c.records)

    def verdict_of(self, record: Trial | Product) -> Verdict | None:
        """The weakest verdict of the seed claims about this very record; None when the seed
        says nothing about it (a claim about a product is not a claim about its every trial)."""
        verdicts = [c.verdict for c in self.claims_about(record.id)]
        return max(verdicts, key=_VERDICT_ORDER.index) if verdicts else None

    def record(self, query: str) -> Trial | Product | Source:
        """A trial, product or source by its id in any case, or by a name: a product's name,
        trade names and aliases, a source's names and abbreviation, a trial's registry id.
        A name that several records answer to is refused with the list of them."""
        collections: tuple[Sequence[Trial | Product | Source], ...] = (
            self.trials,
            self.products,
            self.sources,
        )
        trials = self.indexed_trials()
        trial_ids = trials.ids()  # a trial is decoded only when it is the answer
        if query in trial_ids:
            return trials[trial_ids.index(query)]
        for collection in collections[1:]:
            for r in collection:
                if r.id == query:
                    return r
        key = query.casefold()
        by_id: list[Trial | Product | Source] = [
            trials[i] for i, t in enumerate(trial_ids) if t.casefold() == key
        ]
        by_id += [r for collection in collections[1:] for r in collection if r.id.casefold() == key]
        if len(by_id) == 1:
            return by_id[0]
        folded = fold(query)
        named_records: tuple[Product | Source, ...] = (*self.products, *self.sources)
        named: dict[str, Trial | Product | Source] = {}
        if folded:
            for n in named_records:
                if any(fold(name) == folded for name in names_of(n)):
                    named[n.id] = n
            for t in self.trials:
                if any(fold(rid) == folded for rid in t.registry_ids):
                    named[t.id] = t
        if len(named) == 1:
            return next(iter(named.values()))
        if named:
            listed = "\n".join(f"  {r.id} ({_kind(r)}: {_label(r)})" for r in named.values())
            raise NotFoundError(f"{query!r} names {len(named)} records; give one of their ids:\n{listed}")
        ids = [*trial_ids, *(r.id for collection in collections[1:] for r in collection)]
        hint = did_you_mean(key, ids) or did_you_mean(
            query, [name for n in named_records for name in names_of(n)]
        )
        raise NotFoundError(f"no trial, product or source {query!r}{hint}")

    def refs_in_order(self, ids: Iterable[str]) -> list[Reference]:
        seen: list[str] = []
        for ref_id in ids:
            if ref_id not in seen:
                seen.append(ref_id)
        return [self.reference(r) for r in seen]


def _kind(record: Trial | Product | Source) -> str:
    return {Trial: "trial", Product: "product", Source: "source"}[type(record)]


def _label(record: Trial | Product | Source) -> str:
    return record.title if isinstance(record, Trial) else record.name


def _by_id(items: tuple[_T, ...], key: str) -> _T:
    for item in items:
        if item.id == key:
            return item
    raise NotFoundError(f"no record {key!r}")


def _resolve(items: tuple[_Named, ...], name: str, kind: str) -> _Named:
    folded = fold(name)
    for item in items:
        if item.id == name:
            return item
    for item in items:
        if folded and folded in {fold(n) for n in names_of(item)}:
            return item
    choices = [n for item in items for n in names_of(item)]
    hint = did_you_mean(name, choices)
    valid = ", ".join(item.id for item in items)
    raise NotFoundError(f"unknown {kind} {name!r}{hint}\nknown {kind}s: {valid}")


def _family(items: tuple[_Named, ...], root: str) -> set[str]:
    family = {root}
    grew = True
    while grew:
        grew = False
        for item in items:
            if item.parent in family and item.id not in family:
                family.add(item.id)
                grew = True
    return family


def is_msc_source(source: Source) -> bool:
    return source.category is not SourceClass.NON_MSC
