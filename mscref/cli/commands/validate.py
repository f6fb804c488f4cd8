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
    """Check the data files and report every problem with its file and line.

    Example: mscref validate --data-dir my-data/
    """
    ds = load(data_dir)
    typer.echo(
        f"OK: {len(ds.sources)} sources, {len(ds.trials)} trials, {len(ds.products)} products, "
        f"{len(ds.indications)} indications, {len(ds.claims)} claims, "
        f"{len(ds.statements)} statements, {len(ds.references)} references "
        f"in {shown_path(ds.directory)}"
    )
