"""``mscref compare``: source tissues side by side, as a table and as JSON records."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from mscref.data.dataset import Dataset
from mscref.data.models import (
    Source,
    TraitKind,
)
from mscref.render.i18n import Lang, label, name_in, text_in
from mscref.render.output import Table
from mscref.render.views.text import source_label

# ------------------------------------------------------------------------------------------
# compare


def compare_table(ds: Dataset, sources: Iterable[Source], lang: Lang) -> Table:
    sources = list(sources)
    columns = (label("trait", lang), *(source_label(ds, s.id, lang) for s in sources))
    scale = len(ds.levels)
    rows = []
    for trait in ds.traits:
        row = [name_in(trait, lang)]
        for src in sources:
            value = src.traits.get(trait.id)
            if value is None:
                row.append(label("none", lang))
                continue
            text = text_in(value.text, value.text_zh, lang) or ""
            if trait.kind is TraitKind.ORDINAL:
                if value.level is not None:
                    level = ds.level(value.level)
                    rank = ds.level_rank(value.level)
                    text = f"{text} [{name_in(level, lang)} {rank}/{scale}]"
                else:
                    text += " [not on scale]" if lang is Lang.EN else " [不在等级上]"
            row.append(text)
        rows.append(tuple(row))
    return Table(columns, tuple(rows), notes=(label("seed_statement_note", lang),))


def compare_json(ds: Dataset, sources: Iterable[Source]) -> list[dict[str, Any]]:
    out = []
    for src in sources:
        traits = {}
        for trait in ds.traits:
            value = src.traits.get(trait.id)
            if value is None:
                continue
            traits[trait.id] = {
                "level": value.level,
                "rank": ds.level_rank(value.level) if trait.kind is TraitKind.ORDINAL else None,
                "text": value.text,
                "text_zh": value.text_zh,
            }
        out.append(
            {
                "id": src.id,
                "name": src.name,
                "name_zh": src.name_zh,
                "abbreviation": src.abbreviation,
                "category": src.category.value,
                "traits": traits,
                "refs": sorted({r for v in src.traits.values() for r in v.refs} | set(src.refs)),
            }
        )
    return out
