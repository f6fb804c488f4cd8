"""What every command shares: its options, loading the data and writing tables and documents to stdout."""

from __future__ import annotations

import gc
import itertools
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.text import Text

from mscref.data.dataset import Dataset
from mscref.data.gcpause import gc_paused
from mscref.data.loader import ENV_VAR, load_dataset
from mscref.data.query import (
    DesignFilter,
    TrialFilter,
    parse_phase,
    parse_product_type,
)
from mscref.render.i18n import Lang, label
from mscref.render.listing import ListingOptions
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


def _data_dir(value: str) -> Path:
    """A --data-dir value: an empty one is a mistake, not the current folder."""
    if not value.strip():
        raise typer.BadParameter("must name a folder (it is empty)")
    return Path(value)


DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        parser=_data_dir,
        envvar=ENV_VAR,
        metavar="DIR",
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
    # The data set lives until the command ends and holds no cycles. Left to the collector,
    # its hundreds of thousands of objects would be traversed again by every full collection
    # that later work sets off, which grows faster than the data (the process is short-lived,
    # so nothing is lost by exempting what exists now). They are exempted before the collector
    # comes back on, so not even the first collection after loading walks them.
    with gc_paused():
        dataset = load_dataset(data_dir)
        gc.freeze()
    return dataset


# ------------------------------------------------------------------------------------------
# Rendering


def write_table(console: Console, table: Table) -> None:
    """Draw a table with the fast grid renderer, then its notes."""
    from mscref.render.termtable import for_terminal, render, wrap

    encoding, width = console.encoding, console.width
    text = render(list(table.columns), [list(r) for r in table.rows], width, table.title, encoding)
    console.file.write(text)
    for note in table.notes:
        console.file.write("\n".join(wrap(for_terminal(note, encoding), max(width, 1))) + "\n")


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


SortOption = Annotated[
    str | None,
    typer.Option(
        "--sort",
        metavar="FIELD",
        help="Sort the rows by this field (-FIELD or FIELD:desc for descending; empty values last).",
    ),
]
ColumnsOption = Annotated[
    str | None,
    typer.Option("--columns", metavar="A,B,C", help="Only these fields, in this order (every format)."),
]
LimitOption = Annotated[int | None, typer.Option("--limit", metavar="N", min=0, help="At most N rows.")]


def print_listing(
    table: Table,
    fmt: Format,
    records: Any,
    options: ListingOptions,
    empty: str,
    lang: Lang = Lang.EN,
    drop_order: tuple[str, ...] = (),
) -> None:
    """A listing: sorted, cut and shaped as asked, in every format; a terminal table without the
    columns it has no room for unless they were named; ``empty`` on stderr instead of an empty
    table (CSV and JSON still write their header or ``[]``)."""
    from mscref.render.listing import apply, fit_columns

    table, records = apply(table, records, options)
    if not table.rows:
        typer.echo(empty, err=True)
        if fmt in (Format.TABLE, Format.MARKDOWN):
            return
    if fmt is Format.TABLE and drop_order and not options.chosen:
        note = label("columns_hidden", lang, hidden="{hidden}")
        table = fit_columns(table, stdout_console().width, drop_order, note)
    print_table(table, fmt, records)


def no_match(what: str, lang: Lang, **filters: Any) -> str:
    """ "no trials match --indication gvhd --phase 3" (or that the data has none)."""
    given = filters_text(**filters)
    if not given:
        return label("no_match_all", lang, what=what)
    return label("no_match", lang, what=what, filters=given)


def filters_text(**filters: Any) -> str:
    """The filters given, as typed: ``--indication gvhd --phase 3``."""
    parts = []
    for name, value in filters.items():
        values = value if isinstance(value, list | tuple) else [value]
        for v in values:
            if v is None or v is False:
                continue
            flag = "--" + name.replace("_", "-")
            parts.append(flag if v is True else f"{flag} {getattr(v, 'value', v)}")
    return " ".join(parts)


def print_tables(tables: list[Table], fmt: Format) -> None:
    """Several tables one after the other, a blank line between them (on one console: the
    evidence of a large data set is thousands of tables)."""
    console = stdout_console() if fmt is Format.TABLE else None
    for i, table in enumerate(tables):
        if i:
            sys.stdout.write("\n")
        if console is not None:
            write_table(console, table)
        else:
            print_table(table, fmt)


