"""``mscref claims``."""

from __future__ import annotations

from typing import Annotated

import typer

from mscref.cli.app import app, handles_errors
from mscref.cli.common import (
    ColumnsOption,
    DataDirOption,
    FormatOption,
    IndicationOption,
    LangOption,
    LimitOption,
    RefsOption,
    SortOption,
    load,
    no_match,
    print_listing,
    wants_refs,
)
from mscref.data.models import Verdict
from mscref.data.query import no_empty_filters
from mscref.render.i18n import Lang
from mscref.render.listing import ListingOptions
from mscref.render.output import Format
from mscref.render.views.claims import claim_rows, claims_table


@app.command()
@handles_errors
def claims(
    verdict: Annotated[list[Verdict] | None, typer.Option(help="Only these verdicts (repeatable).")] = None,
    indication: IndicationOption = None,
    fmt: FormatOption = Format.TABLE,
    lang: LangOption = Lang.EN,
    data_dir: DataDirOption = None,
    refs: RefsOption = False,
    sort: SortOption = None,
    columns: ColumnsOption = None,
    limit: LimitOption = None,
) -> None:
    """The seed article's claims with the verdict, the seed's wording and what the sources say.

    Example: mscref claims --verdict contradicted
    """
    no_empty_filters(indication=indication)
    ds = load(data_dir)
    wanted = ds.indication_family(ds.resolve_indication(indication).id) if indication else None
    rows = claim_rows(ds, {v.value for v in verdict} if verdict else None, wanted)
    empty = no_match("claims" if lang is Lang.EN else "论断", lang, verdict=verdict, indication=indication)
    options = ListingOptions(sort=sort, columns=columns, limit=limit)
    print_listing(claims_table(rows, lang, refs=wants_refs(refs, fmt)), fmt, rows, options, empty, lang)
