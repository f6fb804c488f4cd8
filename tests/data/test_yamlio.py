"""The strict YAML reader: plain data only, every line remembered, nothing silently lost."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mscref.data.yamlio import YMap, YSeq, parse_text, read_file


def test_scalars_follow_the_core_schema() -> None:
    doc = parse_text("x.yaml", "a: no\nb: on\nc: 2024-12-18\nd: 0x10\ne: 1e3\nf: 1.5\ng: true\nh: ~\ni: 12\n")
    assert doc.problems == ()
    assert doc.root == {
        "a": "no",
        "b": "on",
        "c": "2024-12-18",
        "d": "0x10",
        "e": "1e3",
        "f": 1.5,
        "g": True,
        "h": None,
        "i": 12,
    }


def test_lines_of_keys_values_and_items() -> None:
    doc = parse_text("x.yaml", "top:\n  - a: 1\n    b:\n      - x\n      - y\n")
    root = doc.root
    assert isinstance(root, YMap) and root.key_lines["top"] == 1
    items = root["top"]
    assert isinstance(items, YSeq) and items.item_lines == [2]
    inner = items[0]["b"]
    assert inner.item_lines == [4, 5]
    assert items[0].value_lines == {"a": 2, "b": 4}


def test_duplicate_key_inside_a_list_item() -> None:
    doc = parse_text("x.yaml", "items:\n  - id: a\n    id: b\n")
    assert [str(p) for p in doc.problems] == [
        "x.yaml:3: items[0].id: duplicate key 'id' (first at line 2); "
        "YAML would silently keep only the last one"
    ]


def test_custom_and_python_tags_are_refused() -> None:
    doc = parse_text("x.yaml", "a: !custom 1\nb: !!python/name:os.system\n")
    assert [str(p) for p in doc.problems] == [
        "x.yaml:1: a: unsupported YAML tag !custom on '1'",
        "x.yaml:2: b: unsupported YAML tag !!python/name:os.system on ''",
    ]


def test_merge_keys_are_not_expanded() -> None:
    doc = parse_text("x.yaml", "base: &b {a: 1}\nc:\n  <<: *b\n")
    assert doc.problems == ()
    assert doc.root["c"] == {"<<": {"a": 1}}


def test_recursive_alias() -> None:
    doc = parse_text("x.yaml", "a: &a [1, *a]\n")
    assert [str(p) for p in doc.problems] == ["x.yaml:1: a[1]: a recursive alias refers to itself"]


def test_non_string_keys() -> None:
    doc = parse_text("x.yaml", "1: a\n[x]: b\n")
    assert [str(p) for p in doc.problems] == [
        "x.yaml:1: keys must be plain text, got '1'",
        "x.yaml:2: keys must be plain text, got 'a collection'",
    ]


def test_deep_nesting_is_bounded() -> None:
    doc = parse_text("x.yaml", "a: " + "[" * 200 + "]" * 200 + "\n")
    assert doc.problems
    assert "nest" in doc.problems[0].message


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_parses_or_reports_problems(text: str) -> None:
    doc = parse_text("x.yaml", text)
    assert doc.root is not None or doc.problems


def test_importing_the_cli_does_not_import_pandas() -> None:
    heavy = "('pandas', 'numpy', 'statsmodels', 'matplotlib')"
    code = f"import mscref.cli, sys; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_bom_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\n")
    (problem,) = read_file(path, "x.yaml").problems
    assert (
        str(problem) == "x.yaml:1: the file starts with a byte-order mark (BOM); save it as UTF-8 without BOM"
    )


def test_a_long_number_like_token_is_left_to_the_strict_reader() -> None:
    from mscref.data.yamlio import _risky

    assert _risky("title: " + "1e5" * 10000 + "\n")  # follows the token only so far, then gives up
    assert not _risky("title: plain words and 12 numbers\n")


def test_an_overlong_number_is_refused_wherever_it_stands_and_quoted_it_is_text() -> None:
    digits = "9" * 31
    doc = parse_text("x.yaml", f"title: {digits}\nn: -{digits}\nok: {digits[:30]}\n")
    assert [(p.line, p.path) for p in doc.problems] == [(1, "title"), (2, "n")]
    assert all("31 digits is too large (at most 30)" in p.message for p in doc.problems)
    quoted = parse_text("x.yaml", f'title: "{digits}"\n')
    assert quoted.problems == () and quoted.root["title"] == digits


def test_an_escaped_surrogate_pair_is_refused_by_both_readers_alike() -> None:
    from mscref.data.yamlio import fast_parse

    for text in ['a: "\\ud83d\\ude00"\n', 'a: "x \\uDC00"\n', 'a: "\\U0000d83d"\n']:
        assert fast_parse(text) is None  # left to the strict reader, which says why
        (problem,) = parse_text("x.yaml", text).problems
        assert problem.line == 1
        assert "half of a UTF-16 surrogate pair" in problem.message
    assert fast_parse('a: "\\U0001F600 \\u00e9"\n') == {"a": "\U0001f600 \u00e9"}


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_line_numbers_are_an_editors_after_a_unicode_line_separator_in_text(separator: str) -> None:
    text = f'a: "x{separator}y{separator}z"\r\nb: 1\nb: 2\nc: [1, 2\nd: 3\n'
    (dup,) = parse_text("x.yaml", text.split("c:")[0]).problems
    assert (dup.line, dup.path) == (3, "b")
    assert "first at line 2" in dup.message
    (syntax,) = parse_text("x.yaml", text.replace("b: 2\n", "")).problems
    assert syntax.line == 4 and "started at line 3" in syntax.message
    doc = parse_text("x.yaml", text.split("b: 2")[0])
    assert doc.root.value_lines == {"a": 1, "b": 2}


def _same(a: object, b: object) -> bool:
    """Equal values of the same types, all the way down (1, 1.0 and True differ)."""
    both_dicts = isinstance(a, dict) and isinstance(b, dict)
    both_lists = isinstance(a, list) and isinstance(b, list)
    if type(a) is not type(b) and not both_dicts and not both_lists:
        return False
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b or (a != a and b != b)  # NaN


_token = st.text(alphabet="0123456789_.eExXoObB+-aifnNItrusl~ :#'\"[]{},?|>", min_size=1, max_size=8)


def _has_non_text_key(value: object) -> bool:
    if isinstance(value, dict):
        return any(not isinstance(k, str) or _has_non_text_key(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_non_text_key(v) for v in value)
    return False


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(_token, min_size=1, max_size=3),
    st.sampled_from(["\n", "\r\n", ""]),
    st.sampled_from(["plain", "flow-list", "flow-map", "block-scalar"]),
)
def test_the_fast_parser_is_used_only_where_it_reads_as_the_strict_reader(
    tokens: list[str], eol: str, shape: str
) -> None:
    from mscref.data.yamlio import fast_parse

    if shape == "plain":
        text = "".join(f"k{i}: {t}{eol}" for i, t in enumerate(tokens))
    elif shape == "block-scalar":
        text = "".join(f"k{i}: |\n  {t}\n" for i, t in enumerate(tokens[:-1])) + f"z: {tokens[-1]}{eol}"
    elif shape == "flow-list":
        text = f"k: [{', '.join(tokens)}]{eol}"
    else:
        text = "k: {" + ", ".join(f"a{i}: {t}" for i, t in enumerate(tokens)) + "}" + eol
    fast = fast_parse(text)
    if fast is None:
        return  # left to the strict reader
    if _has_non_text_key(fast):
        return  # the validator refuses any key that is not text, which sends the file to the strict reader
    strict = parse_text("x.yaml", text)
    assert strict.problems == (), text
    assert _same(strict.root, fast), (text, strict.root, fast)


@pytest.mark.parametrize(
    "text", ["k: ~50 patients\n", "k: true story\n", "k: null hypothesis\n", "k: False alarm\n"]
)
def test_words_that_start_like_null_or_a_boolean_are_text(text: str) -> None:
    doc = parse_text("x.yaml", text)
    assert doc.problems == ()
    assert doc.root["k"] == text[3:-1]


def test_leading_zeros_do_not_count_towards_the_digit_limit() -> None:
    doc = parse_text("x.yaml", "a: " + "0" * 40 + "7\nb: -" + "0" * 40 + "7\n")
    assert doc.problems == () and doc.root == {"a": 7, "b": -7}


@pytest.mark.parametrize(
    "text",
    [
        "notes: |\n  text",
        "k: |\n",
        "k: [?x]\n",
        "k: {?x: 1}\n",
        "k: [ ?x]\n",
        "k: [|x]\n",
        "k: [>x]\n",
        "k: {a: |2..}\n",
        "k: [?]\n",
        "k: x\ufffe\n",
        "...\nk: 1\n",
        "k: [a:?]\n",
        "k: {a:  | x}\n",
        "k: 1e3\r\n",
        "k: 0x1F\r\n",
        "k: .inf\r\n",
        "k: 1_000\r\n",
        "k: _5\n",
        "k: -_5\n",
        "k: 1.5_\n",
        "k: 1e_3\n",
        "k: 5e7_\n",
        "k: 3._5\n",
        "k: _.5\n",
        "k: a\rb: 1\n",
        "k: [:x]\n",
        "k: {a: :x}\n",
        "k: [x:]\n",
        "k: {a\nb: 1}\n",
    ],
)
def test_constructs_the_two_readers_read_differently_go_to_the_strict_reader(text: str) -> None:
    from mscref.data.yamlio import fast_parse

    assert fast_parse(text) is None


@pytest.mark.parametrize(
    "text",
    [
        # a plain scalar whose continuation lines start with "- " is one string
        "key: a\n  - b\n  - c\n" * 3,
        # a block scalar
        "key: |\n  - b\n  - c\n" * 3,
        # items indented one space: two spaces are nesting
        "key:\n - a\n  - b\n - c\n  - d\n",
        # a top-level sequence whose item holds a sequence
        "key:\n- foo:\n  - x\n  - y\n- bar:\n  - z\n",
        # a quoted string that runs over lines that look like items
        'key:\n  - "a\n  - b\n  - c"\n  - d\n  - e\n',
        # a key that comes twice, once in each piece
        "a:\n  - 1\n  - 2\na:\n  - 3\n  - 4\n",
    ],
)
def test_texts_that_cannot_be_cut_safely_are_parsed_whole(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _pieces_agree(text, monkeypatch, must_cut=False)


@pytest.mark.parametrize(
    "text",
    [
        "a:\n  - 1\n  - 2\nb: 3\nc:\n  - x\n  - y\n  - z\n",
        "a:\n  - {x: 1, y: [1, 2]}\n  - x: 2\n    y:\n    - 3\n  - 3  # note\n# a comment\n  - 4\n",
    ],
)
def test_sequences_under_top_level_keys_are_cut_between_items(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pieces_agree(text, monkeypatch, must_cut=True)


def _in_pieces(text: str, loads: Callable[[str], object]) -> object:
    """The text parsed a piece at a time in this thread, or None when it is not cut."""
    from mscref.data import yamlio

    bounds = yamlio._cuts(text)
    return None if bounds is None else yamlio._parsed_pieces(text, bounds, loads, workers=0)


def _pieces_agree(text: str, monkeypatch: pytest.MonkeyPatch, must_cut: bool) -> None:
    import yaml_rs

    from mscref.data import yamlio

    def loads(piece: str) -> object:
        return yaml_rs.loads(piece, parse_datetime=False)

    try:
        whole = loads(text)
    except yaml_rs.YAMLDecodeError:
        whole = None
    cut = False
    monkeypatch.setattr(yamlio, "_parse_workers", lambda: 2)  # fast_parse below: pieces on threads
    for size in range(1, len(text) // 2 + 1):
        monkeypatch.setattr(yamlio, "PIECE_CHARS", size)
        try:
            pieces = _in_pieces(text, loads)
        except yaml_rs.YAMLDecodeError:
            continue  # fast_parse then parses the whole text
        assert pieces is None or pieces == whole, (size, pieces, whole)
        cut = cut or pieces is not None
        # the same pieces parsed on threads; a piece that fails leaves the whole text to parse
        expected = None if yamlio._risky(text) or not isinstance(whole, dict) else whole
        assert yamlio.fast_parse(text) == expected, size
    assert cut == must_cut


def test_a_large_data_file_is_parsed_in_pieces_to_the_same_data(tmp_path: Path) -> None:
    import yaml_rs

    from benchmarks.generate import generate
    from mscref.data import yamlio

    text = (generate(3000, tmp_path) / "trials.yaml").read_text(encoding="utf-8")
    assert len(text) > 2 * yamlio.PIECE_CHARS
    calls: list[int] = []

    def loads(piece: str) -> object:
        calls.append(len(piece))
        return yaml_rs.loads(piece, parse_datetime=False)

    pieces = _in_pieces(text, loads)
    assert pieces is not None and len(calls) >= 2
    assert pieces == loads(text)
    assert yamlio.fast_parse(text) == pieces


def test_a_cut_never_falls_after_an_empty_block_scalar(monkeypatch: pytest.MonkeyPatch) -> None:
    from mscref.data import yamlio

    text = "trials:\n  - id: a\n  - id: b\n    notes: |\n  - id: c\n    notes: |+\n      x\n\n  - id: d\n"
    for size in range(1, len(text) // 2 + 1):
        monkeypatch.setattr(yamlio, "PIECE_CHARS", size)
        assert yamlio.fast_parse(text) == parse_text("x.yaml", text).root


def test_a_forbidden_character_after_multibyte_text_has_its_line() -> None:
    text = ("a: " + "é" * 38 + "\n") * 3 + "c: x\x07\n"
    (problem,) = parse_text("x.yaml", text).problems
    assert problem.line == 4


def test_a_long_address_with_digits_before_an_e_stays_on_the_fast_path() -> None:
    from mscref.data.yamlio import _risky, fast_parse

    url = "https://www.news.cn/gate/big5/www.xinhuanet.com/health/20250103/333eb0c67e0f4a13b47aea9b97f9b0/c.html"
    text = f"refs:\n  - id: x\n    url: {url}\n"
    assert not _risky(text)
    assert fast_parse(text) == parse_text("x.yaml", text).root == {"refs": [{"id": "x", "url": url}]}


@settings(max_examples=500, deadline=None)
@given(
    st.text(alphabet="0123456789_.eExXoObB+-aifnNI", min_size=65, max_size=160),
    st.sampled_from(["", "h", "/", "g", "z", "é"]),
    st.integers(min_value=0, max_value=160),
)
def test_a_long_token_is_fast_only_where_it_cannot_be_a_number(digits: str, other: str, at: int) -> None:
    from mscref.data.yamlio import fast_parse

    token = digits[:at] + other + digits[at:]
    text = f"k: {token}\nn: 1\n"
    fast = fast_parse(text)
    if fast is None:
        return
    strict = parse_text("x.yaml", text)
    assert strict.problems == ()
    assert _same(strict.root, fast), (text, strict.root, fast)


def test_pieces_parsed_on_threads_give_the_whole_text_and_leave_no_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large text is parsed in pieces on worker threads while the safety scan runs: the data
    is the whole text's, a refused text gives None, and no worker thread is left running."""
    import threading

    import yaml_rs

    from benchmarks.generate import generate
    from mscref.data import yamlio

    text = (generate(800, tmp_path) / "trials.yaml").read_text(encoding="utf-8")
    monkeypatch.setattr(yamlio, "PIECE_CHARS", 50_000)
    monkeypatch.setattr(yamlio, "_parse_workers", lambda: 2)  # threads even on a single core
    bounds = yamlio._cuts(text)
    assert bounds is not None and len(bounds) >= 4

    def workers() -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t.name.startswith("mscref-yaml")]

    assert yamlio.fast_parse(text) == yaml_rs.loads(text, parse_datetime=False)
    assert workers() == []
    # a refused text never reaches the fast parser, not even a piece of it
    risky = text.replace("\n  - id: ", "\n  - id: &anchor ", 1)  # an anchor: left to the strict reader
    assert yamlio._cuts(risky) is not None
    given: list[str] = []
    real_loads = yaml_rs.loads
    monkeypatch.setattr(yaml_rs, "loads", lambda piece, **kw: given.append(piece) or real_loads(piece, **kw))
    assert yamlio.fast_parse(risky) is None
    assert given == [] and workers() == []


