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
  :mod:`mscref.render.termtable`;
- ``one-thread``: a large file's pieces are parsed one after another in the main thread, as
  on a single core, instead of on worker threads;
- ``kwargs-build``: the builder gathers each record's fields in a keyword dictionary and calls
  the record's ``__init__`` with it, instead of the fill function written out for each model.

The cache's own switch needs no patch: ``MSCREF_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import dataclasses
import sys
from typing import Any

VARIANTS = ("as-is", "dataclass", "strict-yaml", "rich-table", "one-thread", "kwargs-build")


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

    yamlio.fast_parse = lambda *args, **kwargs: None  # the loader then reads the file strictly


def _one_thread() -> None:
    from mscref.data import yamlio

    yamlio._parse_workers = lambda: 0  # as on a single core


def _kwargs_build() -> None:
    from mscref.data import schema

    def filler(cls: Any, plan: Any, lined: bool) -> Any:
        def fill(b: Any, value: Any, here: str, line: Any, lines: Any) -> Any:
            kwargs, missing = {}, False
            for name, required, conv, _put, _default in plan:
                if name in value:
                    kwargs[name] = conv(b, value[name], here, name, lines(name) if lined else None)
                elif required:
                    b.fail(line, here or "(top level)", f"missing required key {name!r}")
                    missing = True
            return None if missing else cls(**kwargs)

        return fill

    schema._filler = filler


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
    elif variant == "one-thread":
        _one_thread()
    elif variant == "kwargs-build":
        _kwargs_build()
    sys.argv = ["mscref", *sys.argv[2:]]
    from mscref.__main__ import main as mscref_main

    mscref_main()


if __name__ == "__main__":
    main()
