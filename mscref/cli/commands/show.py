"""``mscref show``."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from mscref.cli.app import app, handles_errors
from mscref.cli.common import DataDirOption, LangOption, StoreOption, load, print_document
from mscref.render.i18n import Lang
from mscref.render.output import (
    Document,
    document_markdown,
    to_json,
)
from mscref.render.views.compare import compare_json
from mscref.render.views.show import record_json, registry_link_blocks, registry_link_json, show_document


class ShowFormat(StrEnum):
    """The formats of one record (a document has no CSV)."""

    TABLE = "table"
    MARKDOWN = "markdown"
    JSON = "json"


ShowFormatOption = Annotated[ShowFormat, typer.Option("--format", "-f", help="Output format.")]


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
    fmt: ShowFormatOption = ShowFormat.TABLE,
    lang: LangOption = Lang.EN,
    data_dir: DataDirOption = None,
    store: StoreOption = None,
) -> None:
    """Everything about one trial, product or source, with its references in full.

    Example: mscref show Ryoncil
    """
    ds = load(data_dir)
    rec = ds.record(record_id)
    links = _registry_links(rec, store)
    if fmt is ShowFormat.JSON:
        from mscref.data.models import Source

        if isinstance(rec, Source):
            sys.stdout.write(to_json(compare_json(ds, [rec])[0]))
        else:
            sys.stdout.write(to_json({**record_json(ds, rec), "registry_records": links}))
        return
    doc = show_document(ds, rec, lang)
    if links:
        doc = Document(title=doc.title, blocks=(*doc.blocks, *registry_link_blocks(links)))
    if fmt is ShowFormat.MARKDOWN:
        sys.stdout.write(document_markdown(doc))
    else:
        print_document(doc)


def _registry_links(rec: object, store: Path | None) -> list[dict[str, Any]]:
    """The stored registry records of a trial's NCT ids; none when there is no store (show
    never needs one) and a warning when the store cannot be read."""
    from mscref.data.models import Trial

    ids = [i for i in rec.registry_ids if i.startswith("NCT")] if isinstance(rec, Trial) else []
    if not ids:
        return []
    from mscref.registry.store import Store, StoreError, default_store_path

    path = store or default_store_path()
    if not path.is_file():
        return []
    try:
        with Store(path, readonly=True) as st:
            found = st.current(ids)
            fetched = {r["id"]: r["fetched"] for r in st.rows(_by_ids(ids))}
    except StoreError as exc:
        typer.echo(f"warning: registry records not shown: {exc}", err=True)
        return []
    return [registry_link_json(found[i], fetched[i]) for i in ids if i in found]


def _by_ids(ids: list[str]) -> Any:
    from mscref.registry.store import RegistryFilter

    return RegistryFilter(ids=tuple(ids), include_non_msc=True)