def test_when_no_thread_can_start_the_pieces_are_parsed_in_this_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process or thread limit that keeps worker threads from starting costs speed only."""
    from concurrent.futures import ThreadPoolExecutor

    import yaml_rs

    from benchmarks.generate import generate
    from mscref.data import yamlio

    text = (generate(800, tmp_path) / "trials.yaml").read_text(encoding="utf-8")
    monkeypatch.setattr(yamlio, "PIECE_CHARS", 50_000)
    monkeypatch.setattr(yamlio, "_parse_workers", lambda: 2)

    def refuse(self: object, *args: object, **kwargs: object) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(ThreadPoolExecutor, "submit", refuse)
    assert yamlio.fast_parse(text) == yaml_rs.loads(text, parse_datetime=False)


@pytest.mark.parametrize(
    "text",
    [
        "a:\n  " + "- " * 300 + "1\n",  # a chain of block sequences on one line
        "- " * 300 + "1\n",  # ... at the very start
        "a:\n  " + "-   " * 210 + "1\n",  # ... spaced wide
        "a:\n" + "".join(" " * (2 * i) + f"k{i}:\n" for i in range(1, 205)) + " " * 410 + "x: 1\n",
    ],
    ids=["dashes", "dashes-at-start", "dashes-spaced", "indentation"],
)
def test_block_nesting_past_the_strict_limit_is_left_to_the_strict_reader(text: str) -> None:
    from mscref.data.yamlio import _risky, fast_parse

    assert _risky(text) and fast_parse(text) is None
    problems = parse_text("x.yaml", text).problems
    assert any("nests deeper" in p.message for p in problems), problems


def test_nesting_that_would_crash_the_fast_parser_never_reaches_it() -> None:
    """yaml-rs overflows its stack (the process dies) on a chain of some 20,000 block
    sequences; mscref leaves such a file to the strict reader, which refuses it with its line.
    Run in a child process, so that a crash fails this test instead of the whole run."""
    code = (
        "from mscref.data.loader import load_dataset\n"
        "from mscref.data.errors import DataError\n"
        "import shutil, sys, tempfile, pathlib\n"
        "d = pathlib.Path(tempfile.mkdtemp()) / 'data'\n"
        "shutil.copytree(sys.argv[1], d)\n"
        "t = d / 'trials.yaml'\n"
        "deep = 'deep:\\n  ' + '- ' * 50000 + '1\\n'\n"
        "t.write_text(t.read_text(encoding='utf-8') + deep, encoding='utf-8')\n"
        "try:\n"
        "    load_dataset(d)\n"
        "except DataError as exc:\n"
        "    print('\\n'.join(p.message for p in exc.problems))\n"
    )
    from tests.conftest import MINIMAL

    out = subprocess.run(
        [sys.executable, "-c", code, str(MINIMAL)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "MSCREF_NO_CACHE": "1"},
        check=False,
    )
    assert out.returncode == 0, (out.returncode, out.stderr[-2000:])
    assert "nests deeper than 200 levels" in out.stdout
