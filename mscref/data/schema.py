"""Build frozen dataclasses from parsed YAML, collecting every problem with its file and line.

The dataclasses in :mod:`mscref.data.models` are the one definition of the data: their type hints
say what each field holds and their metadata adds ids to check, patterns, bounds and dates.
The builder below walks those definitions generically, so adding a field to a model is all it
takes to validate it.
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from collections.abc import Mapping
from enum import Enum
from functools import cache
from typing import Any

from mscref.data.errors import Problem, did_you_mean
from mscref.data.models import date_problem
from mscref.data.record import record, slot_setters
from mscref.data.yamlio import YMap, YSeq

_MISSING = dataclasses.MISSING


@record
class PendingRef:
    """A value that must name a record of ``collection``, checked once every file is built."""

    collection: str
    value: str
    file: str
    line: int | None
    path: str


@record
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
        text = str(value)
        return f"integer {text if len(text) <= 30 else text[:27] + '...'}"
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


_SURROGATE = re.compile("[\ud800-\udfff]")


def _short_number(number: float) -> str:
    if isinstance(number, int) and len(str(number)) > 12:
        return f"a {len(str(abs(number)))}-digit number"
    return f"{number:g}"


def shown_key(key: Any) -> str:
    """A key as messages show it: control characters escaped, long keys shortened."""
    text = str(key)
    if not text.isprintable():
        text = text.encode("unicode_escape", "backslashreplace").decode("ascii")
    return text if len(text) <= 60 else text[:57] + "..."


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


# A converter turns a parsed value into a field's value: (builder, value, path, key, line) -> value.
# The value stands at ``path`` joined with ``key`` (see :func:`_where`): a field name, an item's
# index, or None when ``path`` is already the whole path. The join is made only when a problem
# is reported or a path is kept, not for every value built.
Key = str | int | None
Converter = typing.Callable[["Builder", Any, str, Key, "int | None"], Any]


def _where(path: str, key: Key) -> str:
    """The path of the value at ``key`` under ``path``: ``trials[3]``, ``trials[3].id``."""
    if key is None:
        return path
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class Builder:
    """Builds one file's dataclasses; ``problems`` and ``refs`` collect what it found.

    Each field's type is turned into a converter function once (see :func:`_converter`), so
    building ten thousand trials does no type introspection per value.
    """

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.refs: list[PendingRef] = []

    def fail(self, line: int | None, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, line, path, message))

    def build(self, cls: type, value: Any, path: str = "", line: int | None = None) -> Any:
        """An instance of dataclass ``cls`` from ``value``, or None when it has problems."""
        return _dataclass_converter(cls, False)(self, value, path, None, line)

    def convert(self, tp: Any, value: Any, path: str, line: int | None, meta: Mapping[str, Any]) -> Any:
        return _converter(tp, _freeze(meta))(self, value, path, None, line)


def _freeze(meta: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    return tuple(sorted((k, v) for k, v in meta.items() if k != "doc"))


_NO_LINES: dict[str, int] = {}


@cache
def _dataclass_converter(cls: type, optional: bool) -> Converter:
    specs = field_specs(cls)
    names = frozenset(s.name for s in specs)
    has_checks = hasattr(cls, "checks")
    plan = [
        (s.name, s.required, _converter(s.type, _freeze(s.meta)), put, _default_of(cls, s.name))
        for s, put in zip(specs, slot_setters(cls), strict=True)
    ]
    fills: dict[bool, Filler] = {}  # written on first use: a cold load never needs the lined one

    def build(b: Builder, value: Any, path: str, key: Key, line: int | None) -> Any:
        if not isinstance(value, dict):
            if value is None and optional:
                return None
            b.fail(line, _where(path, key), f"expected a mapping, got {describe(value)}")
            return None
        here = _where(path, key)
        own_line: int | None
        if isinstance(value, YMap):
            key_lines, value_lines, own_line = value.key_lines, value.value_lines, value.line
        else:  # data without lines
            key_lines, value_lines, own_line = _NO_LINES, _NO_LINES, line
        problems = b.problems
        before = len(problems)
        if not names.issuperset(value):
            for k in value:
                if k not in names:
                    shown = shown_key(k)
                    hint = did_you_mean(shown, names)
                    allowed = "" if hint else "; allowed keys: " + ", ".join(sorted(names))
                    b.fail(key_lines.get(k), _join(here, shown), f"unknown key '{shown}'{hint}{allowed}")
        lined = value_lines is not _NO_LINES
        fill = fills.get(lined)
        if fill is None:
            fill = fills[lined] = _filler(cls, plan, lined)
        obj = fill(b, value, here, own_line, value_lines.get if lined else None)
        if len(problems) > before:
            return None
        if has_checks:
            for rel, message in obj.checks():
                where = line_at(value, rel) if isinstance(value, YMap) else own_line
                b.fail(where, _join(here, rel) if rel else here, message)
        return obj if len(problems) == before else None

    return build


def _filler(cls: type, plan: list[tuple[str, bool, Converter, Any, Any]], lined: bool) -> Filler:
    """``fill(b, value, here, line, lines)``: a new ``cls`` with each field of ``plan`` converted
    from mapping ``value``, as ``__init__`` would make it, without its keyword dictionary and call.

    The function is written out field by field, as ``dataclasses`` writes ``__init__``, from the
    field names of mscref's own models (never from data). A field given in ``value`` is
    converted (with its line from ``lines(name)`` when ``lined``) and set through its slot; an
    absent one gets its default, or a fresh value from its factory; a missing required one is a
    problem. Written out, 10k trials build in about 0.46 s instead of 0.53 s in one process;
    ``benchmarks/run.py`` weighs it against the plain build (the ``kwargs-build`` variant)."""
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls, "_M": _MISSING}
    body = ["def fill(b, value, here, line, lines):", "    obj = _new(_cls)", "    get = value.get"]
    for i, (name, required, conv, put, default) in enumerate(plan):
        if not name.isidentifier():  # pragma: no cover - dataclass field names are identifiers
            raise TypeError(f"field name {name!r} of {cls.__qualname__}")
        namespace[f"_conv{i}"], namespace[f"_put{i}"] = conv, put
        line = f"lines({name!r})" if lined else "None"
        body += [
            f"    v = get({name!r}, _M)",
            "    if v is not _M:",
            f"        _put{i}(obj, _conv{i}(b, v, here, {name!r}, {line}))",
            "    else:",
        ]
        if required:
            message = f"missing required key {name!r}"
            body.append(f"        b.fail(line, here or '(top level)', {message!r})")
        elif isinstance(default, _Constant):
            namespace[f"_default{i}"] = default.value
            body.append(f"        _put{i}(obj, _default{i})")
        else:
            namespace[f"_factory{i}"] = default
            body.append(f"        _put{i}(obj, _factory{i}())")
    body.append("    return obj")
    exec("\n".join(body) + "\n", namespace)  # see above: no data reaches this text
    return typing.cast(Filler, namespace["fill"])


Filler = typing.Callable[["Builder", Any, str, "int | None", Any], Any]


class _Constant(typing.NamedTuple):
    """A field's plain default (as opposed to a default factory)."""

    value: Any


