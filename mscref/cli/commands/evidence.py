"""``mscref evidence``."""

from __future__ import annotations

import re
import sys
from typing import Annotated

import typer

from mscref.cli.app import app, handles_errors
from mscref.cli.common import (
    DataDirOption,
    FormatOption,
    IndicationOption,
    LangOption,
    SourceOption,
    load,
    print_tables,
)
from mscref.data.errors import UsageError
from mscref.data.models import TIMEPOINT_PATTERN
from mscref.evidence.methods import CIMethod, Measure, PoolMethod, Subgroup, SummaryCI, Tau2Method
from mscref.render.i18n import Lang
from mscref.render.output import (
    Format,
    table_csv,
)


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
            "--tau2", help="Between-study variance: REML, Paule-Mandel or DerSimonian-Laird (truncated at 0)."
        ),
    ] = Tau2Method.REML,
    summary_ci: Annotated[
        SummaryCI,
        typer.Option(
            "--summary-ci",
            help="Interval and test of a random-effects summary: Hartung-Knapp-Sidik-Jonkman, its "
            "modified form (variance factor floored at 1) or normal (z).",
        ),
    ] = SummaryCI.HKSJ,
    method: Annotated[
        PoolMethod,
        typer.Option(
            "--method",
            help="Two-arm binary outcomes: inverse variance (random effects), Mantel-Haenszel or Peto.",
        ),
    ] = PoolMethod.IV,
    subgroup: Annotated[
        Subgroup | None,
        typer.Option(
            "--subgroup",
            help="Split each pool by source, origin, route, comparator or design.",
            show_default=False,
        ),
    ] = None,
    no_derived: Annotated[
        bool, typer.Option("--no-derived", help="Leave out counts derived from percentages.")
    ] = False,
    plot_text: Annotated[
        str | None,
        typer.Option(
            "--plot", metavar="FILE", help="Write a forest plot to FILE.svg or FILE.png.", show_default=False
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite the plot file if it exists.")] = False,
    fmt: FormatOption = Format.TABLE,
    lang: LangOption = Lang.EN,
    data_dir: DataDirOption = None,
) -> None:
    """Rates with 95% confidence intervals, MSC-vs-control effect sizes, and pooling of like
    outcomes (same endpoint, timepoint, measure and comparator class): counts, means and SDs (MD
    or SMD) and reported effects (generic inverse variance), with τ² and its Q-profile CI, I²,
    prediction intervals, leave-one-out, subgroups and an automated certainty rating.

    Example: mscref evidence --indication gvhd --endpoint overall-response
    """
    from mscref.evidence.stats import EvidenceFilter, analyse, evidence_json_items
    from mscref.render.views.evidence import evidence_tables

    ds = load(data_dir)
    for tp in timepoint or ():
        if not re.fullmatch(TIMEPOINT_PATTERN, tp):
            raise UsageError(f"bad timepoint {tp!r}: write it as 'day 28', 'week 4', 'month 12' or 'year 2'")
    flt = EvidenceFilter(indication, source, tuple(endpoint or ()), tuple(timepoint or ()), no_derived)
    if method is PoolMethod.PETO and measure is not Measure.OR:
        raise UsageError("--method peto gives odds ratios only: use it with --measure or")
    result = analyse(ds, flt, ci, measure, tau2, summary_ci, method, subgroup)
    from mscref.data.files import output_path

    plot = output_path(plot_text, "--plot") if plot_text is not None else None
    if plot is not None:
        from mscref.data.files import Outputs
        from mscref.render.chart import scene_bytes
        from mscref.render.forest import evidence_scene
        from mscref.render.plots import plot_format

        kind = plot_format(plot)
        outputs = Outputs(force=force, data_dir=ds.directory)
        outputs.add(plot)
        for warning in outputs.check():  # before drawing: a refused target costs nothing
            typer.echo(warning, err=True)
        outputs.set_content(plot, scene_bytes(evidence_scene(ds, result, lang), kind))
        ((_path, size),) = outputs.write()
        if result.pooled:
            typer.echo(f"wrote {plot} ({size:,} bytes, {len(result.pooled)} forest panels)", err=True)
        else:
            typer.echo(
                f"nothing to pool for this selection: wrote {plot} ({size:,} bytes) listing the "
                f"{len(result.refusals)} outcomes not pooled and why",
                err=True,
            )
    if not (result.proportions or result.continuous or result.effects):
        typer.echo("no outcomes with numbers match", err=True)
    if fmt is Format.JSON:
        from mscref.render.output import write_json_object

        # written record by record (orjson writes NaN as null: JSON has no NaN; the figures it
        # may touch carry a note)
        sys.stdout.flush()
        write_json_object(sys.stdout.buffer, evidence_json_items(ds, result))
        sys.stdout.buffer.write(b"\n")
        return
    tables = evidence_tables(ds, result, lang)
    if fmt is Format.CSV:
        if tables:
            sys.stdout.write(table_csv(tables[0]))
        return
    print_tables(tables, fmt)
