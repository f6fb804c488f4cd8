"""``mscref summary``."""

from __future__ import annotations

import sys

from mscref.cli.app import app, handles_errors
from mscref.cli.common import DataDirOption, FormatOption, LangOption, load, print_tables
from mscref.render.i18n import Lang
from mscref.render.output import (
    Format,
    table_csv,
    to_json,
)


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

    ds = load(data_dir)
    result = build_summary(ds, lang)
    if fmt is Format.JSON:
        sys.stdout.write(to_json(summary_json(result)))
    elif fmt is Format.CSV:
        sys.stdout.write(table_csv(summary_long(result)))
    else:
        print_tables(summary_tables(result), fmt)