def _default_of(cls: type, name: str) -> _Constant | typing.Callable[[], Any]:
    """What ``cls.__init__`` gives field ``name`` when it is left out: its default, or its
    default factory, called for each record (so no two records share a mutable default)."""
    f = next(f for f in dataclasses.fields(cls) if f.name == name)
    if f.default_factory is not _MISSING:
        return f.default_factory
    return _Constant(f.default)


@cache
def _converter(tp: Any, meta: tuple[tuple[str, Any], ...]) -> Converter:
    """The converter of a field of type ``tp``; ``X | None`` takes null as well."""
    inner, optional = unwrap_optional(tp)
    return _plain_converter(inner, dict(meta), optional)


def _null(b: Builder, optional: bool, expected: str, path: str, key: Key, line: int | None) -> None:
    """A null: nothing to build where it is allowed, a problem where it is not."""
    if not optional:
        b.fail(line, _where(path, key), f"expected {expected}, got null")


def _plain_converter(tp: Any, meta: dict[str, Any], optional: bool) -> Converter:
    """The converter of ``tp`` (not itself optional); ``optional`` says whether null is allowed.
    Each converter tests for null only once a value is not of its type, so a value of the right
    type costs no extra test."""
    origin = typing.get_origin(tp)
    if origin is tuple:
        (item_tp, _ellipsis) = typing.get_args(tp)
        item = _converter(item_tp, _freeze(meta))

        def convert_tuple(b: Builder, value: Any, path: str, key: Key, line: int | None) -> Any:
            if not isinstance(value, list):
                if value is None:
                    _null(b, optional, "a list", path, key, line)
                    return None
                b.fail(line, _where(path, key), f"expected a list, got {describe(value)}")
                return ()
            here = _where(path, key)
            if isinstance(value, YSeq):
                lines = value.item_lines
                return tuple([item(b, v, here, i, lines[i]) for i, v in enumerate(value)])
            return tuple([item(b, v, here, i, line) for i, v in enumerate(value)])

        return convert_tuple
    if origin in (dict, Mapping) or tp is Mapping:
        _key_tp, value_tp = typing.get_args(tp)
        conv_value = _converter(value_tp, ())
        ref = meta.get("ref")

        def convert_mapping(b: Builder, value: Any, path: str, key: Key, line: int | None) -> Any:
            if not isinstance(value, dict):
                if value is None:
                    _null(b, optional, "a mapping", path, key, line)
                    return None
                b.fail(line, _where(path, key), f"expected a mapping, got {describe(value)}")
                return {}
            here = _where(path, key)
            key_lines, value_lines, _own = _lines(value)
            out = {}
            for k, v in value.items():
                if not isinstance(k, str):
                    b.fail(key_lines.get(k, line), here, f"keys must be plain text, got {describe(k)}")
                    continue
                where = f"{here}.{shown_key(k)}"
                if ref:
                    b.refs.append(PendingRef(ref, k, b.file, key_lines.get(k), where))
                out[k] = conv_value(b, v, where, None, value_lines.get(k, line))
            return out

        return convert_mapping
    if dataclasses.is_dataclass(tp):
        return _dataclass_converter(typing.cast(type, tp), optional)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return _enum_converter(tp, optional)
    if tp is str:
        return _str_converter(meta, optional)
    if tp is bool:

        def convert_bool(b: Builder, value: Any, path: str, key: Key, line: int | None) -> Any:
            if value is True or value is False:
                return value
            if value is None:
                _null(b, optional, "true or false", path, key, line)
                return None
            b.fail(line, _where(path, key), f"expected true or false, got {describe(value)}")
            return None

        return convert_bool
    if tp in (int, float):
        return _number_converter(tp, meta, optional)
    raise TypeError(f"unsupported field type {tp!r}")  # pragma: no cover


