"""JSON Schema (draft-07) for each data file, generated from the models the loader validates with.

One source of truth: the dataclasses in :mod:`mscref.data.models` and their field metadata. Editors
with the YAML language server use these schemas to complete and check the files as they are
typed; ``mscref validate`` still does the checks a schema cannot (references between files,
counts against totals, dates that do not exist).
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from enum import Enum
from typing import Any

from mscref.data.loader import FILES
from mscref.data.schema import field_specs, unwrap_optional

DRAFT = "http://json-schema.org/draft-07/schema#"
_DATE = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"


def schema_names() -> list[str]:
    """``sources``, ``indications`` … (the data files without their extension)."""
    return [name.removesuffix(".yaml") for name in FILES]


def file_schema(name: str) -> dict[str, Any]:
    """The schema of one data file, e.g. ``file_schema("trials")``."""
    model, _required = FILES[f"{name}.yaml"]
    definitions: dict[str, Any] = {}
    root = _object(model, definitions)
    return {
        "$schema": DRAFT,
        "$id": f"https://mscref.invalid/schemas/{name}.schema.json",
        "title": f"mscref {name}.yaml",
        "description": f"The {name} data file of mscref. Generated from mscref/models.py; do not edit.",
        **root,
        "definitions": dict(sorted(definitions.items())),
    }


def _object(cls: type, definitions: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    required: list[str] = []
    for spec in field_specs(cls):
        prop = _type(spec.type, spec.meta, definitions)
        doc = spec.meta.get("doc")
        ref = spec.meta.get("ref")
        if ref:
            doc = (f"{doc}; " if doc else "") + f"the id of a record in {ref}"
        if doc:
            prop = {"description": doc, **prop}
        props[spec.name] = prop
        if spec.required:
            required.append(spec.name)
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = required
    return out


def _type(tp: Any, meta: Mapping[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    inner, optional = unwrap_optional(tp)
    schema = _plain_type(inner, meta, definitions)
    if optional:
        return {"anyOf": [schema, {"type": "null"}]}
    return schema


def _plain_type(tp: Any, meta: Mapping[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    if origin is tuple:
        (item, _ellipsis) = typing.get_args(tp)
        return {"type": "array", "items": _type(item, meta, definitions)}
    if origin in (dict, Mapping) or tp is Mapping:
        _key, value = typing.get_args(tp)
        return {"type": "object", "additionalProperties": _type(value, {}, definitions)}
    if dataclasses.is_dataclass(tp):
        cls = typing.cast(type, tp)
        name = cls.__name__
        if name not in definitions:
            definitions[name] = {}  # placeholder against recursion
            definitions[name] = _object(cls, definitions)
        return {"$ref": f"#/definitions/{name}"}
    if isinstance(tp, type) and issubclass(tp, Enum):
        values: list[Any] = [str(m.value) for m in tp]
        # the loader also takes a bare integer for a numeric value (phase: 3)
        values += [int(v) for v in values if v.isdigit()]
        return {"enum": values}
    if tp is str:
        out: dict[str, Any] = {"type": "string", "minLength": 1}
        if meta.get("pattern"):
            out["pattern"] = f"^(?:{meta['pattern']})$"
        if meta.get("date"):
            out["pattern"] = _DATE
        return out
    if tp is bool:
        return {"type": "boolean"}
    if tp in (int, float):
        out = {"type": "integer" if tp is int else "number"}
        if meta.get("min") is not None:
            out["minimum"] = meta["min"]
        if meta.get("max") is not None:
            out["maximum"] = meta["max"]
        return out
    raise TypeError(f"no JSON Schema for {tp!r}")  # pragma: no cover - every model type is covered
