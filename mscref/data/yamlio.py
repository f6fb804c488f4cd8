"""Strict, safe YAML reading that keeps line numbers.

PyYAML's own loaders lose line numbers, silently keep the last of two duplicate keys, read
``no`` as ``False`` and ``2024-12-18`` as a date, and expand aliases without bound. This module
composes the YAML node tree (with the C parser when available) and converts it itself:

- only plain data: mappings, sequences, strings, decimal integers and floats, ``true``/``false``
  and ``null`` (YAML 1.2 core-schema style); any other tag is an error;
- a duplicate key is an error, not a silent overwrite;
- alias expansion is bounded and recursive aliases are refused;
- every mapping and sequence remembers the line of each of its keys and items.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

from mscref.data.errors import Problem
from mscref.data.record import record

#: How many nodes aliases may add on top of the document's own nodes.
MAX_ALIAS_EXPANSION = 10_000
#: Integers with more digits than this stay text (and are refused where a number belongs).
MAX_DIGITS = 30
#: How deep mappings and sequences may nest.
MAX_DEPTH = 64
#: Nesting refused before parsing at all: PyYAML's C parser recurses and would crash the process.
MAX_PARSE_DEPTH = 200
_QUOTED = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\n]|\'\')*\'|(?:^|\s)#[^\n]*', re.M)
_BRACKET = re.compile(r"[\[\]{}\n]")
_INDENT = re.compile(rf"^ {{{2 * MAX_PARSE_DEPTH + 1},}}", re.M)
_DASHES = re.compile(rf"^[ ]*(?:-[ ]+){{{MAX_PARSE_DEPTH}}}", re.M)

_TAG = "tag:yaml.org,2002:"
_NULL_RE = re.compile(r"~|null|Null|NULL|")
_BOOL_RE = re.compile(r"true|True|TRUE|false|False|FALSE")
_INT_RE = re.compile(r"[-+]?[0-9]+")
_FLOAT_RE = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def _strict_resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    table: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    rules = [
        (_TAG + "null", _NULL_RE, ["~", "n", "N", ""]),
        (_TAG + "bool", _BOOL_RE, list("tTfF")),
        (_TAG + "int", _INT_RE, list("-+0123456789")),
        (_TAG + "float", _FLOAT_RE, list("-+.0123456789")),
    ]
    for tag, regexp, first in rules:
        for ch in first:
            table.setdefault(ch if ch else None, []).append((tag, regexp))
    return table


def _loader_class() -> type:
    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    # fullmatch semantics: PyYAML uses regexp.match, so anchor each pattern at the end.
    resolvers = {
        k: [(tag, re.compile(f"(?:{rx.pattern})\\Z")) for tag, rx in v]
        for k, v in _strict_resolvers().items()
    }
    return type("StrictLoader", (base,), {"yaml_implicit_resolvers": resolvers})


_Loader = _loader_class()


class YMap(dict[str, Any]):
    """A mapping that remembers where it, its keys and its values stand (1-based lines)."""

    __slots__ = ("key_lines", "line", "value_lines")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}
        self.value_lines: dict[str, int] = {}


class YSeq(list[Any]):
    """A sequence that remembers where it and each of its items stand (1-based lines)."""

    __slots__ = ("item_lines", "line")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines: list[int] = []


@record
class Document:
    """A parsed file: its root value, or the problems that kept it from parsing."""

    path: str
    root: Any
    problems: tuple[Problem, ...]


# PyYAML (like YAML 1.1) also breaks lines at NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR;
# editors and ``grep -n`` do not, so its line numbers after one of them run ahead.
_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def editor_lines(text: str) -> list[int] | None:
    """For each line as PyYAML counts them (from 0), the line an editor shows (from 1); None when
    the two agree (no NEL, LS or PS in the text)."""
    if "\x85" not in text and "\u2028" not in text and "\u2029" not in text:
        return None
    table, line = [1], 1
    for m in _YAML_BREAK.finditer(text):
        if m.group() not in ("\x85", "\u2028", "\u2029"):
            line += 1
        table.append(line)
    return table


def _editor_line(mark_line: int, table: list[int] | None) -> int:
    if table is None or mark_line >= len(table):
        return mark_line + 1
    return table[mark_line]


class _Converter:
    def __init__(self, path: str, lines: list[int] | None = None) -> None:
        self.path = path
        self.lines = lines
        self.problems: list[Problem] = []
        self.budget = MAX_ALIAS_EXPANSION
        self.seen: set[int] = set()
        self.stack: set[int] = set()
        self.bombed = False

    def fail(self, line: int, where: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, where, message))

    def line(self, node: yaml.Node) -> int:
        return _editor_line(node.start_mark.line, self.lines)

    def convert(self, node: yaml.Node, where: str, depth: int) -> Any:
        line = self.line(node)
        key = id(node)
        if key in self.stack:
            self.fail(line, where, "a recursive alias refers to itself")
            return None
        if key in self.seen:
            # An alias: the same node again. Every expanded node costs from the budget.
            self.budget -= 1
            if self.budget < 0:
                if not self.bombed:
                    self.fail(
                        line,
                        where,
                        f"aliases expand to more than {MAX_ALIAS_EXPANSION} extra nodes "
                        "(an alias bomb?); write the data out instead",
                    )
                    self.bombed = True
                return None
        self.seen.add(key)
        if depth > MAX_DEPTH:
            self.fail(line, where, f"nesting deeper than {MAX_DEPTH} levels")
            return None
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, where, line)
        self.stack.add(key)
        try:
            if isinstance(node, yaml.MappingNode):
                return self.mapping(node, where, line, depth)
            if isinstance(node, yaml.SequenceNode):
                return self.sequence(node, where, line, depth)
        finally:
            self.stack.discard(key)
        raise AssertionError(f"unknown node type {type(node).__name__}")  # pragma: no cover

    def scalar(self, node: yaml.ScalarNode, where: str, line: int) -> Any:
        tag, value = node.tag, node.value
        if tag == _TAG + "str":
            return value
        if tag == _TAG + "null" and _NULL_RE.fullmatch(value):
            return None
        if tag == _TAG + "bool" and _BOOL_RE.fullmatch(value):
            return value.lower() == "true"
        if tag == _TAG + "int" and _INT_RE.fullmatch(value):
            sign, unsigned = (value[0], value[1:]) if value[0] in "+-" else ("", value)
            significant = unsigned.lstrip("0") or "0"
            digits = len(significant)
            if digits > MAX_DIGITS:  # no count is that large, and Python refuses very long ones
                self.fail(
                    line,
                    where,
                    f"a number of {digits} digits is too large (at most {MAX_DIGITS}); "
                    "quote it if it is text",
                )
                return None
            return int(sign + significant)
        if tag == _TAG + "float" and _FLOAT_RE.fullmatch(value):
            return float(value)
        self.fail(line, where, f"unsupported YAML tag {_short_tag(tag)} on {value!r}")
        return None

    def mapping(self, node: yaml.MappingNode, where: str, line: int, depth: int) -> YMap | None:
        if node.tag != _TAG + "map":
            self.fail(line, where, f"unsupported YAML tag {_short_tag(node.tag)} on a mapping")
            return None
        out = YMap(line)
        for knode, vnode in node.value:
            kline = self.line(knode)
            if not isinstance(knode, yaml.ScalarNode) or knode.tag != _TAG + "str":
                shown = knode.value if isinstance(knode, yaml.ScalarNode) else "a collection"
                self.fail(kline, where, f"keys must be plain text, got {shown!r}")
                continue
            k = knode.value
            child = f"{where}.{k}" if where else k
            if k in out.key_lines:
                self.fail(
                    kline,
                    child,
                    f"duplicate key {k!r} (first at line {out.key_lines[k]}); "
                    "YAML would silently keep only the last one",
                )
                continue
            out.key_lines[k] = kline
            out.value_lines[k] = self.line(vnode)
            out[k] = self.convert(vnode, child, depth + 1)
        return out

    def sequence(self, node: yaml.SequenceNode, where: str, line: int, depth: int) -> YSeq | None:
        if node.tag != _TAG + "seq":
            self.fail(line, where, f"unsupported YAML tag {_short_tag(node.tag)} on a list")
            return None
        out = YSeq(line)
        for i, item in enumerate(node.value):
            out.item_lines.append(self.line(item))
            out.append(self.convert(item, f"{where}[{i}]", depth + 1))
        return out


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


def _too_deep(text: str) -> int | None:
    """The line where flow brackets, "- - -" chains or indentation nest deeper than
    MAX_PARSE_DEPTH, or None. Quoted text and comments are left out of the count."""
    stripped = _QUOTED.sub("", text)  # the patterns never span a line break
    depth, line = 0, 1
    for m in _BRACKET.finditer(stripped):
        ch = m.group(0)
        if ch == "\n":
            line += 1
        elif ch in "[{":
            depth += 1
            if depth > MAX_PARSE_DEPTH:
                return line
        else:
            depth = max(0, depth - 1)
    for pattern in (_DASHES, _INDENT):
        found = pattern.search(text)
        if found:
            return text.count("\n", 0, found.start()) + 1
    return None


def _yaml_error_problem(path: str, source: str, exc: yaml.YAMLError) -> Problem:
    if isinstance(exc, yaml.reader.ReaderError):  # a character YAML does not allow
        # libyaml counts the position in bytes of UTF-8, PyYAML's own reader in characters
        c_reader = issubclass(_Loader, getattr(yaml, "CSafeLoader", ()))
        at = (
            source.encode("utf-8", "surrogatepass")[: exc.position].count(b"\n")
            if c_reader
            else source.count("\n", 0, exc.position)
        ) + 1
        char = exc.character if isinstance(exc.character, str) else chr(exc.character)
        return Problem(path, at, "", f"YAML does not allow the character U+{ord(char):04X} ({exc.reason})")
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    table = editor_lines(source)
    line = _editor_line(mark.line, table) if mark is not None else None
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    context_mark = getattr(exc, "context_mark", None)
    if context and context_mark is not None and mark is not None and context_mark.line != mark.line:
        context += f" (started at line {_editor_line(context_mark.line, table)})"
    text = f"{context}, {problem}" if context else problem
    if mark is not None:
        text += f" (column {mark.column + 1})"
        lines = source.split("\n")
        if line is not None and line <= len(lines) and "\t" in lines[line - 1]:
            text += "; YAML does not allow tabs for indentation, use spaces"
    if "invalid Unicode character escape" in text:
        text += (
            "; an escape cannot be half of a UTF-16 surrogate pair (like \\ud83d): write the character"
            " itself, or escape it whole (\\U0001F600)"
        )
    return Problem(path, line, "", f"YAML syntax error: {text}")


def decode(path: str, data: bytes) -> tuple[str | None, Problem | None]:
    """The file's text, or the problem that keeps it from being read as UTF-8 YAML."""
    if data.startswith(b"\xef\xbb\xbf"):
        return None, Problem(
            path, 1, "", "the file starts with a byte-order mark (BOM); save it as UTF-8 without BOM"
        )
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return None, Problem(
            path,
            line,
            "",
            f"not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}; save the file as UTF-8",
        )


