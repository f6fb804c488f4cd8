"""``mscref import ctgov``."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from mscref.cli.app import app, handles_errors
from mscref.cli.common import DataDirOption, StoreOption, load
from mscref.data.errors import DataError, ImportFailed, MscrefError, UsageError
from mscref.data.loader import load_dataset, shown_path

import_app = typer.Typer(
    help="Import trial records from registries.\n\nExample: mscref import ctgov studies.json -o mine.yaml",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")


@import_app.command("ctgov")
@handles_errors
def import_ctgov(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="ClinicalTrials.gov API v2 JSON: studies, lists, search pages (NCT ids with --from-store)."
        ),
    ],
    output: Annotated[
        str, typer.Option("--output", "-o", help="The trials YAML file to create or merge into.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; write nothing.")
    ] = False,
    data_dir: DataDirOption = None,
    from_store: Annotated[
        bool, typer.Option("--from-store", help="The arguments are NCT ids of studies in the registry store.")
    ] = False,
    store: StoreOption = None,
) -> None:
    """Turn ClinicalTrials.gov records into mscref trials, merging into OUT without losing anything:
    a trial already there (same NCT id) gets only its registry block updated.

    Example: mscref import ctgov studies.json -o data/trials.yaml --dry-run
    """
    import difflib

    from mscref.data.files import MAX_INPUT_BYTES, Outputs, check_target, output_path, read_regular
    from mscref.data.loader import check_trials_text
    from mscref.data.yamlio import decode
    from mscref.registry.ctgov import map_studies, read_studies
    from mscref.registry.merge import blame_import, merge_trials

    out = output_path(output)
    if from_store:
        from mscref.registry.store import default_store_path, stored_studies

        studies = stored_studies(store or default_store_path(), [str(f) for f in files])
    else:
        studies = read_studies(list(files))
    if not studies:
        raise UsageError("the input holds no study records; nothing to import")
    in_data_dir = out.name == "trials.yaml" and (out.parent / "sources.yaml").exists()
    context_dir = out.parent if in_data_dir else data_dir
    ds = load(context_dir)
    # Check where the result goes before reading it: a FIFO or device is refused, not read.
    outputs = Outputs(
        force=True,
        data_dir=ds.directory,
        may_replace=out if in_data_dir else None,
        reads=_store_files(store) if from_store else tuple(files),
    )
    outputs.add(out)
    warnings = [] if dry_run else outputs.check()
    target = check_target(out, force=True, read_only_ok=True) if dry_run else outputs.targets[0]
    existing: str | None = None
    raw = read_regular(target.real, MAX_INPUT_BYTES) if target.exists else None
    if raw is not None:
        text, problem = decode(str(out), raw)
        if problem is not None or text is None:
            raise DataError([problem] if problem else [])
        existing = text
        blank = all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())
        if not in_data_dir and not blank:
            problems = check_trials_text(str(out), existing, ds)
            if problems:
                raise DataError(problems)
    mapped = map_studies(studies, ds)
    taken = ds.all_ids()
    result = merge_trials(existing, mapped, taken, str(out))
    # Check the result exactly as it would be written, before anything touches the disk; a
    # problem in an imported trial is told against the input record it came from.
    try:
        if in_data_dir:
            load_dataset(out.parent, overrides={"trials.yaml": result.text})
        else:
            problems = check_trials_text(str(out), result.text, ds)
            if problems:
                raise DataError(problems)
    except DataError as exc:
        checked_as = shown_path(out) if in_data_dir else str(out)
        raise ImportFailed(blame_import(list(exc.problems), result, checked_as)) from None
    for label_, items in (
        ("added", result.added),
        ("updated", result.updated),
        ("unchanged", result.unchanged),
    ):
        for item in items:
            typer.echo(f"{label_}: {item}", err=True)
    if dry_run:
        diff = difflib.unified_diff(
            (existing or "").splitlines(keepends=True),
            result.text.splitlines(keepends=True),
            fromfile=f"{output} (now)",
            tofile=f"{output} (after import)",
        )
        sys.stdout.write("".join(diff))
        typer.echo(f"dry run: {result.summary()}; nothing written", err=True)
        return
    if result.text == existing:
        typer.echo(f"{output}: {result.summary()}; file unchanged", err=True)
        return
    # The merge is of the text read above: if the file changed (or appeared) since, writing
    # would lose that change.
    now = read_regular(target.real, MAX_INPUT_BYTES) if os.path.lexists(target.real) else None
    if now != raw:
        raise MscrefError(
            f"{out} changed while mscref was importing into it; nothing written: run the import again"
        )
    outputs.set_content(out, result.text)
    outputs.write()
    for warning in warnings:
        typer.echo(warning, err=True)
    via = f" (through the link to {target.real})" if target.real != out else ""
    typer.echo(f"wrote {output}{via}: {result.summary()}", err=True)


def _store_files(store: Path | None) -> tuple[Path, ...]:
    """The registry store and SQLite's files beside it: an import never writes over them."""
    from mscref.registry.store import default_store_path

    path = store or default_store_path()
    return (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal"))
