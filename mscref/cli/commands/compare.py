"""``mscref compare``."""

from __future__ import annotations

from typing import Annotated

import typer

from mscref.cli.app import app, handles_errors
from mscref.cli.common import DataDirOption, FormatOption, LangOption, load, print_table
from mscref.render.i18n import Lang
from mscref.render.output import Format
from mscref.render.views.compare import compare_json, compare_table


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
    ds = load(data_dir)
    chosen = [ds.resolve_source(name) for name in sources] if sources else list(ds.sources)
    chosen = list({s.id: s for s in chosen}.values())
    print_table(
        compare_table(ds, chosen, lang), fmt, compare_json(ds, chosen) if fmt is Format.JSON else None
    )
