"""``mscref validate``."""

from __future__ import annotations

import typer

from mscref.cli.app import app, handles_errors
from mscref.cli.common import DataDirOption, load
from mscref.data.loader import shown_path

# ------------------------------------------------------------------------------------------
# Commands


@app.command()
@handles_errors
def validate(data_dir: DataDirOption = None) -> None:
    """Check the data files and report every problem with its file and line; warnings (such as a
    reference without a DOI, PMID, URL or registry id) go to stderr and do not fail.

    Example: mscref validate --data-dir my-data/
    """
    from mscref.data.lint import data_warnings

    ds = load(data_dir)
    warnings = data_warnings(ds, shown_path(ds.directory))
    for w in warnings:
        typer.echo(str(w), err=True)
    if warnings:
        typer.echo(
            f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''} (the data is valid)", err=True
        )
    typer.echo(
        f"OK: {len(ds.sources)} sources, {len(ds.trials)} trials, {len(ds.products)} products, "
        f"{len(ds.indications)} indications, {len(ds.claims)} claims, "
        f"{len(ds.statements)} statements, {len(ds.references)} references "
        f"in {shown_path(ds.directory)}"
    )
