"""What every listing takes: ``--sort FIELD``, ``--columns a,b,c`` and ``--limit N``, applied
alike to the table and to the records its JSON writes, and the columns that fit a terminal."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from mscref.data.errors import UsageError
from mscref.data.record import record
from mscref.render.output import Table

#: What a cell shows when there is nothing to show; sorted last.
_EMPTY = frozenset({"", "—", "-", "?", "unknown", "未知", "none"})
_RUN = re.compile(r"[0-9]+(?:\.[0-9]+)?|[^0-9]+")


@record
class ListingOptions:
    """``--sort`` (a field, ``-field`` or ``field:desc`` for descending), ``--columns`` and ``--limit``."""

    sort: str | None = None
    columns: str | None = None
    limit: int | None = None

    @property
    def chosen(self) -> bool:
        """Whether the columns were named (then a terminal table shows them all, fit or not)."""
        return self.columns is not None


def _natural_key(text: str) -> tuple[int, tuple[tuple[int, float, str], ...]]:
    """Numbers compare as numbers ("9" < "54" < "130"), text without case; empty cells last."""
    if text.strip() in _EMPTY:
        return (1, ())
    parts = []
    for run in _RUN.findall(text.casefold()):
        if run[0].isdigit():
            parts.append((0, float(run), ""))
        else:
            parts.append((1, 0.0, run))
    return (0, tuple(parts))


def _field(table: Table, name: str, option: str) -> int:
    key = name.strip().lower().replace("-", "_")
    if key in table.keys:
        return table.keys.index(key)
    valid = ", ".join(table.keys)
    raise UsageError(f"{option}: unknown field {name.strip()!r}; valid fields: {valid}")


def apply(
    table: Table, records: Sequence[Any] | None, options: ListingOptions
) -> tuple[Table, list[Any] | None]:
    """The table and its records sorted, cut to ``limit`` and to the named columns.

    JSON records keep their own value of a named field when they have one, and the table's text
    under the field's name when they do not (``key_outcome``). A usage error names the valid
    fields.
    """
    if records is not None and len(records) != len(table.rows):
        records = None  # not one record a row: only the table can be shaped
    order = list(range(len(table.rows)))
    if options.sort:
        spec = options.sort.strip()
        descending = spec.startswith("-") or spec.lower().endswith(":desc")
        name = spec.lstrip("-").removesuffix(":desc").removesuffix(":DESC").removesuffix(":asc")
        i = _field(table, name, "--sort")
        keyed = [(_natural_key(table.rows[r][i]), r) for r in order]
        present = sorted((k for k in keyed if k[0][0] == 0), key=lambda k: k[0], reverse=descending)
        order = [r for _k, r in present] + [r for k, r in keyed if k[0] == 1]
    if options.limit is not None:
        if options.limit < 0:
            raise UsageError(f"--limit: must be 0 or more, not {options.limit}")
        order = order[: options.limit]
    keep = list(range(len(table.columns)))
    if options.columns is not None:
        names = [n for n in options.columns.split(",") if n.strip()]
        if not names:
            raise UsageError(f"--columns: name at least one field; valid fields: {', '.join(table.keys)}")
        keep = [_field(table, n, "--columns") for n in names]
    rows = tuple(tuple(table.rows[r][i] for i in keep) for r in order)
    # a footnote on asterisks goes with the last row that has one
    starred = any("*" in cell for row in rows for cell in row)
    shaped = Table(
        tuple(table.columns[i] for i in keep),
        rows,
        table.title,
        tuple(n for n in table.notes if starred or not n.startswith("* ")),
        tuple(table.keys[i] for i in keep) if table.keys else (),
    )
    if records is None:
        return shaped, None
    picked = [records[r] for r in order]
    if options.columns is None:
        return shaped, picked
    out = []
    for r in order:
        rec = records[r]
        obj = {}
        for i in keep:
            key = table.keys[i]
            obj[key] = rec[key] if isinstance(rec, dict) and key in rec else table.rows[r][i]
        out.append(obj)
    return shaped, out


def fit_columns(table: Table, width: int, drop_order: Sequence[str], note: str) -> Table:
    """The table without the columns, dropped in ``drop_order``, that a terminal ``width`` wide
    has no room for (each column as wide as its longest word and at least a dozen columns or
    its widest line), with ``note`` (naming the hidden ones as ``{hidden}``) below it."""
    from mscref.render.termtable import measure, table_width

    cols = {k: [table.columns[i], *(row[i] for row in table.rows)] for i, k in enumerate(table.keys)}
    comfort = {}
    for key, cells in cols.items():
        widest, word, _piece = measure(cells)
        comfort[key] = max(word, min(widest, 12))
    kept = list(table.keys)
    hidden = []
    for key in drop_order:
        if table_width([comfort[k] for k in kept]) <= width:
            break
        if key in kept:
            kept.remove(key)
            hidden.append(key)
    if not hidden:
        return table
    keep = [table.keys.index(k) for k in kept]
    names = ", ".join(table.columns[table.keys.index(k)] for k in hidden)
    return Table(
        tuple(table.columns[i] for i in keep),
        tuple(tuple(row[i] for i in keep) for row in table.rows),
        table.title,
        (*table.notes, note.format(hidden=names)),
        tuple(kept),
    )
