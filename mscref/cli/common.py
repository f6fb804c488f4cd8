"""What every command shares: its options, loading the data and writing tables and documents to stdout."""

from __future__ import annotations

import gc
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table as RichTable
from rich.text import Text

from mscref.data.dataset import Dataset
from mscref.data.loader import ENV_VAR, load_dataset
from mscref.data.query import (
    DesignFilter,
    TrialFilter,
    parse_phase,
    parse_product_type,
)
from mscref.render.i18n import Lang
from mscref.render.output import (
    Bullets,
    Document,
    Fields,
    Figure,
    Format,
    Heading,
    Paragraph,
    Table,
    table_csv,
    table_markdown,
    to_json,
)


def stdout_console() -> Console:
    return Console(highlight=False, soft_wrap=False)


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
RefsOption = Annotated[
    bool,
    typer.Option(
        "--refs",
        help="Add each row's reference ids to the terminal table (markdown and CSV always have them).",
    ),
]


def wants_refs(refs: bool, fmt: Format) -> bool:
    """Whether a listing shows its reference-id column: always in markdown and CSV, on request in a table."""
    return refs or fmt in (Format.MARKDOWN, Format.CSV)


def load(data_dir: Path | None) -> Dataset:
    dataset = load_dataset(data_dir)
    # The data set lives until the command ends and holds no cycles. Left to the collector,
    # its hundreds of thousands of objects would be traversed again by every full collection
    # that later work sets off, which grows faster than the data (the process is short-lived,
    # so nothing is lost by exempting what exists now).
    gc.freeze()
    return dataset


# ------------------------------------------------------------------------------------------
# Rendering


def write_table(console: Console, table: Table) -> None:
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
        write_table(stdout_console(), table)


def print_tables(tables: list[Table], fmt: Format) -> None:
    """Several tables one after the other, a blank line between them."""
    for i, table in enumerate(tables):
        if i:
            sys.stdout.write("\n")
        print_table(table, fmt)


def print_document(doc: Document) -> None:
    console = stdout_console()
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
            write_table(console, block)


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


def trial_filter(
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
