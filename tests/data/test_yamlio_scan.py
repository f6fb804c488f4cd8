"""The safety scan's character searches agree with the regular expressions they stand for.

The scan before the fast parser looks for characters with ``str.find`` and ``bytes.translate``
(a regex character class tests every character and was most of the scan's time). Each search is
checked here against the plain regex that says what it must find.
"""

from __future__ import annotations

import re

from hypothesis import example, given, settings
from hypothesis import strategies as st

from mscref.data.yamlio import (
    _NODE_START,
    _document_marker,
    _odd_block_scalar,
    _open_flow,
    _risky,
    _risky_chars,
    _suspect_numbers,
)

_SUSPECT_NUMBERS = re.compile(r"[0-9](?:[xXoObB_eE]|[0-9]{29})")
_DOCUMENT_MARKER = re.compile(r"(?:\A|\n)(?:---|\.\.\.)(?=[ \t\r\n]|\Z)")
_OPEN_FLOW = re.compile(r"[\[{][^\[{\n]*+(?<![\]}])(?:\n|\Z)")
_SUSPECT_CHARS = re.compile(
    r"[!&*\t%<\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]"
)
_ALWAYS_RISKY = frozenset(
    [
        *(chr(c) for c in [*range(0x01, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]),
        *"\u2028\u2029\ufeff\ufffe\uffff\t",
    ]
)


def _risky_chars_by_regex(text: str) -> bool:
    for m in _SUSPECT_CHARS.finditer(text):
        tok, start = m.group(0), m.start()
        before = text[start - 1] if start else "\n"
        if tok in _ALWAYS_RISKY or "\ud800" <= tok <= "\udfff":
            return True
        if tok == "%" and before == "\n":
            return True
        if tok in "!&*" and _may_start_node(text, start, before):
            return True
        if tok == "<" and text.startswith("<<", start):
            return True
    return False


def _may_start_node(text: str, start: int, before: str) -> bool:
    """The same rule as the scan's, written out on the text: after spaces, only where what
    precedes them could start a node."""
    if before == "-":
        return start > 1 and text[start - 2] in " \n"
    if before != " ":
        return before in _NODE_START
    stripped = text[:start].rstrip(" ")
    return not stripped or stripped[-1] in "\n\r:,[{-?"


def _odd_block_scalar_by_regex(text: str) -> bool:
    """The first version, walking every "|" and ">" with a regex."""
    from mscref.data.yamlio import _BLOCK_HEADER

    for m in re.finditer(r"[|>]", text):
        at = m.start()
        before = at - 1
        while before >= 0 and text[before] == " ":
            before -= 1
        prev = text[before] if before >= 0 else "\n"
        if prev in ":-" and before == at - 1:
            continue
        if prev not in "[{,:-\n":
            continue
        line_start = text.rfind("\n", 0, at) + 1
        if "[" in text[line_start:at] or "{" in text[line_start:at] or not _BLOCK_HEADER.match(text, at):
            return True
    return False


# YAML-ish text: mostly harmless characters, with the ones the scan looks for mixed in
_PIECES = st.sampled_from(
    [
        *"ab01 \n\r\t-:,.#'\"?_[]{}|>%!&*<",
        *"\x01\x08\x0b\x0c\x0e\x1f\x7f\x80\x85\x9f\xa0\xc2é中\u2028\u2029\ufeff\ufffe\uffff\ud800\udfff",
        "---",
        "...",
        "<<",
        "- ",
        "\n- ",
        ": ",
        "\U0001f600",
    ]
)
_TEXT = st.lists(_PIECES, max_size=40).map("".join)


@settings(max_examples=3000, deadline=None)
@given(_TEXT)
@example("---")
@example("a\n...")
@example("a\n--- b")
@example("a\n----\n---")
@example("k: [a,\n  b]")
@example("k: [a]\r\n")
@example("k: {a: 1} # c\n")
@example("- &a x\n- *a\n")
@example("%YAML 1.2\n")
@example("<<: x\n")
@example("a: \x85b\n")
@example("a:|\n")
def test_the_character_searches_find_what_their_regexes_find(text: str) -> None:
    if not re.search("[\ud800-\udfff]", text):  # UTF-8 has no lone surrogates: _risky refuses them first
        data = text.encode()
        assert _document_marker(data) == bool(_DOCUMENT_MARKER.search(text))
        assert _open_flow(data) == bool(_OPEN_FLOW.search(text))
        assert _risky_chars(data) == _risky_chars_by_regex(text)
    assert _odd_block_scalar(text) == _odd_block_scalar_by_regex(text)


def test_each_search_can_say_yes_and_no() -> None:
    assert _document_marker(b"a: 1\n--- \n") and not _document_marker(b"a: ---\n")
    assert _open_flow(b"k: [a,\n") and not _open_flow(b"k: [a]\n")
    assert _risky_chars(b"k: !!str x\n") and not _risky_chars(b"k: a!b\n")
    assert _risky_chars(b"k:   &a x\n") and _risky_chars(b"- [x, *a]\n") and _risky_chars(b"k: x\n  &a\n")
    assert not _risky_chars(b"k: Smith & Jones\n") and not _risky_chars(b'k: "2 * 3"\n')
    assert _risky_chars("k: a\x85b\n".encode()) and not _risky_chars("k: é\n".encode())
    assert list(_suspect_numbers("a: 中1e5", "a: 中1e5".encode())) == [(4, 6)]
    assert _risky("k: a\ud800b\n") and not _risky("k: ab\n")
    assert _odd_block_scalar("k: | x\n") and not _odd_block_scalar("k: a | b\n")


_NUMBERS_TEXT = st.lists(
    st.sampled_from(
        [*"0123456789", *"xXoObB_eE", " ", "\n", "a", "é", "中", "\U0001f600", "0" * 29, "7" * 31]
    ),
    max_size=60,
).map("".join)


@settings(max_examples=3000, deadline=None)
@given(_NUMBERS_TEXT)
@example("1" * 95 + "e5 0x" + "2" * 61)
@example("1" * 31 + "e")
@example("中" + "2" * 30 + "x1")
def test_the_number_search_finds_the_regex_matches(text: str) -> None:
    expected = [m.span() for m in _SUSPECT_NUMBERS.finditer(text)]
    assert list(_suspect_numbers(text, text.encode())) == expected


def test_a_long_run_of_digits_is_answered_at_its_first_match() -> None:
    """The number search is lazy: a million digits cost one match, not a list of a million."""
    text = "a: " + "1" * 1_000_000 + "\n"
    spans = _suspect_numbers(text, text.encode())
    assert next(spans) == (3, 33)
    assert next(spans) == (33, 63)
    assert _risky(text)
