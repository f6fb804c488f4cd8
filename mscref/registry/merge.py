"""Merge imported trials into a trials file without losing anything a curator wrote.

The user's text is never re-serialised. The file is parsed only to learn where things stand;
the merge then *splices* the few changes into the text and keeps every other byte as it was
(comments anywhere, blank lines, line endings, indentation, quoting, flow-list spacing,
escapes, what follows ``...``):

- a new trial is appended as text after the last entry of the ``trials`` list, written in the
  file's own indentation and line endings (an empty ``trials: []`` becomes a block list; a
  non-empty flow list gets the entry as a flow mapping);
- a trial already present (same registry id) gets only its ``registry`` block replaced, the
  key's own line onwards to the block's last line; its NCT id is added to ``registry_ids``
  when missing.

So what mscref writes is the only text that changes: the ``registry`` block of an updated
trial (comments inside it are mscref's block's, and go with it) and the appended entries. The
same import twice changes nothing the second time.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from mscref.data.errors import ImportProblem, MscrefError, Problem
from mscref.registry.ctgov import Mapped, new_trial_id

HEADER = (
    "# Trials imported from ClinicalTrials.gov by mscref import; curate freely: only the\n"
    "# 'registry' block of each trial is rewritten by later imports.\n"
)


@dataclass
class MergeResult:
    text: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: index in the merged ``trials`` list -> the import that wrote that trial
    written_by: dict[int, Mapped] = field(default_factory=dict)

    def summary(self) -> str:
        return f"{len(self.added)} added, {len(self.updated)} updated, {len(self.unchanged)} unchanged"


@dataclass(frozen=True)
class Style:
    """How a file indents, as ruamel's ``indent(mapping, sequence, offset)`` takes it, and
    which line ending it uses."""

    mapping: int = 2
    sequence: int = 4
    offset: int = 2
    eol: str = "\n"


def _yaml(style: Style) -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never wrap a long line
    yaml.indent(mapping=style.mapping, sequence=style.sequence, offset=style.offset)

    def null(representer: Any, _data: None) -> Any:
        return representer.represent_scalar("tag:yaml.org,2002:null", "null")

    yaml.representer.add_representer(type(None), null)
    return yaml


def _plain(value: Any) -> Any:
    """ruamel's containers as plain dicts and lists, for comparing."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _dump(style: Style, key: str, value: Any, column: int) -> str:
    """``key:`` and its block ``value`` as YAML in ``style``, the first line unindented and
    every later line starting at ``column`` plus the style's indentation; no final line end."""
    out = io.StringIO()
    _yaml(style).dump({key: value}, out)
    lines = out.getvalue().rstrip("\n").split("\n")
    pad = " " * column
    text = lines[0] + "".join("\n" + (pad + line if line else line) for line in lines[1:])
    return text.replace("\n", style.eol)


def _flow(value: Any) -> str:
    """A value as a YAML flow node (JSON is one), for inserting into a flow collection."""
    return json.dumps(value, ensure_ascii=False)


class _Text:
    """The original text, the edits planned on it, and where its nodes end."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.edits: list[tuple[int, int, str]] = []

    def replace(self, start: int, end: int, new: str) -> None:
        self.edits.append((start, end, new))

    def result(self) -> str:
        out = self.text
        last = len(out) + 1
        for start, end, new in sorted(self.edits, key=lambda e: (e[0], e[1]), reverse=True):
            if end > last:
                raise AssertionError("overlapping edits")
            out = out[:start] + new + out[end:]
            last = start
        return out

    def line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def column(self, index: int) -> int:
        return index - self.line_start(index)

    def content_end(self, node: Any) -> int:
        """Where a node's own text ends: after its last scalar or flow bracket (block
        collections' marks run on over the comments and blank lines after them); a block
        scalar's trailing blank lines are left out."""
        end: int = _last_leaf(node).end_mark.index
        if end > 0 and self.text[end - 1] == "\n":  # a block scalar: back to its last text
            start = node.start_mark.index
            while end > start and self.text[end - 1] in " \t\r\n":
                end -= 1
        return end

    def after_line(self, index: int) -> int:
        """The start of the line after the one ``index`` is on (the end of the text when it
        is the last line)."""
        newline = self.text.find("\n", index)
        return len(self.text) if newline < 0 else newline + 1


