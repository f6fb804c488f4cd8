"""``mscref registry``: the local registry store — list, summary, history, export, runs, classify."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from mscref.cli.app import app, handles_errors
from mscref.cli.common import (
    CountryOption,
    DataDirOption,
    FormatOption,
    IndicationOption,
    PhaseOption,
    SourceOption,
    StoreOption,
    load,
    print_table,
    print_tables,
)
from mscref.render.output import Format

if TYPE_CHECKING:
    from mscref.registry.store import Store

registry_app = typer.Typer(
    help="The local registry store: what `mscref fetch` brought in.\n\nExample: mscref registry summary",
    no_args_is_help=True,
)
app.add_typer(registry_app, name="registry")


def _store_files(store: Path | None) -> tuple[Path, ...]:
    """The store and SQLite's files beside it: no output may replace them."""
    from mscref.registry.store import default_store_path

    path = store or default_store_path()
    return (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal"))


def _open(store: Path | None) -> Store:
    from mscref.registry.store import Store, default_store_path

    return Store(store or default_store_path(), readonly=True)


class Sort(StrEnum):
    ID = "id"
    START = "start"
    PHASE = "phase"
    STATUS = "status"
    ENROLLMENT = "enrollment"
    UPDATED = "updated"


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"
    PARQUET = "parquet"


@registry_app.command("list")
@handles_errors
def list_(
    source: SourceOption = None,
    indication: IndicationOption = None,
    phase: PhaseOption = None,
    status: Annotated[
        list[str] | None, typer.Option(help="Overall status: recruiting, completed … (repeatable).")
    ] = None,
    country: CountryOption = None,
    since: Annotated[
        str | None, typer.Option(metavar="DATE", help="Started on or after DATE (2020, 2020-06, 2020-06-30).")
    ] = None,
    all_studies: Annotated[
        bool, typer.Option("--all", help="Also list studies that name no mesenchymal/stromal cells.")
    ] = False,
    sort: Annotated[Sort, typer.Option("--sort", help="Order of the rows.")] = Sort.ID,
    fmt: FormatOption = Format.TABLE,
    store: StoreOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """List the stored studies with their classification: source tissue, origin, product,
    indication, phase, status, enrolment, countries, start and whether results are posted.

    Example: mscref registry list --source uc --status recruiting --sort start
    """
    import re

    from mscref.data.errors import UsageError
    from mscref.data.query import parse_phase
    from mscref.registry.store import RegistryFilter
    from mscref.registry.sync import parse_status
    from mscref.render.views.registry import list_json, list_table

    if since is not None and not re.fullmatch(r"[12][0-9]{3}(-[01][0-9](-[0-3][0-9])?)?", since):
        raise UsageError(
            f"--since takes a year, a month or a date (2020, 2020-06, 2020-06-30), not {since!r}"
        )
    ds = load(data_dir)
    flt = RegistryFilter(
        sources=frozenset(ds.source_family(ds.resolve_source(source).id)) if source else None,
        indications=frozenset(ds.indication_family(ds.resolve_indication(indication).id))
        if indication
        else None,
        phases=tuple(parse_phase(p).value for p in phase or ()),
        statuses=tuple(parse_status(s) for s in status or ()),
        country=country,
        since=since,
        include_non_msc=all_studies,
    )
    with _open(store) as st:
        rows = st.rows(flt, sort.value)
        where = str(st.path)
    if not rows:
        typer.echo("no stored studies match", err=True)
    print_table(list_table(ds, rows, where), fmt, list_json(ds, rows) if fmt is Format.JSON else None)


@registry_app.command()
@handles_errors
def summary(
    fmt: FormatOption = Format.TABLE,
    plot_text: Annotated[
        str | None,
        typer.Option(
            "--plot",
            metavar="FILE",
            help="Write the start-year chart to FILE.svg or FILE.png.",
            show_default=False,
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the plot file if it exists.")] = False,
    store: StoreOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Registered MSC studies by tissue × indication, phase × status, start year and country,
    with totals and unknowns shown.

    Example: mscref registry summary --plot years.svg
    """
    from mscref.data.files import output_path
    from mscref.render.output import to_json
    from mscref.render.views.registry import summary_json, summary_tables

    # a name ending in "/" names a folder: refused before the store is read
    plot = output_path(plot_text, "--plot") if plot_text is not None else None
    with _open(store) as st:
        crosstabs = {
            "indication×source": st.crosstab("indication", "source"),
            "phase×status": st.crosstab("phase", "status"),
            "start_year": st.crosstab("start_year", None),
            "country": st.crosstab("country", None),
        }
        totals = st.count()
        where = str(st.path)
    if plot is not None:
        from mscref.data.files import write_atomic
        from mscref.render.plots import figure_bytes, plot_format
        from mscref.render.views.registry import start_year_figure

        kind = plot_format(plot)
        size = write_atomic(
            plot,
            figure_bytes(start_year_figure(crosstabs["start_year"]), kind),
            force=force,
            reads=_store_files(store),
        )
        typer.echo(f"wrote {plot} ({size:,} bytes)", err=True)
    if fmt is Format.JSON:
        sys.stdout.write(to_json(summary_json(crosstabs, totals)))
        return
    print_tables(summary_tables(load(data_dir), crosstabs, totals, where), fmt)


@registry_app.command()
@handles_errors
def history(
    study: Annotated[str, typer.Argument(metavar="ID", help="A study id, e.g. NCT01234567.")],
    fmt: FormatOption = Format.TABLE,
    store: StoreOption = None,
) -> None:
    """Every stored version of one study: when it was fetched, the registry's last-update date,
    and which fields changed.

    Example: mscref registry history NCT01234567
    """
    import itertools

    from mscref.data.errors import NotFoundError
    from mscref.render.views.registry import changed_paths, history_table

    sid = study.strip().upper()
    with _open(store) as st:
        versions = st.history(sid)
    if not versions:
        raise NotFoundError(f"{sid} is not in the store")
    changes: list[list[str]] = [[]]
    changes += [changed_paths(a.data, b.data) for a, b in itertools.pairwise(versions)]
    records = [
        {
            "version": v.version,
            "fetched": v.fetched,
            "last_update": v.last_update,
            "run": v.run,
            "changed": c,
            "study": v.data,
        }
        for v, c in zip(versions, changes, strict=True)
    ]
    print_table(history_table(sid, versions, changes), fmt, records)


@registry_app.command()
@handles_errors
def runs(fmt: FormatOption = Format.TABLE, store: StoreOption = None) -> None:
    """The fetch runs: when, what they asked, how far they got and what they changed.

    Example: mscref registry runs
    """
    from dataclasses import asdict

    from mscref.render.output import Table

    with _open(store) as st:
        found = st.runs()
    rows = tuple(
        (
            str(r.id),
            r.started.replace("T", " ")[:16],
            r.state,
            r.since or "—",
            "" if r.total is None else f"{r.total:,}",
            f"{r.seen:,}",
            f"{r.added:,}",
            f"{r.changed:,}",
            f"{r.unchanged:,}",
        )
        for r in found
    )
    table = Table(
        columns=(
            "Run",
            "Started",
            "State",
            "Updated since",
            "Matched",
            "Fetched",
            "New",
            "Changed",
            "Unchanged",
        ),
        rows=rows,
    )
    print_table(table, fmt, [asdict(r) for r in found])


@registry_app.command()
@handles_errors
def export(
    fmt: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="csv, json or parquet.")
    ] = ExportFormat.CSV,
    output_text: Annotated[
        str | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write to FILE (needed for parquet)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
    all_studies: Annotated[bool, typer.Option("--all", help="Include studies that name no MSCs.")] = False,
    store: StoreOption = None,
) -> None:
    """Every stored study's current version: its classification columns and the JSON the API
    returned. Parquet (for DuckDB, pandas, Arrow) needs pyarrow: pip install 'mscref[parquet]'.

    Example: mscref registry export --format parquet -o registry.parquet
    """
    import csv
    import io
    import json

    from mscref.data.errors import MscrefError, UsageError
    from mscref.data.files import output_path, write_atomic
    from mscref.registry.store import RegistryFilter

    output = output_path(output_text) if output_text is not None else None
    if fmt is ExportFormat.PARQUET and output is None:
        raise UsageError("parquet is binary: give the file to write with -o FILE.parquet")
    if fmt is ExportFormat.PARQUET:
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise MscrefError(
                "Parquet export needs pyarrow, which is not installed: pip install 'mscref[parquet]'"
                " (or export --format csv or json)"
            ) from None
    flt = RegistryFilter(include_non_msc=all_studies)
    if fmt is ExportFormat.PARQUET:
        assert output is not None
        with _open(store) as st:
            n = _write_parquet(output, st, flt, force=force, reads=_store_files(store))
        typer.echo(f"wrote {output} ({output.stat().st_size:,} bytes, {n:,} studies)", err=True)
        return
    with _open(store) as st:
        rows = list(st.export_rows(flt))
    content: str
    if fmt is ExportFormat.JSON:
        records: list[dict[str, Any]] = []
        for r in rows:
            rec = dict(r)
            for key in ("conditions", "unmatched", "phases", "countries"):
                rec[key] = json.loads(rec[key])
            rec["is_msc"], rec["has_results"] = bool(rec["is_msc"]), bool(rec["has_results"])
            rec["study"] = json.loads(rec.pop("json"))
            records.append(rec)
        content = json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    else:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        if rows:
            writer.writerow(list(rows[0]))
            writer.writerows([list(r.values()) for r in rows])
        content = out.getvalue()
    if output is None:
        sys.stdout.write(content)
        return
    size = write_atomic(output, content, force=force, reads=_store_files(store))
    typer.echo(f"wrote {output} ({size:,} bytes, {len(rows):,} studies)", err=True)


@registry_app.command()
@handles_errors
def classify(store: StoreOption = None, data_dir: DataDirOption = None) -> None:
    """Classify every stored study again, after mscref or the indications changed.

    Example: mscref registry classify --data-dir my-data
    """
    from mscref.registry.store import Store, default_store_path

    path = store or default_store_path()
    if not path.is_file():
        from mscref.registry.store import StoreError

        raise StoreError(f"no registry store at {path}; run `mscref fetch ctgov` first")
    ds = load(data_dir)
    with Store(path) as st:
        n = st.reclassify(ds)
    typer.echo(f"classified {n:,} studies in {path}", err=True)


def _write_parquet(path: Path, st: Store, flt: Any, *, force: bool, reads: tuple[Path, ...]) -> int:
    """Stream the store into a Parquet file 10,000 rows at a time (a million studies never sit
    in memory at once), checked and written as every output is: a failure leaves no file or
    the old one, and nothing but a regular file is ever replaced."""
    import itertools
    from typing import BinaryIO

    import pyarrow as pa
    import pyarrow.parquet as pq

    from mscref.data.files import write_streaming

    schema = pa.schema(
        [
            (name, pa.int64() if kind.upper() == "INTEGER" else pa.string())
            for name, kind in st.export_columns()
        ]
    )
    n = 0

    def fill(handle: BinaryIO) -> None:
        nonlocal n
        with pq.ParquetWriter(handle, schema) as writer:
            rows = st.export_rows(flt)
            while batch := list(itertools.islice(rows, 10_000)):
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                n += len(batch)

    write_streaming(path, fill, force=force, reads=reads)
    return n
