"""The builder fills records field by field; what it makes is what ``__init__`` makes.

Data from the fast parser (plain mappings) and from the strict reader (mappings with lines)
go through two written-out fill functions; both must give the records, defaults and problems
that the models' own constructors and checks give.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mscref.data.models import Design, Trial, TrialsFile
from mscref.data.schema import Builder
from mscref.data.yamlio import fast_parse, parse_text
from tests.conftest import MINIMAL

_TEXT = (MINIMAL / "trials.yaml").read_text(encoding="utf-8")
_PLAIN = fast_parse(_TEXT)


def _build(root: Any) -> tuple[Any, Builder]:
    builder = Builder("trials.yaml")
    return builder.build(TrialsFile, root, "", 1), builder


def _mappings(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path (keys and indexes) of every mapping inside ``node``."""
    out = []
    if isinstance(node, dict):
        out.append(path)
        for key, value in node.items():
            out.extend(_mappings(value, (*path, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_mappings(value, (*path, i)))
    return out


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        node = node[step]
    return node


def _rebuilt(obj: Any) -> Any:
    """``obj`` made again through the constructors, from its fields (records all the way down)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return type(obj)(**{f.name: _rebuilt(getattr(obj, f.name)) for f in dataclasses.fields(obj)})
    if isinstance(obj, tuple):
        return tuple(_rebuilt(x) for x in obj)
    if isinstance(obj, dict):
        return {k: _rebuilt(v) for k, v in obj.items()}
    return obj


def test_plain_and_lined_data_build_the_records_the_constructors_build() -> None:
    plain, b1 = _build(copy.deepcopy(_PLAIN))
    lined, b2 = _build(parse_text("trials.yaml", _TEXT).root)
    assert b1.problems == b2.problems == []
    assert plain == lined == _rebuilt(plain)
    assert [r.path for r in b1.refs] == [r.path for r in b2.refs]


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_a_key_left_out_gets_its_default_or_its_problem_on_both_paths(data: st.DataObject) -> None:
    """Remove one key of one mapping, in the plain data and in the lined data alike: both
    builds agree (records, problem paths and messages), and a record left without an optional
    field holds what its constructor would have given it."""
    lined_root = parse_text("trials.yaml", _TEXT).root
    plain_root = copy.deepcopy(_PLAIN)
    path = data.draw(st.sampled_from([p for p in _mappings(plain_root) if _at(plain_root, p)]))
    key = data.draw(st.sampled_from(sorted(_at(plain_root, path))))
    del _at(plain_root, path)[key]
    lined_map = _at(lined_root, path)
    del lined_map[key]
    lined_map.value_lines.pop(key, None)
    plain, b1 = _build(plain_root)
    lined, b2 = _build(lined_root)
    assert [(p.path, p.message) for p in b1.problems] == [(p.path, p.message) for p in b2.problems]
    assert plain == lined
    if plain is not None:
        assert plain == _rebuilt(plain)


def test_a_default_factory_gives_each_record_its_own_value() -> None:
    root = copy.deepcopy(_PLAIN)
    trial = root["trials"][0]
    trial.pop("design", None)
    root["trials"] = [trial, {**trial, "id": trial["id"] + "-b"}]
    built, builder = _build(root)
    assert builder.problems == []
    first, second = built.trials
    assert isinstance(first, Trial) and first.design == second.design == Design()
    assert first.design is not second.design  # as Trial(...) twice would give