def print_document(doc: Document) -> None:
    """A document for the terminal: text wrapped to its width, label: value pairs in two columns.

    The layout is done here in one pass over the text (``termtable.wrap``); Rich only adds the
    styles, and only when the output shows them. Rich's own grid lays out a long value in time
    that grows with the square of its length (a 5 MB note took minutes).
    """
    from mscref.render.termtable import cell_len, for_terminal, wrap

    console = stdout_console()
    encoding = console.encoding
    width = max(console.width, 1)
    styled = console.color_system is not None
    pieces: list[tuple[str, str]] = []  # (text, style), written in one go at the end or before a table

    def flush() -> None:
        for style, run in itertools.groupby(pieces, key=lambda piece: piece[1] if styled else ""):
            text = "".join(t for t, _s in run)
            if style:  # short: a title, a heading, a label
                console.print(Text(text, style=style), end="", soft_wrap=True)
            else:
                console.file.write(text)
        pieces.clear()

    def lines(text: str, style: str = "") -> None:
        pieces.extend((line + "\n", style) for line in wrap(for_terminal(text, encoding), width))

    lines(doc.title, "bold")
    for block in doc.blocks:
        if isinstance(block, Heading):
            pieces.append(("\n", ""))
            lines(block.text, "bold underline")
        elif isinstance(block, Paragraph):
            lines(block.text)
        elif isinstance(block, Fields):
            pairs = [(for_terminal(k, encoding), for_terminal(v, encoding)) for k, v in block.pairs if v]
            pieces.extend(_field_pieces(pairs, width, wrap, cell_len))
        elif isinstance(block, Bullets):
            for i, item in enumerate(block.items, start=1):
                lines((f"{i}. " if block.numbered else "- ") + item)
        elif isinstance(block, Figure):
            lines(f"[figure: {block.caption}]", "dim")
        else:
            flush()
            write_table(console, block)
    flush()


def _field_pieces(
    pairs: list[tuple[str, str]],
    width: int,
    wrap: Callable[[str, int], list[str]],
    cell_len: Callable[[str], int],
) -> Iterator[tuple[str, str]]:
    """Labels in bold in a column as wide as the widest, values wrapped beside them two spaces
    apart, each line padded to the width of the value column."""
    if not pairs:
        return
    key_width = max(cell_len(k) for k, _v in pairs)
    room = max(width - key_width - 2, 1)
    value_width = min(room, max(cell_len(line) for _k, v in pairs for line in v.split("\n")))
    blank = " " * key_width
    for key, value in pairs:
        for i, line in enumerate(wrap(value, room)):
            if i:
                yield blank, ""
            else:
                yield key, "bold"
                yield " " * (key_width - cell_len(key)), ""
            yield "  " + line + " " * (value_width - cell_len(line)) + "\n", ""


IndicationOption = Annotated[
    str | None, typer.Option(metavar="NAME", help="Indication by id or alias (gvhd, 移植物抗宿主病 …).")
]
SourceOption = Annotated[
    str | None, typer.Option(metavar="NAME", help="Source tissue by id or alias (uc, 脐带 …).")
]
PhaseOption = Annotated[
    list[str] | None,
    typer.Option("--phase", metavar="PHASE", help="Phase: 1, 1/2, 2, 2/3, 3, 4 (repeatable)."),
]
ProductTypeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--product-type",
        metavar="TYPE",
        help="cells, extracellular-vesicles, engineered-cells, stromal-vascular-fraction, marrow-concentrate,"
        " precursor-cells, msc-derived-cells or non-msc (repeatable).",
    ),
]
DesignOption = Annotated[
    list[DesignFilter] | None,
    typer.Option(
        metavar="FEATURE",
        help=f"Design feature: {', '.join(d.value for d in DesignFilter)} (repeatable; all must hold).",
    ),
]
CountryOption = Annotated[
    str | None,
    typer.Option(
        metavar="NAME", help="Country (trials) or region of approval (products), in English or Chinese."
    ),
]
TextOption = Annotated[
    str | None, typer.Option("--text", metavar="WORDS", help="Free text searched in names, titles, notes.")
]


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


StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        envvar="MSCREF_STORE",
        help="The registry store (default: registry.sqlite in the user data directory, e.g."
        " $XDG_DATA_HOME/mscref; also $MSCREF_STORE).",
        show_default=False,
    ),
]
