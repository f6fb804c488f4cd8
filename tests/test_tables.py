"""Tables people can read: read back at a 100-column terminal, no word or id of the data is cut
in half; listings sort, pick columns and stop after N rows in every format; an empty result
names its filters; CSV is made for a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from mscref.render.termtable import render, wrap

runner = CliRunner()
WIDTH = 100
# Wide (CJK) characters need no spaces between words, so a line may break between any two.
_WIDE = "\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6"
_TOKEN_BREAK = re.compile(rf"\s+|[{_WIDE}]")
_BARS = "│┃|"


def run(*args: str, width: int = WIDTH) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": str(width)}, terminal_width=width)
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def tokens(text: str) -> set[str]:
    return {t for t in _TOKEN_BREAK.split(text) if t}


def drawn_cells(table_text: str) -> list[str]:
    """Every line of every cell of a box-drawn table, as drawn."""
    out = []
    for line in table_text.splitlines():
        if line[:1] in _BARS and line[-1:] in _BARS:
            out += [cell.strip() for cell in re.split(f"[{_BARS}]", line[1:-1])]
    return out


_SOFT_BREAK = re.compile(r"(?<=[-/])")


def _soft_pieces(token: str) -> set[str]:
    """The pieces a compound word may be broken into after its hyphens or slashes, whole runs
    of pieces included ("non-treatment-related" gives "non-", "treatment-related" …)."""
    parts = [p for p in _SOFT_BREAK.split(token) if p]
    return {"".join(parts[i:j]) for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)}


def assert_no_word_cut(drawn: str, data_cells: list[str], ids: frozenset[str] = frozenset()) -> None:
    """No word of the data is drawn cut; a compound word of running text may break after a
    hyphen or slash, an id (``ids``) never."""
    words = set().union(*(tokens(c) for c in data_cells))
    known = words | {"—", "?"}
    for word in words - ids:
        known |= _soft_pieces(word)
    cut = sorted({t for cell in drawn_cells(drawn) for t in tokens(cell)} - known)
    assert not cut, f"pieces of words drawn that are not words of the data: {cut[:20]}"


LISTINGS = [
    ["trials"],
    ["trials", "--indication", "gvhd"],
    ["trials", "--columns", "id,indication,n,key_outcome"],
    ["products"],
    ["products", "--lang", "zh"],
    ["indications"],
    ["claims", "--columns", "id,claims,verdict"],
    ["compare", "uc", "ad", "bm", "am"],
    ["compare", "uc", "ad", "bm", "am", "--lang", "zh"],
]


@pytest.mark.parametrize("args", LISTINGS, ids=[" ".join(a) for a in LISTINGS])
def test_no_word_is_cut_at_100_columns(args: list[str]) -> None:
    code, drawn, _ = run(*args)
    assert code == 0
    assert max(len(line) for line in drawn.splitlines() if line[:1] in _BARS) <= WIDTH
    _, text, _ = run(*args, "--format", "csv")
    rows = list(csv.reader(io.StringIO(text)))
    cells = [c for row in rows for c in row]
    # the first column holds each row's id or key: it is never broken, even after a hyphen
    ids = frozenset(t for row in rows[1:] if row for t in tokens(row[0]))
    assert_no_word_cut(drawn, cells, ids)


def test_the_check_catches_a_cut_word() -> None:
    # the old layout cut ids to fit: the test must see that
    drawn = "│ msb-gvh │\n│ d001    │\n"
    with pytest.raises(AssertionError, match="msb-gvh"):
        assert_no_word_cut(drawn, ["msb-gvhd001"])


def test_default_trials_table_fits_and_says_what_it_hid() -> None:
    code, out, _ = run("trials")
    assert code == 0
    lines = out.splitlines()
    assert all(len(line) <= WIDTH for line in lines if line[:1] in "┏┃│┡├└")
    assert "hidden for want of room:" in out
    _, wide, _ = run("trials", width=400)
    assert "hidden for want of room" not in wide


def test_columns_that_do_not_fit_still_keep_words_when_they_can() -> None:
    text = render(["Favoured indications"], [["Plastic/reconstructive repair"]], 30)
    assert "Plastic/reconstructive" in text
    narrow = render(["a", "b"], [["Plastic/reconstructive", "x"]], 24)
    assert "Plastic/" in narrow and "reconstructive" in narrow  # broken after the slash, not inside


def test_an_address_is_never_broken() -> None:
    url = "https://pmc.ncbi.nlm.nih.gov/articles/PMC10144752/table/pharmaceuticals-16-00512-t004"
    assert url in wrap(f"see {url} (a table)", 40)
    code, out, _ = run("show", "msb-gvhd001", width=60)
    assert code == 0
    assert url in out.splitlines()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["trials", "--indication", "gvhd", "--source", "ad"],
            "no trials match --indication gvhd --source ad",
        ),
        (["claims", "--verdict", "contradicted", "--indication", "gvhd"], "no claims match --verdict"),
    ],
)
def test_an_empty_result_names_its_filters(args: list[str], message: str) -> None:
    code, out, err = run(*args)
    assert code == 0
    assert out == ""  # no header without rows
    assert message in err
    _, csv_out, _ = run(*args, "--format", "csv")
    assert csv_out.count("\n") == 1  # a spreadsheet still gets its header
    _, json_out, _ = run(*args, "--format", "json")
    assert json.loads(json_out) == []


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "json"])
def test_sort_columns_limit_in_every_format(fmt: str) -> None:
    code, out, _ = run(
        "trials", "--indication", "gvhd", "--sort=-n", "--columns", "id,n", "--limit", "3", "--format", fmt
    )
    assert code == 0
    _, full, _ = run("trials", "--indication", "gvhd", "--format", "json")
    expected = sorted((r for r in json.loads(full) if r["n"] is not None), key=lambda r: -r["n"])[:3]
    ids = [r["id"] for r in expected]
    if fmt == "json":
        rows = json.loads(out)
        assert [r["id"] for r in rows] == ids
        assert [set(r) for r in rows] == [{"id", "n"}] * 3
        assert [r["n"] for r in rows] == [r["n"] for r in expected]
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(out)))
        assert rows[0] == ["ID", "n"]
        assert [r[0] for r in rows[1:]] == ids
    else:
        found = [i for i in ids if i in out]
        assert found == ids
        assert sorted(out.index(i) for i in ids) == [out.index(i) for i in ids]
        assert "Product" not in out and "Key outcome" not in out


def test_sort_puts_missing_values_last_and_numbers_in_order() -> None:
    _, out, _ = run("trials", "--sort", "n", "--columns", "id,n", "--format", "csv")
    values = [r[1] for r in list(csv.reader(io.StringIO(out)))[1:]]
    present = [int(v) for v in values if v]
    assert present == sorted(present)
    assert values == [str(v) for v in present] + [""] * (len(values) - len(present))


@pytest.mark.parametrize("option", ["--sort", "--columns"])
@pytest.mark.parametrize("command", ["trials", "products", "claims", "indications"])
def test_an_unknown_field_is_a_usage_error_naming_the_valid_ones(command: str, option: str) -> None:
    code, out, err = run(command, option, "bogus")
    assert code == 2
    assert out == ""
    assert "unknown field 'bogus'" in err and "valid fields: " in err
    assert len(err.strip().splitlines()) == 1


def test_csv_is_made_for_a_spreadsheet() -> None:
    _, out, _ = run("trials", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    by_id = {r["ID"]: r for r in rows}
    assert by_id["msb-gvhd001"]["Registry ids"] == "NCT02336230"
    assert all("—" not in value for r in rows for value in r.values())
    assert any(r["Phase"] == "" for r in rows)  # unknown phase: an empty cell
    _, products, _ = run("products", "--format", "csv")
    approvals = list(csv.DictReader(io.StringIO(products)))
    remestemcel = [r for r in approvals if r["Product ID"] == "remestemcel-l"]
    assert len(remestemcel) >= 3  # one row per approval
    assert {r["Agency"] for r in remestemcel} >= {"Medsafe", "Health Canada"}


def test_country_in_chinese_is_the_same_country() -> None:
    _, en, _ = run("trials", "--country", "china", "--format", "json")
    _, zh, _ = run("trials", "--country", "中国", "--format", "json")
    assert json.loads(en) and json.loads(en) == json.loads(zh)
    _, korea, _ = run("products", "--country", "韩国", "--format", "json")
    assert json.loads(korea) and {r["region"] for r in json.loads(korea)} == {"Korea"}
