"""``mscref trials``: the trials table."""

from __future__ import annotations

from mscref.data.dataset import Dataset
from mscref.data.models import (
    Trial,
)
from mscref.data.query import Selection
from mscref.render.i18n import Lang, label, name_in
from mscref.render.output import Table
from mscref.render.views.text import (
    approval_text,
    design_text,
    indication_label,
    key_outcome,
    outcome_text,
    product_label,
    source_label,
    verdict_text,
)

# ------------------------------------------------------------------------------------------
# trials


KEYS = (
    "id",
    "product",
    "source",
    "indication",
    "phase",
    "design",
    "n",
    "key_outcome",
    "approvals",
    "verdict",
)


def trials_table(
    ds: Dataset, selection: Selection, lang: Lang, refs: bool = False, registry: bool = False
) -> Table:
    """One row per trial or product record; ``registry`` adds the registry ids after the id."""
    keys = KEYS[:1] + (("registry_ids",) if registry else ()) + KEYS[1:] + (("refs",) if refs else ())
    columns = tuple(label(k, lang) for k in keys)
    rows = []
    derived = False
    for rec in selection.records:
        approvals = "; ".join(approval_text(a, lang) for a in ds.approvals_of(rec))
        if isinstance(rec, Trial):
            outcome = key_outcome(rec)
            derived = derived or any(a.derived for o in rec.outcomes for a in o.arms)
            rows.append(
                (rec.id,)
                + ((", ".join(rec.registry_ids),) if registry else ())
                + (
                    product_label(ds, rec, lang),
                    source_label(ds, ds.source_of(rec), lang),
                    indication_label(ds, rec.indication, lang),
                    rec.phase.value if rec.phase else label("none", lang),
                    design_text(rec, lang),
                    str(rec.n) if rec.n is not None else "?",
                    outcome_text(outcome, lang) if outcome else label("none", lang),
                    approvals or label("none", lang),
                    verdict_text(ds, rec, lang),
                )
                + ((", ".join(rec.refs),) if refs else ())
            )
        else:
            rows.append(
                (rec.id,)
                + (("",) if registry else ())
                + (
                    product_label(ds, rec, lang),
                    source_label(ds, rec.source, lang),
                    name_in(ds.indication(rec.indication), lang),
                    label("none", lang),
                    f"({label('product_record', lang)})",
                    label("none", lang),
                    label("none", lang),
                    approvals or label("none", lang),
                    verdict_text(ds, rec, lang),
                )
                + ((", ".join(rec.refs),) if refs else ())
            )
    notes = []
    if derived:
        notes.append(label("derived_note", lang))
    if selection.hidden_non_msc:
        kinds = ", ".join(k.value for k in selection.hidden_types)
        notes.append(label("non_msc_hidden", lang, count=selection.hidden_non_msc, kinds=kinds))
    return Table(columns, tuple(rows), notes=tuple(notes), keys=keys)
