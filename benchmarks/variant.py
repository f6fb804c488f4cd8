"""Run mscref with one piece of its speed machinery swapped for the plain alternative.

    python benchmarks/variant.py as-is        trials --indication gvhd
    python benchmarks/variant.py dataclass    trials --indication gvhd
    python benchmarks/variant.py strict-yaml  validate --data-dir D
    python benchmarks/variant.py rich-table   trials

Both sides of a comparison run through this script, so the script's own cost falls on both.
The variants:

- ``as-is``: mscref as shipped;
- ``dataclass``: every record class is a plain ``dataclasses.dataclass(frozen=True, slots=True)``
  instead of the hand-made :func:`mscref.data.record.record`;
- ``strict-yaml``: the fast YAML path (yaml-rs behind a safety scan) is off, so every file is
  read by the strict reader alone (PyYAML's C loader with line numbers);
- ``rich-table``: terminal tables are drawn by Rich's ``Table`` instead of the hand-written
  :mod:`mscref.render.termtable`.

The cache's own switch needs no patch: ``MSCREF_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

VARIANTS = ("as-is", "dataclass", "strict-yaml", "rich-table")


def _plain_dataclasses() -> None:
    import mscref.data.record as record_module

    def record(cls: Any = None, /, *, kw_only: bool = False) -> Any:
        def wrap(c: Any) -> Any:
            return dataclasses.dataclass(c, frozen=True, slots=True, kw_only=kw_only)

        return wrap if cls is None else wrap(cls)

    record_module.record = record  # type: ignore[assignment]
    if "mscref.data.models" in sys.modules:  # pragma: no cover - the patch must come first
        raise SystemExit("variant dataclass: mscref.data.models was imported before the patch")


def _strict_yaml() -> None:
    from mscref.data import yamlio

    yamlio.fast_parse = lambda text: None  # the loader then reads the file strictly


def _rich_table() -> None:
    import mscref.cli.common as common

    def write_table(console: Any, table: Any) -> None:
        from rich.table import Table

        grid = Table(title=table.title, show_lines=True)
        for column in table.columns:
            grid.add_column(column, overflow="fold")
        for row in table.rows:
            grid.add_row(*row)
        console.print(grid, markup=False, highlight=False)
        for note in table.notes:
            console.print(note, markup=False, highlight=False)

    common.write_table = write_table


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in VARIANTS:
        raise SystemExit(f"usage: variant.py {{{','.join(VARIANTS)}}} MSCREF-ARGS...")
    variant = sys.argv[1]
    if variant == "dataclass":
        _plain_dataclasses()
    elif variant == "strict-yaml":
        _strict_yaml()
    elif variant == "rich-table":
        _rich_table()
    sys.argv = ["mscref", *sys.argv[2:]]
    from mscref.__main__ import main as mscref_main

    mscref_main()


if __name__ == "__main__":
    main()