def _last_leaf(node: Any) -> Any:
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    while isinstance(node, MappingNode | SequenceNode) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, MappingNode) else last
    return node


def _style(text: str, root: Any) -> Style:
    """The indentation the file uses most (2-space mappings and ``  - `` lists when it shows
    none), and its line ending."""
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    t = _Text(text)
    mappings: Counter[int] = Counter()
    offsets: Counter[int] = Counter()
    contents: Counter[int] = Counter()

    def walk(node: Any, parent_column: int | None) -> None:
        if isinstance(node, MappingNode) and not node.flow_style:
            column = node.start_mark.column
            if parent_column is not None and column > parent_column:
                mappings[column - parent_column] += 1
            for key, value in node.value:
                walk(value, key.start_mark.column)
        elif isinstance(node, SequenceNode) and not node.flow_style:
            for item in node.value:
                dash = t.text.rfind("-", t.line_start(item.start_mark.index), item.start_mark.index)
                if dash < 0:
                    continue
                dash_column = t.column(dash)
                if parent_column is not None and dash_column >= parent_column:
                    offsets[dash_column - parent_column] += 1
                if t.line_start(dash) == t.line_start(item.start_mark.index):
                    contents[item.start_mark.column - dash_column] += 1
                walk(item, None)
        elif isinstance(node, MappingNode | SequenceNode):
            for child in node.value:
                for part in child if isinstance(child, tuple) else (child,):
                    walk(part, None)

    walk(root, None)
    offset = offsets.most_common(1)[0][0] if offsets else 2
    content = max(2, contents.most_common(1)[0][0] if contents else 2)
    mapping = mappings.most_common(1)[0][0] if mappings else content
    crlf = text.count("\r\n")
    eol = "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"
    return Style(mapping=max(1, mapping), sequence=offset + content, offset=offset, eol=eol)


def merge_trials(existing: str | None, mapped: list[Mapped], taken_ids: set[str], shown: str) -> MergeResult:
    """The trials file with ``mapped`` merged in, as text (see the module's description)."""
    from ruamel.yaml.error import YAMLError

    result = MergeResult("")
    if existing is None or not existing.strip():
        return _new_file(mapped, taken_ids, result)
    yaml = _yaml(Style())
    try:
        doc: Any = yaml.load(existing)
        root: Any = yaml.compose(existing)
    except YAMLError as exc:  # the strict loader has already said more; be short here
        raise MscrefError(f"{shown}: cannot edit this file: {exc}") from None
    style = _style(existing, root)
    t = _Text(existing)
    if doc is None:  # only comments: they stay, and the list follows them
        entries = _new_entries(mapped, [], taken_ids, result, 0)
        if not entries:
            result.text = existing
            return result
        lead = "" if existing.endswith("\n") else style.eol
        block = _dump(style, "trials", entries, 0)
        result.text = existing + lead + block + (style.eol if lead == "" else "")
        return result
    if not isinstance(doc, dict):
        raise MscrefError(f"{shown}: expected a mapping with a 'trials' list")
    trials = doc.get("trials")
    if trials is not None and not isinstance(trials, list):
        raise MscrefError(f"{shown}: 'trials' must be a list")
    current: list[Any] = list(trials or [])
    pair = _pair(root, "trials")
    for m in mapped:
        index = _find(current, m.nct)
        if index is None:
            continue
        entry = current[index]
        if _plain(entry.get("registry")) == m.trial["registry"]:
            result.unchanged.append(f"{entry.get('id')} ({m.nct})")
            continue
        assert pair is not None  # an entry was found, so the list is in the file
        _update(t, style, pair[1].value[index], entry, m, shown)
        result.written_by[index] = m
        result.updated.append(f"{entry.get('id')} ({m.nct})")
    known = [m for m in mapped if _find(current, m.nct) is None]
    entries = _new_entries(known, current, taken_ids, result, len(current))
    if entries:
        _append(t, style, root, pair, entries)
    if not result.added and not result.updated:
        result.text = existing  # nothing changed: the file stays byte for byte
        return result
    result.text = t.result()
    return result


