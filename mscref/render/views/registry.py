"""``mscref registry``: the stored registry studies as tables — the list, the summary's
cross-tabulations (tissue × indication, phase × status, start year, country) and a study's
history — plus the start-year chart."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from mscref.data.dataset import Dataset
from mscref.data.errors import MscrefError
from mscref.render.output import Table

if TYPE_CHECKING:
    from matplotlib.figure import Figure

UNKNOWN = "unknown"
PHASE_ORDER = ["0", "1", "1/2", "2", "2/3", "3", "4", None]
_STATUS_ORDER = [
    "NOT_YET_RECRUITING",
    "RECRUITING",
    "ENROLLING_BY_INVITATION",
    "ACTIVE_NOT_RECRUITING",
    "SUSPENDED",
    "COMPLETED",
    "TERMINATED",
    "WITHDRAWN",
    "UNKNOWN",
]


def status_label(status: str | None) -> str:
    return status.lower().replace("_", " ") if status else UNKNOWN


def source_label(ds: Dataset, source: str | None, tissue: str | None) -> str:
    if source is not None:
        try:
            src = ds.source(source)
        except MscrefError:
            return f"{source} (no source record)"
        return src.abbreviation or src.name
    return f"{tissue} (no source record)" if tissue else UNKNOWN


def indication_label(ds: Dataset, indication: str | None) -> str:
    if indication is None:
        return UNKNOWN
    try:
        return ds.indication(indication).name
    except MscrefError:
        return indication


def _short(text: str | None, width: int = 60) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


def list_table(ds: Dataset, rows: list[dict[str, Any]], store: str) -> Table:
    out = []
    for r in rows:
        indication = indication_label(ds, r["indication"])
        if r["indication"] is None and r["unmatched"]:
            indication = "unmatched: " + "; ".join(r["unmatched"])
        out.append(
            (
                r["id"],
                _short(r["title"]),
                source_label(ds, r["source"], r["tissue"]),
                r["origin"] or UNKNOWN,
                r["product_type"],
                _short(indication, 40),
                r["phase"] or "—",
                status_label(r["status"]),
                "" if r["enrollment"] is None else f"{r['enrollment']:,}",
                ", ".join(r["countries"]),
                r["start_date"] or "—",
                "yes" if r["has_results"] else "no",
            )
        )
    return Table(
        columns=(
            "ID",
            "Title",
            "Source",
            "Origin",
            "Product",
            "Indication",
            "Phase",
            "Status",
            "n",
            "Countries",
            "Start",
            "Results",
        ),
        rows=tuple(out),
        notes=(f"{len(rows):,} registered studies from {store}",),
    )


def list_json(ds: Dataset, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from mscref.registry.store import CLASS_COLUMNS

    # the store's classification columns (which classifier version wrote them is internal)
    classified = tuple(c for c in CLASS_COLUMNS if c != "classifier")
    keys = ("registry", "id", "version", *classified, "last_update", "first_fetched", "fetched")
    return [{k: r[k] for k in keys} for r in rows]


def _crosstab_table(
    counts: dict[tuple[Any, Any], int],
    title: str,
    row_label: str,
    row_name: Any,
    col_name: Any,
    row_order: list[Any] | None = None,
    col_order: list[Any] | None = None,
) -> Table:
    rows_total: Counter[Any] = Counter()
    cols_total: Counter[Any] = Counter()
    for (a, b), n in counts.items():
        rows_total[a] += n
        cols_total[b] += n

    def order(total: Counter[Any], fixed: list[Any] | None) -> list[Any]:
        if fixed is not None:
            return [k for k in fixed if k in total] + sorted(
                (k for k in total if k not in fixed), key=lambda k: (k is None, str(k))
            )
        # most first, unknown last
        return sorted(total, key=lambda k: (k is None, -total[k], str(k)))

    rows = order(rows_total, row_order)
    cols = order(cols_total, col_order)
    body = [
        (row_name(a), *(str(counts.get((a, b), 0) or "") for b in cols), str(rows_total[a])) for a in rows
    ]
    body.append(("Total", *(str(cols_total[b]) for b in cols), str(sum(rows_total.values()))))
    return Table(columns=(row_label, *(col_name(b) for b in cols), "Total"), rows=tuple(body), title=title)


def summary_tables(
    ds: Dataset,
    crosstabs: dict[str, dict[tuple[Any, Any], int]],
    totals: tuple[int, int],
    store: str,
) -> list[Table]:
    """The CellTrials view of the store, unknowns and totals shown."""
    studies, msc = totals
    tissue = _crosstab_table(
        crosstabs["indication×source"],
        "Registered MSC studies by indication × source tissue",
        "Indication",
        lambda i: indication_label(ds, i) if i else "unknown (conditions unmatched)",
        lambda s: source_label(ds, s, None),
    )
    phase = _crosstab_table(
        crosstabs["phase×status"],
        "By phase × status",
        "Phase",
        lambda p: p or "none given",
        status_label,
        row_order=PHASE_ORDER,
        col_order=[*_STATUS_ORDER, None],
    )
    years = crosstabs["start_year"]
    peak = max(years.values(), default=1)
    year_rows = [
        (str(y) if y is not None else UNKNOWN, str(n), "█" * max(1, round(20 * n / peak)))
        for (y, _), n in sorted(years.items(), key=lambda kv: (kv[0][0] is None, kv[0][0] or 0))
    ]
    year = Table(columns=("Start year", "Studies", ""), rows=tuple(year_rows), title="By start year")
    countries = Counter({c: n for (c, _), n in crosstabs["country"].items()})
    top = [(c, n) for c, n in countries.most_common() if c is not None][:25]
    rest = [(c, n) for c, n in countries.items() if c is not None and c not in dict(top)]
    country_rows = [(c, str(n)) for c, n in top]
    if rest:
        country_rows.append((f"{len(rest)} other countries", str(sum(n for _, n in rest))))
    if countries.get(None):
        country_rows.append(("no country listed", str(countries[None])))
    country = Table(
        columns=("Country", "Studies"),
        rows=tuple(country_rows),
        title="By country (a study counts in each of its countries)",
        notes=(
            f"{studies:,} studies in {store}; {msc:,} name mesenchymal/stromal cells and are counted here,"
            f" {studies - msc:,} do not and are set aside",
        ),
    )
    return [tissue, phase, year, country]


def summary_json(crosstabs: dict[str, dict[tuple[Any, Any], int]], totals: tuple[int, int]) -> dict[str, Any]:
    names = {
        "indication×source": ("indication", "source"),
        "phase×status": ("phase", "status"),
        "start_year": ("start_year", None),
        "country": ("country", None),
    }
    out: dict[str, Any] = {"studies": totals[0], "msc_studies": totals[1]}
    for key, (a, b) in names.items():
        out[key.replace("×", "_by_")] = [
            {a: ka, **({b: kb} if b else {}), "count": n}
            for (ka, kb), n in sorted(crosstabs[key].items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1])))
        ]
    return out


def history_table(sid: str, versions: list[Any], changes: list[list[str]]) -> Table:
    rows = [
        (str(v.version), v.fetched, v.last_update or "—", "; ".join(c) or "first seen")
        for v, c in zip(versions, changes, strict=True)
    ]
    return Table(
        columns=("Version", "Fetched", "Registry last update", "What changed"),
        rows=tuple(rows),
        title=f"{sid}: {len(versions)} version{'s' if len(versions) != 1 else ''} stored",
    )


def changed_paths(old: Any, new: Any, path: str = "") -> list[str]:
    """The JSON paths where two versions differ (a whole list when its length changed)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out: list[str] = []
        for key in list(old) + [k for k in new if k not in old]:
            out += changed_paths(old.get(key), new.get(key), f"{path}.{key}" if path else key)
        return out
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        out = []
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            out += changed_paths(a, b, f"{path}[{i}]")
        return out
    return [] if old == new else [path or "(the record)"]


def start_year_figure(years: dict[tuple[Any, Any], int]) -> Figure:
    """Bars: registered MSC studies by start year (unknown years left out, and said so)."""
    from mscref.render.plots import _pyplot

    plt = _pyplot()
    fig: Figure
    known = sorted((y, n) for (y, _), n in years.items() if y is not None)
    unknown = sum(n for (y, _), n in years.items() if y is None)
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.bar([str(y) for y, _ in known], [n for _, n in known], color="#4c72b0")
    ax.set_ylabel("Registered MSC studies")
    note = f" ({unknown} with no start date)" if unknown else ""
    ax.set_title("Registered MSC studies by start year" + note)
    ax.tick_params(axis="x", labelrotation=90, labelsize=7)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig
