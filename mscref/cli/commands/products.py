"""``mscref products``."""

from __future__ import annotations

from typing import Annotated

import typer

from mscref.cli.app import app, handles_errors
from mscref.cli.common import (
    DataDirOption,
    FormatOption,
    LangOption,
    RefsOption,
    load,
    print_table,
    wants_refs,
)
from mscref.data.models import ApprovalStatus
from mscref.render.i18n import Lang
from mscref.render.output import Format
from mscref.render.views.products import product_rows, products_table


@app.command()
@handles_errors
def products(
    status: Annotated[
        list[ApprovalStatus] | None, typer.Option(help="Only these statuses (repeatable).")
    ] = None,
    fmt: FormatOption = Format.TABLE,
    lang: LangOption = Lang.EN,
    data_dir: DataDirOption = None,
    refs: RefsOption = False,
) -> None:
    """Approved, conditionally approved and withdrawn MSC products worldwide, oldest first.

    Example: mscref products --status withdrawn
    """
    ds = load(data_dir)
    rows = product_rows(ds, {s.value for s in status} if status else None)
    print_table(products_table(ds, rows, lang, refs=wants_refs(refs, fmt)), fmt, rows)
