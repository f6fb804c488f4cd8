"""``mscref show``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from mscref.cli.app import app, handles_errors
from mscref.cli.common import DataDirOption, FormatOption, LangOption, load, print_document
from mscref.data.errors import UsageError
from mscref.render.i18n import Lang
from mscref.render.output import (
    Format,
    document_markdown,
    to_json,
)
from mscref.render.views.compare import compare_json
from mscref.render.views.show import record_json, show_document


@app.command()
@handles_errors
def show(
    record_id: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="A trial, product or source: its id (any case), a product's name or trade name, "
            "a source's name or abbreviation, or a trial's registry id.",
        ),
    ],
    fmt: FormatOption = Format.TABLE,
    lang: LangOption = Lang.EN,
    data_dir: DataDirOption = None,
) -> None:
    """Everything about one trial, product or source, with its references in full.

    Example: mscref show Ryoncil
    """
    if fmt is Format.CSV:
        raise UsageError("show has no csv format; use table, markdown or json")
    ds = load(data_dir)
    rec = ds.record(record_id)
    if fmt is Format.JSON:
        from mscref.data.models import Source

        if isinstance(rec, Source):
            sys.stdout.write(to_json(compare_json(ds, [rec])[0]))
        else:
            sys.stdout.write(to_json(record_json(ds, rec)))
        return
    doc = show_document(ds, rec, lang)
    if fmt is Format.MARKDOWN:
        sys.stdout.write(document_markdown(doc))
    else:
        print_document(doc)
