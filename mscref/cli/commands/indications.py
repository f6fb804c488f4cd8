"""``mscref indications``."""

from __future__ import annotations

from mscref.cli.app import app, handles_errors
from mscref.cli.common import (
    ColumnsOption,
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
from mscref.render.i18n import Lang
from mscref.render.listing import ListingOptions
from mscref.render.output import Format
from mscref.render.views.indications import indication_rows, indications_table


@app.command()
@handles_errors
def indications(
    fmt: FormatOption = Format.TABLE,
    lang: LangOption = Lang.EN,
    data_dir: DataDirOption = None,
    refs: RefsOption = False,
    sort: SortOption = None,
    columns: ColumnsOption = None,
    limit: LimitOption = None,
) -> None:
    """One row per indication: names, organ system, trials, source tissues tried and the strongest
    evidence (approved product > randomized phase 3 > randomized phase 2 > single-arm >
    early/uncontrolled > claim only).

    Example: mscref indications --lang zh
    """
    ds = load(data_dir)
    rows = indication_rows(ds)
    table = indications_table(ds, rows, lang, refs=wants_refs(refs, fmt))
    empty = no_match("indications" if lang is Lang.EN else "适应症", lang)
    options = ListingOptions(sort=sort, columns=columns, limit=limit)
    print_listing(table, fmt, rows, options, empty, lang, ("system", "from", "sources"))
