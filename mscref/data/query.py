"""Selecting trials and products: one small filter object, resolved against the data set."""

from __future__ import annotations

import re
from enum import StrEnum

from mscref.data.dataset import Dataset, fold, names_of
from mscref.data.errors import UsageError
from mscref.data.models import Control, Phase, Product, ProductType, StudyType, Trial
from mscref.data.record import record

Record = Trial | Product


class DesignFilter(StrEnum):
    RANDOMIZED = "randomized"
    NON_RANDOMIZED = "non-randomized"
    SINGLE_ARM = "single-arm"
    CONTROLLED = "controlled"
    PLACEBO = "placebo"
    DOUBLE_BLIND = "double-blind"
    SINGLE_BLIND = "single-blind"
    OPEN_LABEL = "open-label"
    EXPANDED_ACCESS = "expanded-access"
    REGISTRY = "registry"


_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4"}
_PRODUCT_TYPE_ALIASES = {
    "ev": "extracellular-vesicles",
    "evs": "extracellular-vesicles",
    "exosome": "extracellular-vesicles",
    "exosomes": "extracellular-vesicles",
    "vesicles": "extracellular-vesicles",
    "cell": "cells",
    "engineered": "engineered-cells",
    "nonmsc": "non-msc",
}


def parse_phase(text: str) -> Phase:
    """``3``, ``phase 3``, ``III``, ``2/3``, ``ii-iii`` -> a Phase; anything else is a usage error."""
    t = text.strip().lower()
    t = re.sub(r"^phase\s*", "", t)
    parts = re.split(r"\s*[/-]\s*", t)
    parts = [_ROMAN.get(p, p) for p in parts]
    try:
        return Phase("/".join(parts))
    except ValueError:
        choices = ", ".join(p.value for p in Phase)
        raise UsageError(f"unknown phase {text!r}; phases are: {choices}") from None


def parse_product_type(text: str) -> ProductType:
    t = text.strip().lower()
    t = _PRODUCT_TYPE_ALIASES.get(t.replace("-", "").replace(" ", ""), t)
    try:
        return ProductType(t)
    except ValueError:
        choices = ", ".join(p.value for p in ProductType)
        raise UsageError(f"unknown product type {text!r}; product types are: {choices}") from None


@record
class TrialFilter:
    """What ``mscref trials`` (and the report) select. Names are resolved against the data."""

    indication: str | None = None
    source: str | None = None
    phases: tuple[Phase, ...] = ()
    product_types: tuple[ProductType, ...] = ()
    designs: tuple[DesignFilter, ...] = ()
    country: str | None = None
    text: str | None = None


@record
class Selection:
    records: tuple[Record, ...]
    hidden_non_msc: int  # records that are not culture-expanded MSCs, left out
    hidden_types: tuple[ProductType, ...] = ()  # their product types, in vocabulary order


def listed_records(ds: Dataset, indications: set[str] | None = None) -> list[Record]:
    """Trials, plus products that have no trial record of their own, in indication order; only
    those of ``indications`` when given (a trial of another indication is not even decoded)."""
    trials = ds.indexed_trials()
    with_trials = {p for p in trials.products() if p}
    chosen = [
        trials[i] for i, ind in enumerate(trials.indications()) if indications is None or ind in indications
    ]
    records: list[Record] = [
        *chosen,
        *(
            p
            for p in ds.products
            if p.id not in with_trials and (indications is None or p.indication in indications)
        ),
    ]
    order = {ind.id: i for i, ind in enumerate(ds.indications)}
    return sorted(records, key=lambda r: order.get(r.indication or "", len(order)))


def no_empty_filters(**filters: str | None) -> None:
    """Refuse a filter given as empty or blank text: it would otherwise select everything."""
    for name, value in filters.items():
        if value is not None and not value.strip():
            raise UsageError(f"the {name} to filter by is empty; give one, or leave the filter out")


def select(ds: Dataset, flt: TrialFilter) -> Selection:
    no_empty_filters(indication=flt.indication, source=flt.source, country=flt.country, text=flt.text)
    indications = (
        ds.indication_family(ds.resolve_indication(flt.indication).id) if flt.indication is not None else None
    )
    sources = ds.source_family(ds.resolve_source(flt.source).id) if flt.source is not None else None
    out: list[Record] = []
    hidden = 0
    hidden_types: set[ProductType] = set()
    for rec in listed_records(ds, indications):
        if indications is not None and rec.indication not in indications:
            continue
        if sources is not None and _source(ds, rec) not in sources:
            continue
        if flt.phases and (not isinstance(rec, Trial) or rec.phase not in flt.phases):
            continue
        if flt.product_types and _product_type(ds, rec) not in flt.product_types:
            continue
        if flt.designs and not all(_design_matches(rec, d) for d in flt.designs):
            continue
        if flt.country and not _country_matches(rec, flt.country):
            continue
        if flt.text and fold(flt.text) not in fold(searchable_text(ds, rec)):
            continue
        kind = _product_type(ds, rec)
        if not ds.is_msc(rec) and kind not in flt.product_types:
            hidden += 1
            hidden_types.add(kind)
            continue
        out.append(rec)
    return Selection(tuple(out), hidden, tuple(k for k in ProductType if k in hidden_types))


def _source(ds: Dataset, rec: Record) -> str | None:
    return rec.source if isinstance(rec, Product) else ds.source_of(rec)


def _product_type(ds: Dataset, rec: Record) -> ProductType:
    return rec.product_type if isinstance(rec, Product) else ds.product_type_of(rec)


def _design_matches(rec: Record, want: DesignFilter) -> bool:
    if not isinstance(rec, Trial):
        return False
    d = rec.design
    match want:
        case DesignFilter.RANDOMIZED:
            return d.randomized is True
        case DesignFilter.NON_RANDOMIZED:
            return d.randomized is False
        case DesignFilter.SINGLE_ARM:
            return d.control is Control.NONE
        case DesignFilter.CONTROLLED:
            return d.control is not None and d.control is not Control.NONE
        case DesignFilter.PLACEBO:
            return d.control is Control.PLACEBO
        case DesignFilter.EXPANDED_ACCESS:
            return rec.study_type is StudyType.EXPANDED_ACCESS
        case DesignFilter.REGISTRY:
            return rec.study_type is StudyType.REGISTRY
        case _:
            return d.blinding is not None and d.blinding.value == want.value


def _country_matches(rec: Record, country: str) -> bool:
    from mscref.data.places import place_key

    want = place_key(country)
    places = rec.countries if isinstance(rec, Trial) else tuple(a.region for a in rec.approvals)
    return any(want == place_key(p) for p in places)


def searchable_text(ds: Dataset, rec: Record) -> str:
    """All the words a free-text search looks through for one record."""
    parts: list[str] = [rec.id]
    if rec.indication:
        parts += names_of(ds.indication(rec.indication))
    elif isinstance(rec, Trial) and rec.registry:
        parts += list(rec.registry.conditions)
    product = rec if isinstance(rec, Product) else ds.product_of(rec)
    if product is not None:
        parts += names_of(product)
        parts += [product.sponsor or "", product.sponsor_zh or "", product.notes or ""]
    src_id = _source(ds, rec)
    if src_id:
        parts += names_of(ds.source(src_id))
    if isinstance(rec, Trial):
        parts += [rec.title, rec.intervention or "", rec.population or "", rec.notes or ""]
        parts += list(rec.registry_ids) + list(rec.countries)
        for o in rec.outcomes:
            parts += [o.endpoint, o.endpoint_label, o.result or ""]
    return " ".join(parts)
