"""``mscref trials``."""

from __future__ import annotations

from mscref.cli.app import app, handles_errors
from mscref.cli.common import (
    ColumnsOption,
    CountryOption,
    DataDirOption,
    DesignOption,
    FormatOption,
    IndicationOption,
    LangOption,
    LimitOption,
    PhaseOption,
    ProductTypeOption,
    RefsOption,
    SortOption,
    SourceOption,
    TextOption,
    load,
    no_match,
    print_listing,
    trial_filter,
    wants_refs,
)
from mscref.data.query import select
from mscref.render.i18n import Lang
from mscref.render.listing import ListingOptions
from mscref.render.output import Format
from mscref.render.views.show import record_json
from mscref.render.views.trials import trials_table


@app.command()
@handles_errors
def trials(
    indication: IndicationOption = None,
    source: SourceOption = None,
    phase: PhaseOption = None,
    product_type: ProductTypeOption = None,
    design: DesignOption = None,
    country: CountryOption = None,
    text: TextOption = None,
    fmt: FormatOption = Format.TABLE,
    lang: LangOption = Lang.EN,
    data_dir: DataDirOption = None,
    refs: RefsOption = False,
    sort: SortOption = None,
    columns: ColumnsOption = None,
    limit: LimitOption = None,
) -> None:
    """List trials and products with design, n, key outcome, approvals and the seed-claim verdict.

    Example: mscref trials --indication gvhd --design randomized
    """
    ds = load(data_dir)
    flt = trial_filter(indication, source, phase, product_type, design, country, text)
    selection = select(ds, flt)
    records = [record_json(ds, r) for r in selection.records] if fmt is Format.JSON else None
    empty = no_match(
        "trials" if lang is Lang.EN else "试验",
        lang,
        indication=indication,
        source=source,
        phase=phase,
        product_type=product_type,
        design=design,
        country=country,
        text=text,
    )
    table = trials_table(
        ds,
        selection,
        lang,
        refs=wants_refs(refs, fmt) or _named(columns, "refs"),
        registry=fmt is Format.CSV or _named(columns, "registry_ids"),
    )
    options = ListingOptions(sort=sort, columns=columns, limit=limit)
    print_listing(table, fmt, records, options, empty, lang, DROP_ORDER)


#: The columns a narrow terminal goes without first.
DROP_ORDER = ("approvals", "source", "design", "product", "verdict", "indication")


def _named(columns: str | None, field: str) -> bool:
    return columns is not None and field in [c.strip().lower() for c in columns.split(",")]