def _lines(value: Any) -> tuple[dict[str, int], dict[str, int], int | None]:
    """Key lines, value lines and the mapping's own line (empty for data without lines)."""
    if isinstance(value, YMap):
        return value.key_lines, value.value_lines, value.line
    return {}, {}, None


def _enum_converter(tp: type[Enum], optional: bool) -> Converter:
    by_value = {str(m.value): m for m in tp}
    choices = list(by_value)
    expected = _expected(tp)

    def convert_enum(b: Builder, value: Any, path: str, key: Key, line: int | None) -> Any:
        member = by_value.get(value) if type(value) is str else None
        if member is not None:
            return member
        if value is None:
            _null(b, optional, expected, path, key, line)
            return None
        text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if isinstance(text, str) and text in by_value:
            return by_value[text]
        hint = did_you_mean(text, choices) if isinstance(text, str) else ""
        b.fail(line, _where(path, key), f"expected one of {', '.join(choices)}; got {describe(value)}{hint}")
        return None

    return convert_enum


def _str_converter(meta: dict[str, Any], optional: bool) -> Converter:
    pattern = meta.get("pattern")
    regex = re.compile(pattern) if pattern else None
    is_date = bool(meta.get("date"))
    ref = meta.get("ref")
    plain = regex is None and not is_date and not ref

    def convert_str(b: Builder, value: Any, path: str, key: Key, line: int | None) -> Any:
        if not isinstance(value, str):
            if value is None:
                _null(b, optional, "a string", path, key, line)
                return None
            quote = " (quote it to make it text)" if isinstance(value, (int, float, bool)) else ""
            b.fail(line, _where(path, key), f"expected a string, got {describe(value)}{quote}")
            return None
        if not value.isascii() and _SURROGATE.search(value):
            b.fail(
                line,
                _where(path, key),
                "the text holds an unpaired surrogate escape (like \\ud800), not a character",
            )
            return None
        first = value[:1]
        if not "!" <= first <= "~":  # not a visible ASCII character: look closer
            visible = bool(first) and first.isprintable() and not first.isspace()
            if not visible and not any(ch.isprintable() and not ch.isspace() for ch in value):
                what = "an empty one" if not value.strip() else "one with nothing visible in it"
                b.fail(line, _where(path, key), f"expected a non-empty string, got {what}")
                return None
        if plain:
            return value
        if regex is not None and not regex.fullmatch(value):
            b.fail(line, _where(path, key), f"{value!r} does not match the pattern {pattern}")
            return None
        if is_date:
            problem = date_problem(value)
            if problem:
                b.fail(line, _where(path, key), problem)
                return None
        if ref:
            b.refs.append(PendingRef(ref, value, b.file, line, _where(path, key)))
        return value

    return convert_str


def _number_converter(tp: type, meta: dict[str, Any], optional: bool) -> Converter:
    lo, hi = meta.get("min"), meta.get("max")
    expected = _expected(tp)
    accepted: tuple[type, ...] = (int,) if tp is int else (int, float)

    def convert_number(b: Builder, value: Any, path: str, key: Key, line: int | None) -> Any:
        if isinstance(value, bool) or not isinstance(value, accepted):
            if value is None:
                _null(b, optional, expected, path, key, line)
                return None
            b.fail(line, _where(path, key), f"expected {expected}, got {describe(value)}")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            b.fail(line, _where(path, key), f"expected a finite number, got {value}")
            return None
        number = tp(value)
        if lo is not None and number < lo:
            b.fail(line, _where(path, key), f"must be at least {lo:g}, got {_short_number(number)}")
            return None
        if hi is not None and number > hi:
            b.fail(line, _where(path, key), f"must be at most {hi:g}, got {_short_number(number)}")
            return None
        return number

    return convert_number


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
