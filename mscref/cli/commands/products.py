"""``mscref products``."""

from __future__ import annotations

from typing import Annotated

import typer

from mscref.cli.app import app, handles_errors
from mscref.cli.common import (
    ColumnsOption,
    CountryOption,
    DataDirOption,
    FormatOption,
    LangOption,
    LimitOption,
    RefsOption,
    SortOption,
    load,
    no_match,
    print_listing,
    wants_refs,
)
from mscref.data.models import ApprovalStatus
from mscref.data.query import no_empty_filters
from mscref.render.i18n import Lang
from mscref.render.listing import ListingOptions
from mscref.render.output import Format
from mscref.render.views.products import product_rows, products_table


@app.command()
@handles_errors
def products(
    status: Annotated[
        list[ApprovalStatus] | None, typer.Option(help="Only these statuses (repeatable).")
    ] = None,
    country: CountryOption = None,
    fmt: FormatOption = Format.TABLE,
    lang: LangOption = Lang.EN,
    data_dir: DataDirOption = None,
    refs: RefsOption = False,
    sort: SortOption = None,
    columns: ColumnsOption = None,
    limit: LimitOption = None,
) -> None:
    """Approved, conditionally approved and withdrawn MSC products worldwide, oldest first.

    Example: mscref products --status withdrawn
    """
    ds = load(data_dir)
    rows = product_rows(ds, {s.value for s in status} if status else None)
    if country is not None:
        from mscref.data.places import place_key

        no_empty_filters(country=country)
        rows = [r for r in rows if place_key(r["region"] or "") == place_key(country)]
    table = products_table(
        ds, rows, lang, refs=wants_refs(refs, fmt), ids=fmt is Format.CSV or "product_id" in (columns or "")
    )
    empty = no_match("approvals" if lang is Lang.EN else "批准记录", lang, status=status, country=country)
    options = ListingOptions(sort=sort, columns=columns, limit=limit)
    print_listing(table, fmt, rows, options, empty, lang, ("origin", "source", "agency", "indication"))