def _new_file(mapped: list[Mapped], taken_ids: set[str], result: MergeResult) -> MergeResult:
    entries = _new_entries(mapped, [], taken_ids, result, 0)
    out = io.StringIO()
    _yaml(Style()).dump({"trials": entries}, out)
    result.text = HEADER + out.getvalue()
    return result


def _new_entries(
    mapped: list[Mapped], current: list[Any], taken_ids: set[str], result: MergeResult, first: int
) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for m in mapped:
        if _find(current + entries, m.nct) is not None:  # twice in the input, alike
            continue
        entry = {"id": new_trial_id(m.nct, taken_ids), **m.trial}
        result.written_by[first + len(entries)] = m
        result.added.append(f"{entry['id']} ({m.nct})")
        entries.append(entry)
    return entries


def _pair(mapping: Any, key: str) -> tuple[Any, Any] | None:
    """The (key node, value node) of ``key`` in a mapping node (the last, as a loader sees it)."""
    found = None
    for k, v in mapping.value:
        if getattr(k, "value", None) == key:
            found = (k, v)
    return found


def _is_null(node: Any) -> bool:
    from ruamel.yaml.nodes import ScalarNode

    return isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _append(t: _Text, style: Style, root: Any, pair: tuple[Any, Any] | None, entries: list[Any]) -> None:
    """New trial entries at the end of the ``trials`` list, as the file writes lists."""
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    if pair is None:  # no 'trials' key: add one after the last thing in the file's mapping
        if root.flow_style:
            close = root.end_mark.index - 1
            t.replace(close, close, ", trials: [" + ", ".join(_flow(e) for e in entries) + "]")
            return
        column = root.start_mark.column
        _insert_lines(t, style, t.content_end(root), " " * column + _dump(style, "trials", entries, column))
        return
    key, value = pair
    if isinstance(value, SequenceNode) and value.flow_style and value.value:
        close = value.end_mark.index - 1
        t.replace(close, close, "".join(", " + _flow(e) for e in entries))
        return
    if isinstance(value, SequenceNode) and value.value:
        last = value.value[-1]
        dash = t.text.rfind("-", t.line_start(last.start_mark.index), last.start_mark.index)
        offset = t.column(dash) - key.start_mark.column
        if dash >= 0 and t.line_start(dash) == t.line_start(last.start_mark.index) and offset >= 0:
            content = last.start_mark.column - t.column(dash)
            style = dataclasses.replace(style, offset=offset, sequence=offset + max(2, content))
        block = _dump(style, "trials", entries, key.start_mark.column).split(style.eol, 1)[1]
        _insert_lines(t, style, t.content_end(last), block)
        return
    if isinstance(value, MappingNode) or not (_is_null(value) or isinstance(value, SequenceNode)):
        raise MscrefError("'trials' must be a list")
    # 'trials:' with nothing, null or [] after it: the new entries become a block list
    column = key.start_mark.column
    block = _dump(style, "trials", entries, column).split(style.eol, 1)[1]
    start, end = value.start_mark.index, value.end_mark.index
    if end > start:  # drop 'null', '~' or '[ ]' and the spaces before it; a comment stays
        while start > key.end_mark.index and t.text[start - 1] in " \t":
            start -= 1
        t.replace(start, end, "")
    _insert_lines(t, style, key.end_mark.index, block)


def _insert_lines(t: _Text, style: Style, index: int, block: str) -> None:
    """``block`` (whole lines, no final line end) as new lines after the line ``index`` is on."""
    at = t.after_line(index)
    if at == len(t.text) and not t.text.endswith("\n"):  # a last line with no line end
        t.replace(at, at, style.eol + block)
    else:
        t.replace(at, at, block + style.eol)


