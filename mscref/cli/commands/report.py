"""``mscref report``."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, BinaryIO

import typer

from mscref.cli.app import app, handles_errors
from mscref.cli.common import (
    CountryOption,
    DataDirOption,
    DesignOption,
    IndicationOption,
    LangOption,
    PhaseOption,
    ProductTypeOption,
    SourceOption,
    TextOption,
    load,
    trial_filter,
)
from mscref.data.errors import UsageError
from mscref.data.query import select
from mscref.render.i18n import Lang

if TYPE_CHECKING:
    from mscref.data.files import Outputs
from mscref.render.output import (
    Block,
    Document,
    Figure,
    html_chunks,
    markdown_chunks,
)


class ReportFormat(StrEnum):
    MARKDOWN = "markdown"
    HTML = "html"
    DOCX = "docx"


@app.command()
@handles_errors
def report(
    output: Annotated[
        str | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write to FILE (default: stdout).", show_default=False
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite files that exist.")] = False,
    fmt: Annotated[
        ReportFormat,
        typer.Option(
            "--format",
            "-f",
            help="markdown, one self-contained HTML page with charts, or a Word document (docx).",
        ),
    ] = ReportFormat.MARKDOWN,
    plots_dir: Annotated[
        Path | None,
        typer.Option(
            "--plots-dir",
            help="Markdown only: save the charts as SVG here (created if missing) and link them.",
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
    from mscref.data.files import Outputs, output_path
    from mscref.render.report import build_report

    if plots_dir is not None and fmt is not ReportFormat.MARKDOWN:
        raise UsageError("--plots-dir goes with --format markdown (the HTML report holds its charts)")
    out = output_path(output) if output is not None else None
    ds = load(data_dir)
    flt = trial_filter(indication, source, phase, product_type, design, country, text)
    selection = select(ds, flt)
    figures = fmt is not ReportFormat.MARKDOWN or plots_dir is not None
    doc = build_report(ds, selection, flt, lang, figures=figures, png=fmt is ReportFormat.DOCX)
    # Every file is planned and checked before the first is written: a refused report leaves
    # no charts behind, and no output may replace a data file the report was built from.
    outputs = Outputs(force=force, data_dir=ds.directory)
    if plots_dir is not None:
        outputs.make_folder(plots_dir)
        doc = _plan_figures(doc, plots_dir, out, outputs)
    content: bytes | Iterator[str]
    if fmt is ReportFormat.DOCX:
        from mscref.render.docx import document_docx

        content = document_docx(doc, lang.value)
    else:
        # markdown and HTML are written as they are made: a report of thousands of trials is
        # never held twice (as text and as the bytes of the file)
        content = html_chunks(doc, lang.value) if fmt is ReportFormat.HTML else markdown_chunks(doc)
    if out is not None:
        outputs.add(out, content if isinstance(content, bytes) else _fill(content))
    elif isinstance(content, bytes) and sys.stdout.isatty():
        raise UsageError("a Word document is binary: write it to a file with -o FILE.docx")
    for warning in outputs.check():
        typer.echo(warning, err=True)
    for path, size in outputs.write():
        if path == out:
            typer.echo(f"wrote {out} ({size:,} bytes, {len(selection.records)} records)", err=True)
        else:
            typer.echo(f"wrote {path}", err=True)
    if out is None:
        if isinstance(content, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(content)
        else:
            for chunk in content:
                sys.stdout.write(chunk)


def _fill(chunks: Iterator[str]) -> Callable[[BinaryIO], None]:
    """Writes the text's pieces into a file as UTF-8."""

    def fill(handle: BinaryIO) -> None:
        for chunk in chunks:
            handle.write(chunk.encode("utf-8"))

    return fill


def _plan_figures(doc: Document, plots_dir: Path, output: Path | None, outputs: Outputs) -> Document:
    """Plan each chart as an SVG file in ``plots_dir`` and point the markdown at it."""
    blocks: list[Block] = []
    base = output.parent if output is not None else Path(".")
    for block in doc.blocks:
        if isinstance(block, Figure):
            target = plots_dir / block.name
            outputs.add(target, block.svg)
            href = os.path.relpath(target, base).replace(os.sep, "/")
            block = Figure(block.caption, block.svg, block.name, href)
        blocks.append(block)
    return Document(doc.title, tuple(blocks))
