"""``mscref refs``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from mscref.cli.app import app, handles_errors
from mscref.cli.common import (
    CountryOption,
    DataDirOption,
    DesignOption,
    IndicationOption,
    PhaseOption,
    ProductTypeOption,
    SourceOption,
    TextOption,
    load,
    trial_filter,
)
from mscref.data.errors import UsageError
from mscref.render.refs import RefFormat


@app.command()
@handles_errors
def refs(
    cited_by: Annotated[
        str | None,
        typer.Option(
            "--cited-by",
            help="The references of one trial, product, source, claim or statement (by id).",
            show_default=False,
        ),
    ] = None,
    indication: IndicationOption = None,
    source: SourceOption = None,
    phase: PhaseOption = None,
    product_type: ProductTypeOption = None,
    design: DesignOption = None,
    country: CountryOption = None,
    text: TextOption = None,
    fmt: Annotated[
        RefFormat,
        typer.Option(
            "--format", "-f", help="bibtex (LaTeX), ris (EndNote), csljson (Zotero, pandoc) or markdown."
        ),
    ] = RefFormat.MARKDOWN,
    output: Annotated[
        str | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write to FILE (default: stdout).", show_default=False
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite a file that exists.")] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Export the references behind a selection (the same filters as trials) or one record, for a
    citation manager.

    Example: mscref refs --indication gvhd --format ris -o gvhd.ris
    """
    from mscref.data.query import select
    from mscref.render.refs import cited_by as refs_cited_by
    from mscref.render.refs import export, references_of

    flt = trial_filter(indication, source, phase, product_type, design, country, text)
    if cited_by is not None and flt != trial_filter(None, None, None, None, None, None, None):
        raise UsageError("--cited-by names one record; leave out the filters")
    ds = load(data_dir)
    if cited_by is not None:
        references = refs_cited_by(ds, cited_by)
    else:
        references = references_of(ds, select(ds, flt).records)
    if not references:
        typer.echo("no references: nothing matches", err=True)
    content = export(references, fmt)
    if output is None:
        sys.stdout.write(content)
        return
    from mscref.data.files import output_path, write_atomic

    size = write_atomic(output_path(output), content, force=force, data_dir=ds.directory)
    typer.echo(f"wrote {output} ({size:,} bytes, {len(references)} references)", err=True)