def parse_text(path: str, text: str) -> Document:
    """Parse YAML text into YMap/YSeq/scalars, collecting every problem found."""
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return Document(path, None, (Problem(path, line, "", "the file contains a NUL byte"),))
    too_deep = _too_deep(text)
    if too_deep is not None:
        return Document(
            path, None, (Problem(path, too_deep, "", f"the YAML nests deeper than {MAX_PARSE_DEPTH} levels"),)
        )
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as exc:
        return Document(path, None, (_yaml_error_problem(path, text, exc),))
    except RecursionError:
        return Document(path, None, (Problem(path, None, "", "the YAML nests too deeply"),))
    finally:
        loader.dispose()
    if node is None:
        return Document(path, None, (Problem(path, 1, "", "the file is empty"),))
    conv = _Converter(path, editor_lines(text))
    root = conv.convert(node, "", 0)
    if root is None and not conv.problems:
        conv.fail(conv.line(node), "", "the file holds only null; expected a mapping")
    return Document(path, root, tuple(conv.problems))


# Constructs on which a YAML 1.2 parser and the strict reader could disagree: tags, anchors,
# aliases, merge keys, .inf/.nan, hex/octal and exponent numbers, directives, tabs. A file
# holding none of them reads the same either way (tests/test_yamlio.py checks this).
# Simple scans (a literal, a literal-led word, a digit pair) are much faster than one
# alternation, and a scan for a character class is slow too (the regex engine tests every
# character): characters are looked for with str.find and bytes.translate, which run in
# tight C loops. Each scan may raise false alarms (a digit before any "e"), which the token
# check below settles.
_SUSPECT_WORDS = re.compile(r"\.(?:inf|Inf|INF|nan|NaN|NAN)\b")
# an escaped UTF-16 surrogate ("\ud83d"): the fast parser joins a pair, the strict reader refuses it
_SURROGATE_ESCAPE = re.compile(rb"\\(?:u|U0000)[dD][89a-fA-F]")
# the fast parser reads underscores anywhere in a number (_5, 1.5_, 1e_3, _.5) as nothing;
# each scan starts with one literal character, which the regex engine finds fast
_SUSPECT_UNDERSCORES = (re.compile(r"_[0-9.]"), re.compile(r"\._"))
# a carriage return that ends no Windows line: an old Mac line break
_LONE_CR = re.compile(rb"\r(?!\n)")
# Where YAML 1.2 reads a plain scalar, an implicit pair or a multi-line key and libyaml sees a
# syntax error: a colon after a flow indicator or a space ([:x], {a: :x}, [ :x]) or before one
# ([x:]), and a line whose last flow bracket is followed by anything but a closing bracket
# at the end (each scan stops at the next opening bracket, so deep nesting stays linear).
_ODD_COLON = re.compile(rb":(?:(?<=[\[{, ]:)|[\]},?])")
# "?" (an explicit key) opening a flow entry or following a space
_ODD_QUESTION = re.compile(rb"\?(?<=[\[{, \n]\?)")
_BLOCK_HEADER = re.compile(r"[|>][-+0-9]*[ \t]*(?:#[^\n]*)?(?:\n|\Z)")
# a block scalar header ending the text (blank lines after it allowed): the fast parser reads
# an empty block scalar at the very end as a line break, the strict reader as nothing
_TRAILING_BLOCK_HEADER = re.compile(r"[|>][-+0-9]*[ \t]*(?:#[^\n]*)?\s*\Z")
_NUMBERISH = re.compile(
    r"[-+]?(?:\.(?:inf|Inf|INF|nan|NaN|NAN)|0[xXoObB][0-9a-fA-F_]+|[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+"
    r"|[0-9][0-9_]*_[0-9_]*(?:\.[0-9_]*)?)"
)
# a number once its underscores are dropped (any sign, dot, exponent or base prefix)
_NUMBER_WITHOUT_UNDERSCORES = re.compile(
    r"[-+]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]*)?|0[xXoObB][0-9a-fA-F]*)"
)
# A line whose content starts past column 2 * MAX_PARSE_DEPTH, after spaces and sequence dashes:
# block nesting is at most as deep as its content's column, so without one it stays within the
# strict reader's limit. (yaml-rs itself refuses flow brackets past 256 levels, but a chain of
# "- - - ..." some 20,000 deep overflows its stack and kills the process.)
_DEEP_LINE = re.compile(rb"\n[ -]{%d}" % (2 * MAX_PARSE_DEPTH + 1))
_DEEP_START = re.compile(rb"[ -]{%d}" % (2 * MAX_PARSE_DEPTH + 1))
_NODE_START = " \r\n[{,:"
_TOKEN_REACH = 64  # how far a number-like token is followed (keeps the scan linear)
_TOKEN_END = " \r\n]},#"
_TOKEN_STARTS = _NODE_START + "\"'"  # what a plain token starts after
_TOKEN_BODY = re.compile(r"[^ \r\n\]},#\"']*")  # what it runs on over, to _TOKEN_END or a quote
#: every character a token matched by _NUMBERISH or _NUMBER_WITHOUT_UNDERSCORES can hold: digits,
#: signs, point, underscore, base marks, hex digits (the exponent's e among them), .inf and .nan
_NUMBER_CHARS = frozenset("0123456789+-._xXoObBaAcCdDeEfFiInN")


def _risky(text: str) -> bool:
    """Whether the text may hold a construct the fast parser reads differently, or nesting
    deep enough to crash it (conservative: a false alarm only costs speed)."""
    try:
        # the searches for ASCII run on the UTF-8 bytes, where an ASCII byte stands only for
        # itself: half the size of a text with Chinese in it (two bytes a character as str)
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        return True  # a lone surrogate, the only character UTF-8 cannot encode
    if b"\x00" in data or (b"\r" in data and _LONE_CR.search(data)):
        return True  # a NUL (which the fast parser may read as the end), or an old Mac line break
    if _DEEP_LINE.search(data) or _DEEP_START.match(data):
        return True  # block nesting past the strict reader's limit (yaml-rs overflows its stack)
    if not text.endswith("\n") and ("|" in text or ">" in text):
        return True  # a block scalar on the last line: the fast parser adds a line break
    if _TRAILING_BLOCK_HEADER.search(text, max(0, len(text) - 256)):
        return True
    if _SURROGATE_ESCAPE.search(data) or _ODD_COLON.search(data) or _open_flow(data):
        return True
    if _document_marker(data) or _ODD_QUESTION.search(data) or _odd_block_scalar(text):
        return True
    if _risky_chars(data):
        return True
    scans = (
        _spans(_SUSPECT_WORDS.finditer(text)),
        _suspect_numbers(text, data),
        *(_spans(rx.finditer(text)) for rx in _SUSPECT_UNDERSCORES),
    )
    return any(_risky_match(text, scan) for scan in scans)


