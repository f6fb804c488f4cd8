"""The table renderer's shortcuts give what its general, character-by-character path gives."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len as rich_cell_len

from mscref.render.termtable import (
    _MOSTLY_NARROW,
    _hard_split,
    _one_column,
    _pieces,
    _units,
    _wrap_words,
    cell_len,
    is_one_column,
    measure,
    wrap,
)

# What tables hold: words, numbers, dashes, the text forest plots, Chinese, and the characters
# whose width is not one column (combining marks, joiners, wide emoji).
_PIECES = [
    *"ab1 -/,;.%()",
    "·",
    "├",
    "┤",
    "─",
    "■",
    "◆",
    "–",
    "τ²",
    "移植物",
    "\u0301",  # combining acute accent: no column
    "\u200d",  # zero width joiner
    "\ufe0f",  # variation selector 16
    "⌚",  # wide emoji inside a mostly narrow block
    "\u3000",
    "https://x.org/a-b",
]
table_text = st.lists(st.sampled_from([*_PIECES, "\n"]), max_size=24).map("".join)
word = st.lists(st.sampled_from([p for p in _PIECES if " " not in p]), min_size=1, max_size=16).map("".join)


def test_one_column_characters_are_one_column_for_rich() -> None:
    chars = _one_column()
    assert "─" in chars and "–" in chars and "·" in chars
    assert "⌚" not in chars and "\u0301" not in chars and "移" not in chars
    for lo, hi in _MOSTLY_NARROW:
        for ch in map(chr, range(lo, hi + 1)):
            assert (ch in chars) == (rich_cell_len(ch) == 1 and ch not in "\u200d\ufe0f")


@given(table_text)
@settings(max_examples=500, deadline=None)
def test_cell_len_is_richs(text: str) -> None:
    assert cell_len(text) == rich_cell_len(text)
    if is_one_column(text):
        assert cell_len(text) == len(text)


@given(table_text, st.integers(min_value=1, max_value=30))
@settings(max_examples=500, deadline=None)
def test_wrap_shortcut_equals_word_by_word(text: str, width: int) -> None:
    assert wrap(text, width) == _wrap_words(text, width)


@given(st.sampled_from(["", " ", "  a", "a ", "a  b", " ·─┤", "·─┤ ", "a\n"]), st.integers(1, 5))
def test_wrap_edges(text: str, width: int) -> None:
    assert wrap(text, width) == _wrap_words(text, width)


def _units_by_character(w: str) -> list[str]:
    units: list[str] = []
    run = ""
    for ch in w:
        if not ch.isascii() and rich_cell_len(ch) == 2:
            if run:
                units.append(run)
                run = ""
            units.append(ch)
        else:
            run += ch
    if run:
        units.append(run)
    return units


def _hard_split_by_character(w: str, width: int) -> list[str]:
    pieces, current, used = [], "", 0
    for ch in w:
        n = rich_cell_len(ch)
        if used + n > width and current:
            pieces.append(current)
            current, used = "", 0
        current += ch
        used += n
    if current:
        pieces.append(current)
    return pieces


@given(word, st.integers(min_value=1, max_value=12))
@settings(max_examples=500, deadline=None)
def test_word_splitting_shortcuts_equal_the_character_by_character_definition(w: str, width: int) -> None:
    assert _units(w) == _units_by_character(w)
    assert _hard_split(w, width) == _hard_split_by_character(w, width)


def test_a_forest_row_splits_into_full_pieces() -> None:
    forest = "····├──■───┤·····"
    assert _hard_split(forest, 6) == ["····├─", "─■───┤", "·····"]
    assert wrap(forest, 6) == ["····├─", "─■───┤", "·····"]


def _measure_word_by_word(cells: list[str]) -> tuple[int, int, int]:
    widest = longest_word = longest_piece = 1
    for cell in cells:
        for line in cell.split("\n"):
            widest = max(widest, rich_cell_len(line))
            for w in line.split(" "):
                longest_word = max(longest_word, rich_cell_len(w))
                longest_piece = max(longest_piece, max((rich_cell_len(p) for p in _pieces(w)), default=1))
    return widest, longest_word, longest_piece


@given(st.lists(table_text, min_size=1, max_size=6))
@settings(max_examples=500, deadline=None)
def test_measure_equals_word_by_word(cells: list[str]) -> None:
    assert measure(cells) == _measure_word_by_word(cells)
