"""Build frozen dataclasses from parsed YAML, collecting every problem with its file and line.

The dataclasses in :mod:`mscref.models` are the one definition of the data: their type hints
say what each field holds and their metadata adds ids to check, patterns, bounds and dates.
The builder below walks those definitions generically, so adding a field to a model is all it
takes to validate it.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any

from mscref.errors import Problem
from mscref.models import date_problem
from mscref.yamlio import YMap, YSeq

_MISSING = dataclasses.MISSING


@dataclass(frozen=True, slots=True)
class PendingRef:
    """A value that must name a record of ``collection``, checked once every file is built."""

    collection: str
    value: str
    file: str
    line: int | None
    path: str


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    type: Any
    required: bool
    default: Any
    meta: Mapping[str, Any]


@cache
def field_specs(cls: type) -> tuple[FieldSpec, ...]:
    """The fields of a model dataclass with their resolved types."""
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        if f.default is not _MISSING:
            default, required = f.default, False
        elif f.default_factory is not _MISSING:
            default, required = f.default_factory(), False
        else:
            default, required = None, True
        out.append(FieldSpec(f.name, hints[f.name], required, default, f.metadata))
    return tuple(out)


def unwrap_optional(tp: Any) -> tuple[Any, bool]:
    """``X | None`` -> (X, True); anything else -> (tp, False)."""
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0], True
    return tp, False


def describe(value: Any) -> str:
    """A value as an error message names it: ``integer 12``, ``string 'yes'``, ``a list``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return f"integer {value}"
    if isinstance(value, float):
        return f"number {value:g}"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"string {shown!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__  # pragma: no cover - the YAML reader makes nothing else


def _expected(tp: Any) -> str:
    if tp is str:
        return "a string"
    if tp is int:
        return "an integer"
    if tp is float:
        return "a number"
    if tp is bool:
        return "true or false"
    if isinstance(tp, type) and issubclass(tp, Enum):
        return "one of " + ", ".join(str(m.value) for m in tp)
    origin = typing.get_origin(tp)
    if origin is tuple:
        return "a list"
    if dataclasses.is_dataclass(tp) or origin in (dict, Mapping):
        return "a mapping"
    return str(tp)  # pragma: no cover


