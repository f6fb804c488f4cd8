"""``mscref claims``: the seed article's claims and their verdicts."""

from __future__ import annotations

from typing import Any

from mscref.data.dataset import Dataset
from mscref.render.i18n import Lang, enum_label, label, text_in
from mscref.render.output import Table


def claim_rows(
    ds: Dataset, verdicts: set[str] | None = None, indications: set[str] | None = None
) -> list[dict[str, Any]]:
    out = []
    for c in ds.claims:
        if verdicts and c.verdict.value not in verdicts:
            continue
        if indications is not None and not indications & set(c.indications):
            continue
        out.append(
            {
                "id": c.id,
                "topic": c.topic,
                "topic_zh": c.topic_zh,
                "verdict": c.verdict.value,
                "seed_text": c.seed_text,
                "seed_text_en": c.seed_text_en,
                "correction": c.correction,
                "correction_zh": c.correction_zh,
                "records": list(c.records),
                "related": list(c.related),
                "indications": list(c.indications),
                "refs": list(c.refs),
            }
        )
    return out


def claims_table(rows: list[dict[str, Any]], lang: Lang, cite: Any = None, refs: bool = False) -> Table:
    keys: tuple[str, ...] = ("id", "claims", "verdict", "seed_text", "correction")
    if cite is not None:
        keys += ("references",)
    elif refs:
        keys += ("refs",)
    columns = [label(k, lang) for k in keys]
    body = []
    for r in rows:
        row = [
            r["id"],
            text_in(r["topic"], r["topic_zh"], lang) or "",
            enum_label(r["verdict"], lang),
            r["seed_text"],
            text_in(r["correction"], r["correction_zh"], lang) or "",
        ]
        if cite is not None:
            row.append(cite(r["refs"]))
        elif refs:
            row.append(", ".join(r["refs"]))
        body.append(tuple(row))
    return Table(tuple(columns), tuple(body), keys=keys)
