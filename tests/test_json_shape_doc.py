"""The README's table of the JSON that `mscref trials --format json` prints names every key the
JSON has, at every level it describes, and no key the JSON does not have."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from mscref.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
ALL_TYPES = [
    "--product-type",
    "cells",
    *[
        arg
        for kind in (
            "extracellular-vesicles",
            "engineered-cells",
            "stromal-vascular-fraction",
            "marrow-concentrate",
            "precursor-cells",
            "msc-derived-cells",
            "non-msc",
        )
        for arg in ("--product-type", kind)
    ],
]


def _table() -> dict[str, str]:
    """Key cell -> value cell of the trials JSON table."""
    start = README.index("`mscref trials --format json` prints an array of records")
    block = README[start:].split("\n\n", 2)[1]
    rows = {}
    for line in block.splitlines()[2:]:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        rows[cells[0]] = cells[1]
    return rows


def _names(cell: str) -> set[str]:
    return set(re.findall(r"`([a-z_]+)`", cell))


def _braced(value: str, after: str = "") -> set[str]:
    """The keys of the first ``{a, b: [{...}], c}`` in ``value`` after the text ``after`` (its
    own level only)."""
    rest = value[value.index(after) + len(after) :] if after else value
    start = rest.index("{")
    keys, word, depth = [], "", 0
    for ch in rest[start + 1 :]:
        if ch in "{[":
            depth += 1
        elif ch in "}]":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and ch == ",":
            keys.append(word)
            word = ""
        elif depth == 0:
            word += ch
    keys.append(word)
    return {k.split(":")[0].strip() for k in keys if k.strip()}


def _union(items: list[dict[str, Any]]) -> set[str]:
    return set().union(*(i.keys() for i in items)) if items else set()


def test_readme_lists_every_key_of_the_trials_json() -> None:
    result = CliRunner().invoke(app, ["trials", "--format", "json", *ALL_TYPES])
    records = json.loads(result.stdout)
    table = _table()
    documented = set().union(*(_names(k) for k in table))
    assert documented == _union(records)

    def row(key: str) -> str:
        return next(v for k, v in table.items() if f"`{key}`" in k)

    outcomes = [o for r in records for o in r.get("outcomes") or []]
    safety = [s for r in records for s in r.get("safety") or []]
    levels = {
        "design": ([r["design"] for r in records if r.get("design")], _braced(row("design"))),
        "arms": ([a for r in records for a in r.get("arms") or []], _braced(row("arms"))),
        "outcomes": (outcomes, _braced(row("outcomes"))),
        "outcomes[].arms": (
            [a for o in outcomes for a in o["arms"]],
            _braced(row("outcomes"), "where `arms` is"),
        ),
        "outcomes[].effects": (
            [e for o in outcomes for e in o["effects"]],
            _braced(row("outcomes"), "`effects` is"),
        ),
        "safety": (safety, _braced(row("safety"))),
        "safety[].arms": ([a for s in safety for a in s["arms"]], _braced(row("safety"), "arms: [")),
        "approvals": ([a for r in records for a in r.get("approvals") or []], _braced(row("approvals"))),
    }
    for name, (items, keys) in levels.items():
        assert keys == _union(items), name
