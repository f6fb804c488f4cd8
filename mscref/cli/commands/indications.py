"""``mscref indications``."""

from __future__ import annotations

from mscref.cli.app import app, handles_errors
from mscref.cli.common import (
    DataDirOption,
    FormatOption,
    LangOption,
    RefsOption,
    load,
    print_table,
    wants_refs,
)
from mscref.render.i18n import Lang
from mscref.render.output import Format
from mscref.render.views.indications import indication_rows, indications_table


@app.command()
@handles_errors
def indications(
    fmt: FormatOption = Format.TABLE,
    lang: LangOption = Lang.EN,
    data_dir: DataDirOption = None,
    refs: RefsOption = False,
) -> None:
    """One row per indication: names, organ system, trials, source tissues tried and the strongest
    evidence (approved product > randomized phase 3 > randomized phase 2 > single-arm >
    early/uncontrolled > claim only).

    Example: mscref indications --lang zh
    """
    ds = load(data_dir)
    rows = indication_rows(ds)
    print_table(indications_table(ds, rows, lang, refs=wants_refs(refs, fmt)), fmt, rows)
