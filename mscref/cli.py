"""The command line: parse, call the library, render. Data goes to stdout, messages to stderr."""

from __future__ import annotations

import functools
import gc
import os
import re
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from mscref import __version__
from mscref.data.dataset import Dataset
from mscref.data.errors import DataError, ImportFailed, MscrefError, UsageError
from mscref.data.loader import ENV_VAR, load_dataset, shown_path
from mscref.data.models import TIMEPOINT_PATTERN, ApprovalStatus, Verdict
from mscref.data.query import (
    DesignFilter,
    TrialFilter,
    no_empty_filters,
    parse_phase,
    parse_product_type,
    select,
)
from mscref.evidence.methods import CIMethod, Measure, Tau2Method
from mscref.render.i18n import Lang
from mscref.render.output import (
    Block,
    Bullets,
    Document,
    Fields,
    Figure,
    Format,
    Heading,
    Paragraph,
    Table,
    document_html,
    document_markdown,
    table_csv,
    table_markdown,
    to_json,
)
from mscref.render.views.claims import claim_rows, claims_table
from mscref.render.views.compare import compare_json, compare_table
from mscref.render.views.indications import indication_rows, indications_table
from mscref.render.views.products import product_rows, products_table
from mscref.render.views.show import record_json, show_document
from mscref.render.views.trials import trials_table

_APP_SETTINGS: dict[str, Any] = {
    "name": "mscref",
    "help": "Compare MSC source tissues, trials and approved products, every figure with its citation.",
    "no_args_is_help": True,
    "add_completion": False,
    "pretty_exceptions_enable": False,
}
app = typer.Typer(**_APP_SETTINGS)

F = TypeVar("F", bound=Callable[..., Any])


def _stdout() -> Console:
    return Console(highlight=False, soft_wrap=False)