def _spans(matches: Iterator[re.Match[str]]) -> Iterator[tuple[int, int]]:
    return (m.span() for m in matches)


# [0-9](?:[xXoObB_eE]|[0-9]{29}) (a digit, then a base, underscore or exponent mark, or 29 more
# digits) on the UTF-8 bytes: each digit byte marked "0", each byte that may follow a
# digit in a match ([xXoObB_eE]) "x", every other byte " " (an ASCII byte stands only for
# itself, so adjacent bytes "0x" are adjacent characters).
_NUMBER_MARKS = bytes.maketrans(
    bytes(range(256)),
    bytes(0x30 if 0x30 <= b <= 0x39 else 0x78 if b in b"xXoObB_eE" else 0x20 for b in range(256)),
)
_DIGIT_AND_MARK = b"0x"
_THIRTY_DIGITS = b"0" * 30
# UTF-8 bytes that start a character (all but the continuation bytes 0x80-0xBF)
_NOT_CONTINUATION_BYTES = bytes(b for b in range(256) if not 0x80 <= b < 0xC0)


def _finds(data: bytes, needle: bytes, step: int) -> Iterator[int]:
    at = data.find(needle)
    while at != -1:
        yield at
        at = data.find(needle, at + step)


def _suspect_numbers(text: str, data: bytes) -> Iterator[tuple[int, int]]:
    """The spans of ``re.finditer(r"[0-9](?:[xXoObB_eE]|[0-9]{29})", text)``, found with
    bytes.find on ``data`` (the text as UTF-8), much faster than the regex's character-class
    scan (tests/data/test_yamlio_scan.py checks the two agree)."""
    marks = data.translate(_NUMBER_MARKS)
    # every byte where the regex could match (a digit, then a mark or 29 digits), in order and
    # one at a time, so that the caller's first hit ends the search: a 30-digit match is never
    # inside an earlier match (the byte before it is no mark), and whatever starts inside it is
    # skipped as finditer skips it, so the next 30 digits are sought from its end
    starts = heapq.merge(_finds(marks, _DIGIT_AND_MARK, 1), _finds(marks, _THIRTY_DIGITS, 30))
    ascii_text = len(data) == len(text)
    byte_at = char_at = 0
    end = -1
    for at in starts:
        if not ascii_text:  # the character index of byte ``at``
            char_at += at - byte_at - len(data[byte_at:at].translate(None, _NOT_CONTINUATION_BYTES))
            byte_at = at
        start = at if ascii_text else char_at
        if start < end:
            continue  # inside the previous match: finditer goes on from its end
        end = start + (2 if marks[at + 1] == 0x78 else 30)
        yield start, end


