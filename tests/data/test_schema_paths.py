"""The builder names the exact path of a bad value, and takes null only where a field allows it.

The builder joins a value's path (``trials[0].arms[1].n``) only when it reports a problem; these
tests put a bad value at a random place of a valid trials file and check the problem names it.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mscref.data.models import TrialsFile
from mscref.data.schema import Builder
from mscref.data.yamlio import fast_parse
from tests.conftest import MINIMAL

_ROOT = fast_parse((MINIMAL / "trials.yaml").read_text(encoding="utf-8"))


def _build(root: Any) -> Builder:
    builder = Builder("trials.yaml")
    builder.build(TrialsFile, root, "", 1)
    return builder


def _places(node: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Every (path, parent, key) of a value inside ``node``."""
    out = []
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}.{key}" if path else key
            out.append((here, node, key))
            out.extend(_places(value, here))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            here = f"{path}[{i}]"
            out.append((here, node, i))
            out.extend(_places(value, here))
    return out


def test_the_minimal_trials_build_cleanly() -> None:
    builder = _build(_ROOT)
    assert builder.problems == [] and builder.refs
    assert {ref.path for ref in builder.refs} >= {"trials[0].indication", "trials[0].refs[0]"}


# values no field of the trials file takes
_WRONG = st.sampled_from([[], [1, 2], {"x": 1}, {}, True, 1.5, -7, "", " \t", "\u200b"])


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_bad_value_is_reported_at_its_own_path(data: st.DataObject) -> None:
    root = copy.deepcopy(_ROOT)
    places = [p for p in _places(root) if not isinstance(p[1], list) or p[0].count("[") > 1]
    path, parent, key = data.draw(st.sampled_from(places))
    was = parent[key]
    wrong = data.draw(_WRONG.filter(lambda v: type(v) is not type(was)))
    parent[key] = wrong
    problems = _build(root).problems
    assert problems, f"{path} = {wrong!r} was accepted"
    assert any(p.path == path or p.path.startswith((path + ".", path + "[")) for p in problems), (
        path,
        problems,
    )


def test_null_is_taken_only_where_a_field_allows_it() -> None:
    root = copy.deepcopy(_ROOT)
    trial = root["trials"][0]
    trial["phase_label"] = None  # str | None
    trial["registry"] = None  # RegistryRecord | None
    assert _build(root).problems == []
    for key, expected in [
        ("title", "expected a string, got null"),
        ("countries", "expected a list, got null"),
        ("design", "expected a mapping, got null"),
        ("study_type", "expected one of interventional, expanded-access, observational, registry, got null"),
    ]:
        broken = copy.deepcopy(_ROOT)
        broken["trials"][0][key] = None
        problems = _build(broken).problems
        assert [(p.path, p.message) for p in problems] == [(f"trials[0].{key}", expected)], key
