"""``mscref schema``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from mscref.cli.app import app, handles_errors
from mscref.data.errors import UsageError
from mscref.render.output import to_json


@app.command()
@handles_errors
def schema(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help="Data files: sources, indications, references, trials, claims, statements.",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write NAME.schema.json files into DIR.", show_default=False),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite schema files that exist.")] = False,
) -> None:
    """JSON Schema (draft-07) for the data files, generated from the same models the loader uses,
    for editors with the YAML language server.

    Example: mscref schema trials -o schemas/
    """
    from mscref.data.files import Outputs
    from mscref.data.jsonschema import file_schema, schema_names

    known = schema_names()
    chosen = names or known
    for name in chosen:
        if name not in known:
            raise UsageError(f"unknown data file {name!r}; choose from {', '.join(known)}")
    if output is None:
        if len(chosen) == 1:
            sys.stdout.write(to_json(file_schema(chosen[0])))
        else:
            sys.stdout.write(to_json({name: file_schema(name) for name in chosen}))
        return
    if not output.is_dir():
        what = "is a file; -o takes a directory" if output.exists() else "no such directory"
        raise UsageError(f"{output}: {what}")
    outputs = Outputs(force=force)
    for name in chosen:
        outputs.add(output / f"{name}.schema.json", to_json(file_schema(name)))
    for warning in outputs.check():  # every file checked before the first is written
        typer.echo(warning, err=True)
    for target, _size in outputs.write():
        typer.echo(f"wrote {target}", err=True)