def handles_errors(func: F) -> F:
    """End a user's mistake in one clear message on stderr and a non-zero exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (DataError, ImportFailed) as exc:
            for problem in exc.problems:
                typer.echo(str(problem), err=True)
            typer.echo(f"error: {exc.args[0]}", err=True)
            raise typer.Exit(code=exc.exit_code) from None
        except MscrefError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(code=exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


# ------------------------------------------------------------------------------------------
# Shared options

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar=ENV_VAR,
        help=f"Directory of data files (default: the bundled data; also ${ENV_VAR}).",
        show_default=False,
    ),
]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
LangOption = Annotated[Lang, typer.Option("--lang", help="Language of names and labels.")]


def _load(data_dir: Path | None) -> Dataset:
    dataset = load_dataset(data_dir)
    # The data set lives until the command ends and holds no cycles. Left to the collector,
    # its hundreds of thousands of objects would be traversed again by every full collection
    # that later work sets off, which grows faster than the data (the process is short-lived,
    # so nothing is lost by exempting what exists now).
    gc.freeze()
    return dataset


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mscref {__version__}")
        raise typer.Exit()


@app.callback()
def callback(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = False,
    debug: Annotated[
        bool,
        typer.Option("--debug", help="Show the full traceback if mscref itself fails (also MSCREF_DEBUG=1)."),
    ] = False,
) -> None:
    """mscref: the facts on mesenchymal stem/stromal cell therapies, with citations."""
    if debug:
        os.environ["MSCREF_DEBUG"] = "1"


#: Exit code of an internal error (a bug in mscref, not a mistake of the user's).
BUG_EXIT = 3
ISSUES = "the mscref issue tracker"


#: Options of the whole program that may come before the command's name.
_GLOBAL_FLAGS = frozenset({"--debug"})


def app_for(argv: list[str]) -> typer.Typer:
    """The app with only the command that ``argv`` names.

    Typer turns every command's signature into options before it runs any of them, which
    costs more than answering a question on the bundled data; building just the named
    command keeps start-up short. Anything else (help, --version, a mistyped name, no name)
    gets the whole app, so its messages list every command.
    """
    for arg in argv:
        if arg in _GLOBAL_FLAGS:
            continue
        if arg.startswith("-"):
            return app
        commands = [c for c in app.registered_commands if _command_name(c) == arg]
        groups = [g for g in app.registered_groups if g.name == arg]
        if not commands and not groups:
            return app
        sub = typer.Typer(**_APP_SETTINGS)
        sub.registered_callback = app.registered_callback
        sub.registered_commands = commands
        sub.registered_groups = groups
        return sub
    return app


def _command_name(info: Any) -> str:
    return info.name or typer.main.get_command_name(info.callback.__name__)


def main(argv: list[str] | None = None) -> None:
    """The console entry point: the CLI, with one line instead of a traceback for a bug."""
    args = sys.argv[1:] if argv is None else argv
    try:
        app_for(args)(args=args, prog_name="mscref")
    except Exception as exc:  # the one broad catch: a user's mistake never gets here (see handles_errors)
        if os.environ.get("MSCREF_DEBUG"):
            raise
        sys.stdout.flush()
        typer.echo(
            f"internal error: {type(exc).__name__}: {exc}. This is a bug in mscref {__version__}; "
            f"please report it to {ISSUES} with the command you ran (add --debug for the traceback).",
            err=True,
        )
        raise SystemExit(BUG_EXIT) from None


# ------------------------------------------------------------------------------------------
# Rendering


def _write_table(console: Console, table: Table) -> None:
    """Draw a table with the fast grid renderer, then its notes."""
    from mscref.render.termtable import render

    text = render(list(table.columns), [list(r) for r in table.rows], console.width, table.title)
    console.file.write(text)
    for note in table.notes:
        console.file.write(note + "\n")


def print_table(table: Table, fmt: Format, records: Any = None) -> None:
    """Write a table in the asked format; JSON writes ``records`` instead."""
    if fmt is Format.JSON:
        sys.stdout.write(to_json(records))
    elif fmt is Format.CSV:
        sys.stdout.write(table_csv(table))
    elif fmt is Format.MARKDOWN:
        sys.stdout.write(table_markdown(table))
    else:
        _write_table(_stdout(), table)


def print_tables(tables: list[Table], fmt: Format) -> None:
    """Several tables one after the other, a blank line between them."""
    for i, table in enumerate(tables):
        if i:
            sys.stdout.write("\n")
        print_table(table, fmt)


def print_document(doc: Document) -> None:
    console = _stdout()
    console.print(Text(doc.title, style="bold"))
    for block in doc.blocks:
        if isinstance(block, Heading):
            console.print()
            console.print(Text(block.text, style="bold underline"))
        elif isinstance(block, Paragraph):
            console.print(Text(block.text))
        elif isinstance(block, Fields):
            grid = RichTable.grid(padding=(0, 2))
            grid.add_column(style="bold", no_wrap=True)
            grid.add_column(overflow="fold")
            for key, value in block.pairs:
                if value:
                    grid.add_row(Text(key), Text(value))
            console.print(grid)
        elif isinstance(block, Bullets):
            for i, item in enumerate(block.items, start=1):
                console.print(Text(f"{i}. " if block.numbered else "- ") + Text(item))
        elif isinstance(block, Figure):
            console.print(Text(f"[figure: {block.caption}]", style="dim"))
        else:
            _write_table(console, block)


# ------------------------------------------------------------------------------------------
# Commands


@app.command()
@handles_errors
def validate(data_dir: DataDirOption = None) -> None:
    """Check the data files and report every problem with its file and line.

    Example: mscref validate --data-dir my-data/
    """
    ds = _load(data_dir)
    typer.echo(
        f"OK: {len(ds.sources)} sources, {len(ds.trials)} trials, {len(ds.products)} products, "
        f"{len(ds.indications)} indications, {len(ds.claims)} claims, "
        f"{len(ds.statements)} statements, {len(ds.references)} references "
        f"in {shown_path(ds.directory)}"
    )


@app.command()
@handles_errors
def compare(
    sources: Annotated[
        list[str] | None,
        typer.Argument(
            help="Sources by id, abbreviation or alias (uc, AD-MSCs, 骨髓 …); all when none.",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOption = Format.TABLE,
    lang: LangOption = Lang.EN,
    data_dir: DataDirOption = None,
) -> None:
    """Compare source tissues side by side: collection, proliferation, immunogenicity …

    Example: mscref compare uc ad bm am
    """
    ds = _load(data_dir)
    chosen = [ds.resolve_source(name) for name in sources] if sources else list(ds.sources)
    chosen = list({s.id: s for s in chosen}.values())
    print_table(
        compare_table(ds, chosen, lang), fmt, compare_json(ds, chosen) if fmt is Format.JSON else None
    )


IndicationOption = Annotated[
    str | None, typer.Option(help="Indication by id or alias (gvhd, 移植物抗宿主病 …).")
]
SourceOption = Annotated[str | None, typer.Option(help="Source tissue by id or alias (uc, 脐带 …).")]
PhaseOption = Annotated[list[str] | None, typer.Option(help="Phase: 1, 1/2, 2, 2/3, 3, 4 (repeatable).")]
ProductTypeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--product-type", help="cells, extracellular-vesicles, engineered-cells, non-msc (repeatable)."
    ),
]
DesignOption = Annotated[
    list[DesignFilter] | None, typer.Option(help="Design feature (repeatable; all must hold).")
]
CountryOption = Annotated[str | None, typer.Option(help="Country (trials) or region of approval (products).")]
TextOption = Annotated[str | None, typer.Option("--text", help="Free text searched in names, titles, notes.")]


def _trial_filter(
    indication: str | None,
    source: str | None,
    phase: list[str] | None,
    product_type: list[str] | None,
    design: list[DesignFilter] | None,
    country: str | None,
    text: str | None,
) -> TrialFilter:
    return TrialFilter(
        indication=indication,
        source=source,
        phases=tuple(parse_phase(p) for p in phase or ()),
        product_types=tuple(parse_product_type(p) for p in product_type or ()),
        designs=tuple(design or ()),
        country=country,
        text=text,
    )


@app.command()
@handles_errors
def trials(
    indication: IndicationOption = None,
    source: SourceOption = None,
    phase: PhaseOption = None,
    product_type: ProductTypeOption = None,
    design: DesignOption = None,
    country: CountryOption = None,
    text: TextOption = None,
    fmt: FormatOption = Format.TABLE,
    lang: LangOption = Lang.EN,
    data_dir: DataDirOption = None,
) -> None:
    """List trials and products with design, n, key outcome, approvals and the seed-claim verdict.

    Example: mscref trials --indication gvhd --design randomized
    """
    ds = _load(data_dir)
    flt = _trial_filter(indication, source, phase, product_type, design, country, text)
    selection = select(ds, flt)
    if not selection.records:
        typer.echo("no trials or products match", err=True)
    records = [record_json(ds, r) for r in selection.records] if fmt is Format.JSON else None
    print_table(trials_table(ds, selection, lang), fmt, records)


@app.command()
@handles_errors
def show(
    record_id: Annotated[str, typer.Argument(metavar="ID", help="A trial, product or source id.")],
    fmt: FormatOption = Format.TABLE,
    lang: LangOption = Lang.EN,
    data_dir: DataDirOption = None,
) -> None:
    """Everything about one trial, product or source, with its references in full.

    Example: mscref show ryoncil-msb-gvhd001
    """
    if fmt is Format.CSV:
        raise UsageError("show has no csv format; use table, markdown or json")
    ds = _load(data_dir)
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


@app.command()
@handles_errors
def summary(
    fmt: FormatOption = Format.TABLE,
    lang: LangOption = Lang.EN,
    data_dir: DataDirOption = None,
) -> None:
    """The data set at a glance: trials by indication × source, phase × design, product type,
    approvals by year × agency, and seed claims by verdict.

    Example: mscref summary --format markdown
    """
    from mscref.render.views.summary import build_summary, summary_json, summary_long, summary_tables

    ds = _load(data_dir)
    result = build_summary(ds, lang)
    if fmt is Format.JSON:
        sys.stdout.write(to_json(summary_json(result)))
    elif fmt is Format.CSV:
        sys.stdout.write(table_csv(summary_long(result)))
    else:
        print_tables(summary_tables(result), fmt)


@app.command()
@handles_errors
def indications(
    fmt: FormatOption = Format.TABLE,
    lang: LangOption = Lang.EN,
    data_dir: DataDirOption = None,
) -> None:
    """One row per indication: names, organ system, trials, source tissues tried and the strongest
    evidence (approved product > randomized phase 3 > randomized phase 2 > single-arm >
    early/uncontrolled > claim only).

    Example: mscref indications --lang zh
    """
    ds = _load(data_dir)
    rows = indication_rows(ds)
    print_table(indications_table(ds, rows, lang), fmt, rows)


@app.command()
@handles_errors
def products(
    status: Annotated[
        list[ApprovalStatus] | None, typer.Option(help="Only these statuses (repeatable).")
    ] = None,
    fmt: FormatOption = Format.TABLE,
    lang: LangOption = Lang.EN,
    data_dir: DataDirOption = None,
) -> None:
    """Approved, conditionally approved and withdrawn MSC products worldwide, oldest first.

    Example: mscref products --status withdrawn
    """
    ds = _load(data_dir)
    rows = product_rows(ds, {s.value for s in status} if status else None)
    print_table(products_table(ds, rows, lang), fmt, rows)


@app.command()
@handles_errors
def claims(
    verdict: Annotated[list[Verdict] | None, typer.Option(help="Only these verdicts (repeatable).")] = None,
    indication: IndicationOption = None,
    fmt: FormatOption = Format.TABLE,
    lang: LangOption = Lang.EN,
    data_dir: DataDirOption = None,
) -> None:
    """The seed article's claims with the verdict, the seed's wording and what the sources say.

    Example: mscref claims --verdict contradicted
    """
    no_empty_filters(indication=indication)
    ds = _load(data_dir)
    wanted = ds.indication_family(ds.resolve_indication(indication).id) if indication else None
    rows = claim_rows(ds, {v.value for v in verdict} if verdict else None, wanted)
    print_table(claims_table(rows, lang), fmt, rows)


class ReportFormat(StrEnum):
    MARKDOWN = "markdown"
    HTML = "html"


@app.command()
@handles_errors
def report(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write to FILE (default: stdout).", show_default=False),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files that exist.")] = False,
    fmt: Annotated[
        ReportFormat,
        typer.Option("--format", "-f", help="markdown, or one self-contained HTML page with charts."),
    ] = ReportFormat.MARKDOWN,
    plots_dir: Annotated[
        Path | None,
        typer.Option(
            "--plots-dir",
            help="Markdown only: save the charts as SVG here and link them.",
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
    lang: LangOption = Lang.EN,
    data_dir: DataDirOption = None,
) -> None:
    """A report: overview, source comparison, trials by indication with their outcomes, evidence
    statistics, approved products, safety risks, mechanisms, checked claims and a numbered
    reference list that every table cites.

    Example: mscref report --indication gvhd -o gvhd.md
    """
    from mscref.data.files import write_atomic
    from mscref.render.report import build_report

    if plots_dir is not None and fmt is not ReportFormat.MARKDOWN:
        raise UsageError("--plots-dir goes with --format markdown (the HTML report holds its charts)")
    if plots_dir is not None and not plots_dir.is_dir():
        raise UsageError(f"--plots-dir {plots_dir}: no such directory")
    ds = _load(data_dir)
    flt = _trial_filter(indication, source, phase, product_type, design, country, text)
    selection = select(ds, flt)
    figures = fmt is ReportFormat.HTML or plots_dir is not None
    doc = build_report(ds, selection, flt, lang, figures=figures)
    if fmt is ReportFormat.HTML:
        content = document_html(doc, lang.value)
    else:
        if plots_dir is not None:
            doc = _save_figures(doc, plots_dir, output, force)
        content = document_markdown(doc)
    if output is None:
        sys.stdout.write(content)
        return
    size = write_atomic(output, content, force=force)
    typer.echo(f"wrote {output} ({size:,} bytes, {len(selection.records)} records)", err=True)


def _save_figures(doc: Document, plots_dir: Path, output: Path | None, force: bool) -> Document:
    """Write each chart as SVG into ``plots_dir`` and point the markdown at it."""
    import os

    from mscref.data.files import write_atomic

    blocks: list[Block] = []
    base = output.parent if output is not None else Path(".")
    for block in doc.blocks:
        if isinstance(block, Figure):
            target = plots_dir / block.name
            write_atomic(target, block.svg, force=force)
            typer.echo(f"wrote {target}", err=True)
            href = os.path.relpath(target, base).replace(os.sep, "/")
            block = Figure(block.caption, block.svg, block.name, href)
        blocks.append(block)
    return Document(doc.title, tuple(blocks))


@app.command()
@handles_errors
def evidence(
    indication: IndicationOption = None,
    source: SourceOption = None,
    endpoint: Annotated[
        list[str] | None,
        typer.Option(help="Endpoint id (overall-response, complete-response …; repeatable)."),
    ] = None,
    timepoint: Annotated[
        list[str] | None, typer.Option(help="Timepoint such as 'day 28' (repeatable; week 4 = day 28).")
    ] = None,
    ci: Annotated[CIMethod, typer.Option("--ci", help="Interval for single proportions.")] = CIMethod.EXACT,
    measure: Annotated[
        Measure, typer.Option(help="Pool two-arm comparisons as odds ratio, risk ratio or risk difference.")
    ] = Measure.OR,
    tau2: Annotated[
        Tau2Method,
        typer.Option(
            "--tau2", help="Between-study variance: Paule-Mandel or DerSimonian-Laird (truncated at 0)."
        ),
    ] = Tau2Method.PM,
    no_derived: Annotated[
        bool, typer.Option("--no-derived", help="Leave out counts derived from percentages.")
    ] = False,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Write a forest plot to FILE.svg or FILE.png.", show_default=False),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the plot file if it exists.")] = False,
    fmt: FormatOption = Format.TABLE,
    lang: LangOption = Lang.EN,
    data_dir: DataDirOption = None,
) -> None:
    """Rates with 95% confidence intervals, MSC-vs-control effect sizes, and random-effects pooling
    of like outcomes (same endpoint, same timepoint) with τ², I² and Cochran's Q.

    Example: mscref evidence --indication gvhd --endpoint overall-response
    """
    from mscref.evidence.stats import EvidenceFilter, analyse, evidence_json
    from mscref.render.views.evidence import evidence_tables

    ds = _load(data_dir)
    for tp in timepoint or ():
        if not re.fullmatch(TIMEPOINT_PATTERN, tp):
            raise UsageError(f"bad timepoint {tp!r}: write it as 'day 28', 'week 4', 'month 12' or 'year 2'")
    flt = EvidenceFilter(indication, source, tuple(endpoint or ()), tuple(timepoint or ()), no_derived)
    result = analyse(ds, flt, ci, measure, tau2)
    if plot is not None:
        from mscref.data.files import write_atomic
        from mscref.render.plots import figure_bytes, forest_figure, plot_format

        kind = plot_format(plot)
        size = write_atomic(plot, figure_bytes(forest_figure(ds, result), kind), force=force)
        typer.echo(f"wrote {plot} ({size:,} bytes, {len(result.pooled)} forest panels)", err=True)
    if not result.proportions:
        typer.echo("no count outcomes match", err=True)
    if fmt is Format.JSON:
        sys.stdout.write(to_json(evidence_json(ds, result)))
        return
    tables = evidence_tables(ds, result, lang)
    if fmt is Format.CSV:
        if tables:
            sys.stdout.write(table_csv(tables[0]))
        return
    print_tables(tables, fmt)


import_app = typer.Typer(
    help="Import trial records from registries.\n\nExample: mscref import ctgov studies.json -o mine.yaml",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")


@import_app.command("ctgov")
@handles_errors
def import_ctgov(
    files: Annotated[
        list[Path], typer.Argument(help="ClinicalTrials.gov API v2 JSON: studies, lists, search pages.")
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The trials YAML file to create or merge into.")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would change; write nothing.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Turn ClinicalTrials.gov records into mscref trials, merging into OUT without losing anything:
    a trial already there (same NCT id) gets only its registry block updated.

    Example: mscref import ctgov studies.json -o data/trials.yaml --dry-run
    """
    import difflib

    from mscref.data.errors import DataError
    from mscref.data.files import write_atomic
    from mscref.data.loader import check_trials_text
    from mscref.data.yamlio import decode
    from mscref.registry.ctgov import map_studies, read_studies
    from mscref.registry.merge import blame_import, merge_trials

    if output.is_dir():
        raise UsageError(f"{output} is a directory; -o takes the YAML file to write")
    studies = read_studies(list(files))
    if not studies:
        raise UsageError("the input holds no study records; nothing to import")
    in_data_dir = output.name == "trials.yaml" and (output.parent / "sources.yaml").exists()
    context_dir = output.parent if in_data_dir else data_dir
    ds = _load(context_dir)
    existing: str | None = None
    if output.exists():
        text, problem = decode(str(output), output.read_bytes())
        if problem is not None or text is None:
            raise DataError([problem] if problem else [])
        existing = text
        blank = all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())
        if not in_data_dir and not blank:
            problems = check_trials_text(str(output), existing, ds)
            if problems:
                raise DataError(problems)
    mapped = map_studies(studies, ds)
    taken = ds.all_ids()
    result = merge_trials(existing, mapped, taken, str(output))
    # Check the result exactly as it would be written, before anything touches the disk; a
    # problem in an imported trial is told against the input record it came from.
    try:
        if in_data_dir:
            load_dataset(output.parent, overrides={"trials.yaml": result.text})
        else:
            problems = check_trials_text(str(output), result.text, ds)
            if problems:
                raise DataError(problems)
    except DataError as exc:
        checked_as = shown_path(output) if in_data_dir else str(output)
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
    write_atomic(output, result.text, force=True)
    typer.echo(f"wrote {output}: {result.summary()}", err=True)


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
    from mscref.data.files import write_atomic
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
    for name in chosen:
        target = output / f"{name}.schema.json"
        write_atomic(target, to_json(file_schema(name)), force=force)
        typer.echo(f"wrote {target}", err=True)
