"""``mscref trials``."""

from __future__ import annotations

import typer

from mscref.cli.app import app, handles_errors
from mscref.cli.common import (
    CountryOption,
    DataDirOption,
    DesignOption,
    FormatOption,
    IndicationOption,
    LangOption,
    PhaseOption,
    ProductTypeOption,
    RefsOption,
    SourceOption,
    TextOption,
    load,
    print_table,
    trial_filter,
    wants_refs,
)
from mscref.data.query import select
from mscref.render.i18n import Lang
from mscref.render.output import Format
from mscref.render.views.show import record_json
from mscref.render.views.trials import trials_table


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
    refs: RefsOption = False,
) -> None:
    """List trials and products with design, n, key outcome, approvals and the seed-claim verdict.

    Example: mscref trials --indication gvhd --design randomized
    """
    ds = load(data_dir)
    flt = trial_filter(indication, source, phase, product_type, design, country, text)
    selection = select(ds, flt)
    if not selection.records:
        typer.echo("no trials or products match", err=True)
    records = [record_json(ds, r) for r in selection.records] if fmt is Format.JSON else None
    print_table(trials_table(ds, selection, lang, refs=wants_refs(refs, fmt)), fmt, records)