def _update(t: _Text, style: Style, item: Any, entry: Any, m: Mapped, shown: str) -> None:
    """Replace the ``registry`` block of one trial; add the NCT id to ``registry_ids``."""
    from ruamel.yaml.nodes import MappingNode, SequenceNode

    if not isinstance(item, MappingNode):
        raise MscrefError(f"{shown}: the trial for {m.nct} is not a mapping")
    registry = m.trial["registry"]
    ids = entry.get("registry_ids")
    ids_pair = _pair(item, "registry_ids")
    missing_id = ids is None or (isinstance(ids, list) and m.nct not in ids)
    if item.flow_style:
        reg = _pair(item, "registry")
        if reg is not None:
            t.replace(reg[1].start_mark.index, reg[1].end_mark.index, _flow(registry))
        else:
            close = item.end_mark.index - 1
            t.replace(close, close, ", registry: " + _flow(registry))
        if missing_id and ids_pair is None:
            close = item.end_mark.index - 1
            t.replace(close, close, ", registry_ids: " + _flow([m.nct]))
        elif missing_id:
            _add_id(t, style, ids_pair, m.nct, shown)
        return
    column = item.start_mark.column
    text = _dump(style, "registry", registry, column)
    if missing_id and ids_pair is None:
        text = _dump(style, "registry_ids", [m.nct], column) + style.eol + " " * column + text
    elif missing_id:
        _add_id(t, style, ids_pair, m.nct, shown)
    reg = _pair(item, "registry")
    if reg is None:
        _insert_lines(t, style, t.content_end(item), " " * column + text)
        return
    key, value = reg
    if isinstance(value, SequenceNode):
        raise MscrefError(f"{shown}: the trial for {m.nct}: 'registry' must be a mapping")
    start, end = key.start_mark.index, t.content_end(value)
    if end <= key.end_mark.index:  # 'registry:' with nothing after it
        end = key.end_mark.index + 1
    t.replace(start, end, text)


def _add_id(t: _Text, style: Style, ids_pair: tuple[Any, Any] | None, nct: str, shown: str) -> None:
    from ruamel.yaml.nodes import SequenceNode

    assert ids_pair is not None
    _key, value = ids_pair
    if not isinstance(value, SequenceNode):
        raise MscrefError(f"{shown}: registry_ids of the trial for {nct} is not a list; make it one")
    close = value.end_mark.index - 1
    if value.flow_style:
        t.replace(close, close, (", " if value.value else "") + _flow(nct))
        return
    if not value.value:
        raise MscrefError(f"{shown}: registry_ids of the trial for {nct} is empty; list the id there")
    last = value.value[-1]
    dash = t.text.rfind("-", t.line_start(last.start_mark.index), last.start_mark.index)
    _insert_lines(t, style, t.content_end(last), " " * t.column(dash) + "- " + nct)


_TRIAL_PATH = re.compile(r"trials\[([0-9]+)\]\.?(.*)")


def blame_import(problems: list[Problem], result: MergeResult, shown: str) -> list[ImportProblem | Problem]:
    """Problems of the merged file (shown as ``shown``, never written) told against the input
    record that wrote the trial concerned: its lines would point into a file that does not exist.
    Problems elsewhere stay as they are."""
    out: list[ImportProblem | Problem] = []
    for p in problems:
        m = _TRIAL_PATH.fullmatch(p.path) if p.file == shown else None
        mapped = result.written_by.get(int(m.group(1))) if m else None
        if m is None or mapped is None or mapped.study is None:
            out.append(p)
            continue
        field_path = m.group(2)
        message = f"{field_path}: {p.message}" if field_path else p.message
        out.append(ImportProblem(mapped.study.file, mapped.study.label, f"the trial it maps to: {message}"))
    return out


def _find(trials: list[Any], nct: str) -> int | None:
    for i, t in enumerate(trials):
        if not isinstance(t, dict):
            continue
        ids = t.get("registry_ids") or []
        registry = t.get("registry") or {}
        if (isinstance(ids, list) and nct in ids) or (
            isinstance(registry, dict) and registry.get("id") == nct
        ):
            return i
    return None
