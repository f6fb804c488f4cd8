"""``mscref indications``: indications ranked by the strongest evidence behind them."""

from __future__ import annotations

from typing import Any

from mscref.data.dataset import Dataset
from mscref.render.i18n import Lang, label, name_in
from mscref.render.output import Table
from mscref.render.views.text import source_label

# ------------------------------------------------------------------------------------------
# indications, products, claims


def indication_rows(ds: Dataset) -> list[dict[str, Any]]:
    """One record per indication: names, organ system, trials, sources tried, strongest evidence."""
    from mscref.evidence.ladder import strongest_evidence

    out = []
    for ind in ds.indications:
        family = ds.indication_family(ind.id)
        trials = [t for t in ds.trials if t.indication in family and ds.is_msc(t)]
        products = [p for p in ds.products if p.indication in family and ds.is_msc(p)]
        sources = sorted(
            {s for s in [*(ds.source_of(t) for t in trials), *(p.source for p in products)] if s},
            key=[s.id for s in ds.sources].index,
        )
        best = strongest_evidence(ds, ind.id)
        out.append(
            {
                "id": ind.id,
                "name": ind.name,
                "name_zh": ind.name_zh,
                "aliases": list(ind.aliases),
                "system": ind.system.value,
                "parent": ind.parent,
                "trials": len(trials),
                "products": len(products),
                "sources": sources,
                "evidence": best.level.name.lower().replace("_", "-"),
                "evidence_rank": int(best.level),
                "evidence_records": list(best.record_ids),
                "refs": list(best.refs),
            }
        )
    # strongest evidence first; the data's order within a level
    return sorted(out, key=lambda r: -int(r["evidence_rank"]))


def indications_table(ds: Dataset, rows: list[dict[str, Any]], lang: Lang, refs: bool = False) -> Table:
    from mscref.evidence.ladder import LEVEL_LABELS, EvidenceLevel

    zh = lang is Lang.ZH
    columns = (
        label("id", lang),
        label("indication", lang),
        "器官系统" if zh else "Organ system",
        label("trials", lang),
        label("sources", lang),
        "最强证据" if zh else "Strongest evidence",
        "依据" if zh else "From",
    ) + ((label("refs", lang),) if refs else ())
    keys = ("id", "indication", "system", "trials", "sources", "evidence", "from") + (
        ("refs",) if refs else ()
    )
    body = []
    for r in rows:
        ind = ds.indication(r["id"])
        other = ind.name if zh else ind.name_zh
        level = LEVEL_LABELS[EvidenceLevel(r["evidence_rank"])]
        body.append(
            (
                r["id"],
                f"{name_in(ind, lang)} ({other})",
                r["system"],
                str(r["trials"]),
                ", ".join(source_label(ds, s, lang) for s in r["sources"]) or label("none", lang),
                level[1] if zh else level[0],
                ", ".join(r["evidence_records"]) or label("none", lang),
            )
            + ((", ".join(r["refs"]),) if refs else ())
        )
    return Table(columns, tuple(body), keys=keys)