def did_you_mean(word: str, choices: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class Builder:
    """Builds one file's dataclasses; ``problems`` and ``refs`` collect what it found."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.refs: list[PendingRef] = []

    def fail(self, line: int | None, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, line, path, message))

    # ---------------------------------------------------------------------------------------
    def build(self, cls: type, value: Any, path: str = "", line: int | None = None) -> Any:
        """An instance of dataclass ``cls`` from ``value``, or None when it has problems."""
        if not isinstance(value, YMap):
            self.fail(line, path, f"expected a mapping, got {describe(value)}")
            return None
        specs = field_specs(cls)
        names = {s.name for s in specs}
        before = len(self.problems)
        for key in value:
            if key not in names:
                hint = did_you_mean(key, names)
                allowed = "" if hint else "; allowed keys: " + ", ".join(sorted(names))
                self.fail(value.key_lines.get(key), _join(path, key), f"unknown key {key!r}{hint}{allowed}")
        kwargs: dict[str, Any] = {}
        for spec in specs:
            if spec.name not in value:
                if spec.required:
                    self.fail(value.line, path or "(top level)", f"missing required key {spec.name!r}")
                else:
                    kwargs[spec.name] = spec.default
                continue
            kwargs[spec.name] = self.convert(
                spec.type,
                value[spec.name],
                _join(path, spec.name),
                value.value_lines.get(spec.name),
                spec.meta,
            )
        if len(self.problems) > before:
            return None
        obj = cls(**kwargs)
        checks = getattr(obj, "checks", None)
        if checks is not None:
            for rel, message in checks():
                self.fail(line_at(value, rel), _join(path, rel) if rel else path, message)
        return obj if len(self.problems) == before else None

    def convert(self, tp: Any, value: Any, path: str, line: int | None, meta: Mapping[str, Any]) -> Any:
        inner, optional = unwrap_optional(tp)
        if value is None:
            if not optional:
                self.fail(line, path, f"expected {_expected(inner)}, got null")
            return None
        tp = inner
        origin = typing.get_origin(tp)
        if origin is tuple:
            return self._tuple(tp, value, path, line, meta)
        if origin in (dict, Mapping) or tp is Mapping:
            return self._mapping(tp, value, path, line, meta)
        if dataclasses.is_dataclass(tp):
            return self.build(typing.cast(type, tp), value, path, line)
        if isinstance(tp, type) and issubclass(tp, Enum):
            return self._enum(tp, value, path, line)
        return self._scalar(tp, value, path, line, meta)

    def _tuple(self, tp: Any, value: Any, path: str, line: int | None, meta: Mapping[str, Any]) -> Any:
        if not isinstance(value, YSeq):
            self.fail(line, path, f"expected a list, got {describe(value)}")
            return ()
        (item_tp, _ellipsis) = typing.get_args(tp)
        return tuple(
            self.convert(item_tp, item, f"{path}[{i}]", value.item_lines[i], meta)
            for i, item in enumerate(value)
        )

    def _mapping(self, tp: Any, value: Any, path: str, line: int | None, meta: Mapping[str, Any]) -> Any:
        if not isinstance(value, YMap):
            self.fail(line, path, f"expected a mapping, got {describe(value)}")
            return {}
        _key_tp, value_tp = typing.get_args(tp)
        out = {}
        for k, v in value.items():
            if "ref" in meta:
                self.refs.append(PendingRef(meta["ref"], k, self.file, value.key_lines.get(k), f"{path}.{k}"))
            out[k] = self.convert(value_tp, v, f"{path}.{k}", value.value_lines.get(k), {})
        return out

    def _enum(self, tp: type[Enum], value: Any, path: str, line: int | None) -> Any:
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if isinstance(text, str):
            try:
                return tp(text)
            except ValueError:
                pass
        choices = [str(m.value) for m in tp]
        hint = did_you_mean(text, choices) if isinstance(text, str) else ""
        self.fail(line, path, f"expected one of {', '.join(choices)}; got {describe(value)}{hint}")
        return None

    def _scalar(self, tp: Any, value: Any, path: str, line: int | None, meta: Mapping[str, Any]) -> Any:
        if tp is str:
            if not isinstance(value, str):
                quote = " (quote it to make it text)" if isinstance(value, (int, float, bool)) else ""
                self.fail(line, path, f"expected a string, got {describe(value)}{quote}")
                return None
            if not value.strip():
                self.fail(line, path, "expected a non-empty string, got an empty one")
                return None
            pattern = meta.get("pattern")
            if pattern and not re.fullmatch(pattern, value):
                self.fail(line, path, f"{value!r} does not match the pattern {pattern}")
                return None
            if meta.get("date"):
                problem = date_problem(value)
                if problem:
                    self.fail(line, path, problem)
                    return None
            if "ref" in meta:
                self.refs.append(PendingRef(meta["ref"], value, self.file, line, path))
            return value
        if tp is bool:
            if not isinstance(value, bool):
                self.fail(line, path, f"expected true or false, got {describe(value)}")
                return None
            return value
        if tp in (int, float):
            ok = isinstance(value, int) if tp is int else isinstance(value, (int, float))
            if isinstance(value, bool) or not ok:
                self.fail(line, path, f"expected {_expected(tp)}, got {describe(value)}")
                return None
            number = tp(value)
            lo, hi = meta.get("min"), meta.get("max")
            if lo is not None and number < lo:
                self.fail(line, path, f"must be at least {lo:g}, got {number:g}")
                return None
            if hi is not None and number > hi:
                self.fail(line, path, f"must be at most {hi:g}, got {number:g}")
                return None
            return number
        raise TypeError(f"unsupported field type {tp!r} at {path}")  # pragma: no cover


_STEP = re.compile(r"\[([0-9]+)\]|\.?([^.\[]+)")


def line_at(value: YMap | YSeq, rel: str) -> int:
    """The line of the value at relative path ``rel`` (e.g. ``arms[1].total``) inside ``value``."""
    line, node = value.line, value
    for m in _STEP.finditer(rel):
        index, key = m.group(1), m.group(2)
        if index is not None and isinstance(node, YSeq) and int(index) < len(node):
            line, node = node.item_lines[int(index)], node[int(index)]
        elif key is not None and isinstance(node, YMap) and key in node:
            line, node = node.value_lines[key], node[key]
        else:
            break
    return line


def _join(path: str, key: str) -> str:
    if not path:
        return key
    return f"{path}{key}" if key.startswith("[") else f"{path}.{key}"
