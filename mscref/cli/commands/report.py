"""``mscref report``."""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

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
from mscref.render.output import (
    Block,
    Document,
    Figure,
    document_html,
    document_markdown,
)


class ReportFormat(StrEnum):
    MARKDOWN = "markdown"
    HTML = "html"
    DOCX = "docx"


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
    ds = load(data_dir)
    flt = trial_filter(indication, source, phase, product_type, design, country, text)
    selection = select(ds, flt)
    figures = fmt is not ReportFormat.MARKDOWN or plots_dir is not None
    doc = build_report(ds, selection, flt, lang, figures=figures, png=fmt is ReportFormat.DOCX)
    content: str | bytes
    if fmt is ReportFormat.HTML:
        content = document_html(doc, lang.value)
    elif fmt is ReportFormat.DOCX:
        from mscref.render.docx import document_docx

        content = document_docx(doc, lang.value)
    else:
        if plots_dir is not None:
            doc = _save_figures(doc, plots_dir, output, force)
        content = document_markdown(doc)
    if output is None:
        if isinstance(content, bytes):
            if sys.stdout.isatty():
                raise UsageError("a Word document is binary: write it to a file with -o FILE.docx")
            sys.stdout.buffer.write(content)
        else:
            sys.stdout.write(content)
        return
    size = write_atomic(output, content, force=force)
    typer.echo(f"wrote {output} ({size:,} bytes, {len(selection.records)} records)", err=True)


def _save_figures(doc: Document, plots_dir: Path, output: Path | None, force: bool) -> Document:
    """Write each chart as SVG into ``plots_dir`` and point the markdown at it."""

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
