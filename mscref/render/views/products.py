"""``mscref products``: approved products and their approvals."""

from __future__ import annotations

from typing import Any

from mscref.data.dataset import Dataset
from mscref.render.i18n import Lang, enum_label, label, name_in, region_label
from mscref.render.output import Table
from mscref.render.views.text import source_label


def product_rows(ds: Dataset, statuses: set[str] | None = None) -> list[dict[str, Any]]:
    """One record per approval of an MSC product, oldest first."""
    out = []
    for product in ds.products:
        if not ds.is_msc(product):
            continue
        for a in product.approvals:
            if statuses and a.status.value not in statuses:
                continue
            out.append(
                {
                    "product_id": product.id,
                    "product": product.name,
                    "product_zh": product.name_zh,
                    "trade_name": a.trade_name,
                    "sponsor": product.sponsor,
                    "sponsor_zh": product.sponsor_zh,
                    "agency": a.agency,
                    "agency_now": a.agency_now,
                    "region": a.region,
                    "date": a.date,
                    "status": a.status.value,
                    "status_date": a.status_date,
                    "verified": a.verified,
                    "indication": a.indication or product.indication,
                    "source": product.source,
                    "origin": product.origin.value if product.origin else None,
                    "product_type": product.product_type.value,
                    "note": a.note,
                    "refs": list(a.refs),
                    "product_refs": list(product.refs),
                }
            )
    return sorted(out, key=lambda r: (r["date"] or "9999", r["product_id"]))


KEYS = ("product", "agency", "region", "date", "status", "indication", "source", "origin")


def products_table(
    ds: Dataset,
    rows: list[dict[str, Any]],
    lang: Lang,
    cite: Any = None,
    refs: bool = False,
    ids: bool = False,
) -> Table:
    """One row per approval; ``ids`` adds the product's id first (for a spreadsheet)."""
    keys = (("product_id",) if ids else ()) + KEYS
    if cite is not None:
        keys += ("references",)
    elif refs:
        keys += ("refs",)
    columns = [label(k, lang) for k in keys]
    body = []
    for r in rows:
        name = r["product_zh"] if lang is Lang.ZH and r["product_zh"] else r["product"]
        if r["trade_name"] and r["trade_name"] not in name:
            name += f" ({r['trade_name']})"
        status = enum_label(r["status"], lang)
        if r["status_date"] and r["status_date"] != r["date"]:
            status += f" {r['status_date']}"
        if not r["verified"]:
            status += f" ({label('verified_false', lang)})"
        now = ("现 " if lang is Lang.ZH else "now ") + str(r["agency_now"])
        agency = r["agency"] if not r["agency_now"] else f"{r['agency']} ({now})"
        row = [r["product_id"]] if ids else []
        row += [
            name,
            agency,
            region_label(r["region"], lang),
            r["date"] or "?",
            status,
            name_in(ds.indication(r["indication"]), lang),
            source_label(ds, r["source"], lang),
            enum_label(r["origin"], lang),
        ]
        if cite is not None:
            row.append(cite(r["refs"]))
        elif refs:
            row.append(", ".join(r["refs"]))
        body.append(tuple(row))
    return Table(tuple(columns), tuple(body), keys=keys)
