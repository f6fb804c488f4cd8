"""The data set at a glance, aggregated with pandas (imported only by the commands that need it)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mscref.data.dataset import Dataset
from mscref.data.models import ProductType, Verdict
from mscref.data.record import record
from mscref.render.i18n import Lang, enum_label, label
from mscref.render.output import Table
from mscref.render.views.text import design_category, indication_label, source_label

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


@record
class Summary:
    """Named count tables; each is a pandas DataFrame with labelled rows and columns."""

    tables: dict[str, pd.DataFrame]
    titles: dict[str, str]


def trial_frame(ds: Dataset, lang: Lang) -> pd.DataFrame:
    """One row per MSC trial with the categories the summary counts by."""
    import pandas as pd

    rows = [
        {
            "indication": indication_label(ds, t.indication, lang),
            "source": source_label(ds, ds.source_of(t), lang),
            "phase": t.phase.value if t.phase else label("unknown", lang),
            "design": design_category(t, lang),
            "product_type": enum_label(ds.product_type_of(t), lang),
        }
        for t in ds.trials
        if ds.is_msc(t)
    ]
    return pd.DataFrame(rows, columns=["indication", "source", "phase", "design", "product_type"])


def build_summary(ds: Dataset, lang: Lang) -> Summary:
    import pandas as pd

    zh = lang is Lang.ZH
    trials = trial_frame(ds, lang)
    tables: dict[str, pd.DataFrame] = {}
    titles: dict[str, str] = {}

    def crosstab(rows: str, cols: str) -> pd.DataFrame:
        table = pd.crosstab(
            trials[rows], trials[cols], margins=True, margins_name="(总计)" if zh else "(total)"
        )
        table.index.name, table.columns.name = None, None
        return table

    tables["by_indication_source"] = crosstab("indication", "source")
    titles["by_indication_source"] = (
        "试验:适应症 × 来源组织" if zh else "Trials by indication × source tissue"
    )
    tables["by_phase_design"] = crosstab("phase", "design")
    titles["by_phase_design"] = "试验:分期 × 设计" if zh else "Trials by phase × design"
    # every MSC-related product type, including those kept out of the counts above
    kinds = [ds.product_type_of(t) for t in ds.trials]
    by_type = (
        pd.Series([enum_label(k, lang) for k in kinds if k is not ProductType.NON_MSC], dtype=object)
        .value_counts()
        .rename_axis(None)
        .to_frame(label("trials", lang))
    )
    tables["by_product_type"] = by_type
    titles["by_product_type"] = (
        "试验:产品类型(仅“细胞”计入上表)"
        if zh
        else "Trials by product type (only 'cells' enter the tables above)"
    )

    approvals = pd.DataFrame(
        [
            # a renamed agency counts once, under its current name (KFDA -> MFDS)
            {
                "year": (a.date or "?")[:4],
                "agency": a.agency_now or a.agency,
                "status": enum_label(a.status, lang),
            }
            for p in ds.products
            if ds.is_msc(p)
            for a in p.approvals
        ],
        columns=["year", "agency", "status"],
    )
    by_year = pd.crosstab(
        approvals["year"], approvals["agency"], margins=True, margins_name="(总计)" if zh else "(total)"
    )
    by_year.index.name, by_year.columns.name = None, None
    tables["approvals_by_year_agency"] = by_year
    titles["approvals_by_year_agency"] = "批准:年份 × 机构" if zh else "Approvals by year × agency"

    verdicts = pd.Series([c.verdict.value for c in ds.claims], dtype="object")
    counts = verdicts.value_counts().reindex([v.value for v in Verdict], fill_value=0)
    counts.index = [enum_label(v, lang) for v in counts.index]
    tables["claims_by_verdict"] = counts.to_frame(label("claims", lang))
    titles["claims_by_verdict"] = "原文论断:核查结论" if zh else "Seed claims by verdict"
    return Summary(tables, titles)


def summary_tables(summary: Summary) -> list[Table]:
    """The summary's DataFrames as plain tables for rendering."""
    out = []
    for key, frame in summary.tables.items():
        columns = ("", *(str(c) for c in frame.columns))
        rows = tuple(
            (str(idx), *(str(v) for v in row)) for idx, row in zip(frame.index, frame.to_numpy(), strict=True)
        )
        out.append(Table(columns, rows, title=summary.titles[key]))
    return out


def summary_json(summary: Summary) -> dict[str, Any]:
    """Every table as ``{rows: [...], columns: [...], counts: {row: {column: n}}}``."""
    out: dict[str, Any] = {}
    for key, frame in summary.tables.items():
        out[key] = {
            "title": summary.titles[key],
            "rows": [str(i) for i in frame.index],
            "columns": [str(c) for c in frame.columns],
            "counts": {str(i): {str(c): int(frame.loc[i, c]) for c in frame.columns} for i in frame.index},
        }
    return out


def summary_long(summary: Summary) -> Table:
    """All tables in one long table (table, row, column, count) — the CSV shape."""
    rows = []
    for key, frame in summary.tables.items():
        for i in frame.index:
            for c in frame.columns:
                rows.append((key, str(i), str(c), str(int(frame.loc[i, c]))))
    return Table(("table", "row", "column", "count"), tuple(rows))