def _document_marker(data: bytes) -> bool:
    """Whether a line of the text (``data``, as UTF-8) starts with a document marker (``---``
    or ``...``) followed by a space, a tab, a line break or the end of the text."""
    size = len(data)
    for marker in (b"---", b"..."):
        if data.startswith(marker) and (size == 3 or data[3] in b" \t\r\n"):
            return True
        needle = b"\n" + marker
        at = data.find(needle)
        while at != -1:
            after = at + 4
            if after == size or data[after] in b" \t\r\n":
                return True
            at = data.find(needle, after)  # the next line break is at ``after`` or later
    return False


def _open_flow(data: bytes) -> bool:
    """Whether a line of the text (``data``, as UTF-8) holding a flow bracket ("[" or "{") ends
    in anything but a closing one ("]" or "}"): a flow collection that goes on past its line,
    or text after it."""
    for opener in b"[{":
        at = data.find(opener)
        while at != -1:
            end = data.find(b"\n", at)
            if end == -1:
                end = len(data)
            if data[end - 1] not in b"]}":
                return True
            at = data.find(opener, end)  # the next line
    return False


# Characters risky wherever they stand: those a YAML 1.1 reader treats differently from a YAML 1.2
# one (line breaks, C1 controls, BOM) and tabs. As UTF-8: C0 controls but NUL, line feed and
# carriage return, and DEL (an ASCII byte stands only for itself in UTF-8) ...
_RISKY_BYTES = bytes([*range(0x01, 0x0A), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_OTHER_BYTES = bytes(b for b in range(256) if b not in _RISKY_BYTES)


#: ... and the C1 controls (U+0080-U+009F), LINE SEPARATOR, PARAGRAPH SEPARATOR, BOM, U+FFFE and
#: U+FFFF, sought as their UTF-8 bytes.
_C1_CONTROL = re.compile(rb"\xc2[\x80-\x9f]")  # U+0080-U+009F as UTF-8
#: Each is sought by a regex that starts with two literal bytes: ``bytes.__contains__`` slows to
#: a fifth of that speed on Chinese text, whose many 0xE2-0xEF lead bytes start partial matches.
_RISKY_SEQUENCES = (
    re.compile(rb"\xe2\x80[\xa8\xa9]"),  # U+2028, U+2029
    re.compile(rb"\xef\xbb\xbf"),  # U+FEFF
    re.compile(rb"\xef\xbf[\xbe\xbf]"),  # U+FFFE, U+FFFF
)
#: Characters risky where a node may start: "%" at the start of a line (a directive), "!", "&"
#: and "*" after a node's start (a tag, an anchor, an alias), "<<" (a merge key).
_NODE_START_BYTES = frozenset(_NODE_START.encode())


def _risky_chars(data: bytes) -> bool:
    """Whether the text (``data``, as UTF-8) holds a character that is risky anywhere (see
    :data:`_RISKY_BYTES`) or a tag, anchor, alias, directive or merge key."""
    if data.translate(None, _OTHER_BYTES):
        return True
    # C1 controls, line and paragraph separators, byte-order marks and non-characters: a lead
    # byte of UTF-8 never occurs inside another character, so each is found as its bytes
    if _C1_CONTROL.search(data) or any(rx.search(data) for rx in _RISKY_SEQUENCES):
        return True
    # the rest are ASCII: their neighbours in the bytes are their neighbours in the text
    for ch in b"%!&*<":
        at = data.find(ch)
        while at != -1:
            before = data[at - 1] if at else 0x0A
            if ch == 0x25:  # %
                if before == 0x0A:
                    return True
            elif ch == 0x3C:  # <
                if data.startswith(b"<<", at):
                    return True
            elif _starts_node(data, at, before):
                return True
            at = data.find(ch, at + 1)
    return False


#: What a node can follow, looking back past spaces: a line break, a mapping's or a flow
#: collection's indicator, a sequence's dash or an explicit key's question mark.
_NODE_INDICATORS = frozenset(b"\n\r:,[{-?")


def _starts_node(data: bytes, at: int, before: int) -> bool:
    """Whether the "!", "&" or "*" at ``at`` may start a node (a tag, an anchor, an alias).

    Right after a node's start (a space, a line break, ``[{,:``) or a dash that follows a space,
    it may. After spaces, only when what precedes the spaces could itself start a node: in
    ``title: Smith & Jones`` the "&" is text inside a plain scalar, as it is in a quoted one."""
    if before == 0x2D:  # "-": a dash that is itself at a node's start ("- &a"), not "x-&a"
        return at > 1 and data[at - 2] in b" \n"
    if before != 0x20:
        return before in _NODE_START_BYTES
    back = at - 1
    while back >= 0 and data[back] == 0x20:
        back -= 1
    return back < 0 or data[back] in _NODE_INDICATORS


def _odd_block_scalar(text: str) -> bool:
    """A "|" or ">" that starts a scalar inside a flow collection, or whose header line holds
    more than indicators and a comment: the two readers disagree on both."""
    for indicator in "|>":
        at = text.find(indicator)
        while at != -1:
            if _odd_block_indicator(text, at):
                return True
            at = text.find(indicator, at + 1)
    return False


def _odd_block_indicator(text: str, at: int) -> bool:
    before = at - 1
    while before >= 0 and text[before] == " ":
        before -= 1
    prev = text[before] if before >= 0 else "\n"
    if prev in ":-" and before == at - 1:
        return False  # "a:|b", "a-|b": inside a plain scalar
    if prev not in "[{,:-\n":
        return False  # "x | y": inside a plain scalar
    line_start = text.rfind("\n", 0, at) + 1
    return "[" in text[line_start:at] or "{" in text[line_start:at] or not _BLOCK_HEADER.match(text, at)


def _risky_match(text: str, scan: Iterator[tuple[int, int]]) -> bool:
    covered = -1  # the end of the last token examined: a match inside it adds nothing
    for start, stop in scan:
        tok = text[start:stop]
        if start < covered:
            continue
        if len(tok) > 1 and tok.isdigit():  # thirty digits
            return True
        # a number-like token: risky only as a whole plain scalar
        floor, ceiling = max(0, start - _TOKEN_REACH), min(len(text), stop + _TOKEN_REACH)
        begin = max(text.rfind(c, floor, start) for c in _TOKEN_STARTS) + 1 or floor
        end = _TOKEN_BODY.match(text, stop, ceiling).end()  # type: ignore[union-attr]
        if begin == floor > 0 or end == ceiling < len(text):
            if not _NUMBER_CHARS.issuperset(text[begin:end]):
                covered = end  # a part of it no number holds ("/", "h" in an address): text
                continue
            return True  # a token this long is no number we know: let the strict reader decide
        covered = end
        token = text[begin:end]
        if _NUMBERISH.fullmatch(token):
            return True
        if "_" in token and _NUMBER_WITHOUT_UNDERSCORES.fullmatch(token.replace("_", "")):
            return True
    return False


def fast_parse(text: str) -> Any:
    """The data of a plain YAML document read by a fast parser, without line numbers; None when
    the fast parser is missing, the text holds anything it might read differently, or it fails.
    A caller that finds a problem in the result re-reads the file with :func:`parse_text` to
    report it with its line.

    The safety scan comes first: the fast parser never sees a text it refuses. A large text is
    then parsed in pieces on worker threads where there are cores for them (the parser lets go
    of the interpreter lock while it parses; ``benchmarks/`` measures what this buys)."""
    try:
        import yaml_rs
    except ImportError:  # pragma: no cover - an optional speed-up
        return None
    if _risky(text):
        return None
    failures = (yaml_rs.YAMLDecodeError, ValueError, TypeError, RecursionError)

    def loads(piece: str) -> Any:
        return yaml_rs.loads(piece, parse_datetime=False)

    bounds = _cuts(text)
    data = None
    try:
        if bounds is not None:
            data = _parsed_pieces(text, bounds, loads, _parse_workers())
    except failures:
        data = None  # a piece that does not parse on its own: parse the whole text
    try:
        if data is None:
            data = loads(text)
    except failures:
        return None
    return data if isinstance(data, dict) else None


def _parse_workers() -> int:
    """Threads that parse pieces: one per core this process may run on, at most four (the
    parser holds the interpreter lock while it makes the Python objects, so more do not pay);
    none on a single core, where a worker could only take turns with this thread."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - platforms without affinity
        cores = os.cpu_count() or 1
    return min(4, cores) if cores > 1 else 0


#: A large file is parsed in pieces of about this many characters: one parse of 100k trials
#: takes more than ten times as long as one of 10k (the parser's working set outgrows the
#: processor's caches), pieces keep it linear.
PIECE_CHARS = 1 << 20
_ITEM_START = re.compile(r"\n  - ")  # an item of a sequence indented two spaces
_COLUMN_0 = re.compile(r"\n[^\s#]")  # a line that starts at the left margin
_COLUMN_1 = re.compile(r"\n \S")  # a line indented one space
_EMPTY_KEY = re.compile(r"[A-Za-z0-9_][^:\n]*:[ ]*(?:#[^\n]*)?")  # "trials:" and nothing after it
_CONTINUED = "mscref-continued-items"


def _parsed_pieces(
    text: str, bounds: list[tuple[int, int, int]], loads: Callable[[str], Any], workers: int
) -> dict[str, Any] | None:
    """The pieces of ``text`` parsed and joined: on ``workers`` threads, or in this one when
    there are none or none can be started (a process or thread limit)."""
    if workers:
        from concurrent.futures import ThreadPoolExecutor

        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mscref-yaml")
        try:
            try:
                futures = [pool.submit(_load_piece, loads, text, i, start, end) for i, start, end in bounds]
            except RuntimeError:  # a thread could not be started (a process or thread limit)
                futures = None
            if futures is not None:
                return _joined([f.result() for f in futures])
        finally:  # a failing piece (or an interrupt) cancels the pieces not begun; no thread outlives this
            pool.shutdown(wait=True, cancel_futures=True)
    return _joined([_load_piece(loads, text, i, start, end) for i, start, end in bounds])


def _cuts(text: str) -> list[tuple[int, int, int]] | None:
    """The pieces of a large text as (index, start, end), or None when it cannot be cut safely.

    Cuts fall only between the items of a sequence indented two spaces under a top-level key
    that has nothing else on its line (``trials:``), so each piece after the first starts with
    whole items. No cut is made in a text with lines indented one space (where two spaces could
    mean nesting); a cut inside a multi-line quoted string leaves a piece that does not parse,
    and the caller then parses the whole text.
    """
    if len(text) < 2 * PIECE_CHARS or _CONTINUED in text or _COLUMN_1.search(text):
        return None
    margins = [0, *(m.start() + 1 for m in _COLUMN_0.finditer(text))]
    cuts: list[int] = []
    at = PIECE_CHARS
    while (m := _ITEM_START.search(text, at)) is not None:
        cut = m.start() + 1
        owner_line = margins[bisect.bisect_right(margins, cut) - 1]
        line_end = text.find("\n", owner_line)
        previous_line = text[text.rfind("\n", 0, cut - 1) + 1 : cut - 1]
        if (
            _EMPTY_KEY.fullmatch(text, owner_line, line_end)
            and _ITEM_START.search(text, line_end, cut - 1) is not None  # not the key's first item
            # nor after a blank line or a block scalar header: the fast parser ends a block
            # scalar differently at the end of its input
            and previous_line.strip()
            and not _TRAILING_BLOCK_HEADER.search(text, max(0, cut - 256), cut)
        ):
            cuts.append(cut)
            at = cut + PIECE_CHARS
        else:
            at = cut + 1
    if not cuts:
        return None
    bounds = [0, *cuts, len(text)]
    return [(i, start, end) for i, (start, end) in enumerate(itertools.pairwise(bounds))]


def _load_piece(loads: Callable[[str], Any], text: str, i: int, start: int, end: int) -> Any:
    """The data of piece ``i``; a piece after the first is parsed as the items of one key."""
    return loads(text[start:end] if i == 0 else f"{_CONTINUED}:\n{text[start:end]}")


def _joined(pieces: list[Any]) -> dict[str, Any] | None:
    """The parsed pieces as one document, or None when they do not join into the whole text's."""
    out: dict[str, Any] = {}
    for i, data in enumerate(pieces):
        if not isinstance(data, dict):
            return None
        if i:
            items, owner = data.pop(_CONTINUED, None), next(reversed(out), None)
            if not isinstance(items, list) or owner is None or not isinstance(out[owner], list):
                return None
            out[owner].extend(items)
        if any(key in out for key in data):
            return None  # a key twice: the whole text is parsed, and refused
        out.update(data)
    return out


def read_file(path: Path, shown: str | None = None, fast: bool = False) -> Document:
    """Read and parse one YAML file; problems (missing, too large, not UTF-8 …) are data.

    With ``fast``, a plain file is read by the fast parser: the result has no line numbers,
    and a caller that finds a problem must parse the same bytes again without ``fast``."""
    from mscref.data.rawfile import read_data

    name = shown or str(path)
    data = read_data(path, name)
    if isinstance(data, Problem):
        return Document(name, None, (data,))
    return parse_bytes(name, data, fast=fast)


def parse_bytes(name: str, data: bytes, fast: bool = False) -> Document:
    """Parse the bytes of one YAML file (see :func:`read_file`)."""
    text, problem = decode(name, data)
    if problem is not None or text is None:
        return Document(name, None, (problem,) if problem else ())
    if fast:
        root = fast_parse(text)
        if root is not None:
            return Document(name, root, ())
    return parse_text(name, text)
