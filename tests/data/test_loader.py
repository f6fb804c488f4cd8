"""The loader reports every defect with its file, line and field, and loads valid data."""

from __future__ import annotations

from pathlib import Path

import pytest

from mscref.data.errors import DataError
from mscref.data.loader import load_dataset
from mscref.data.models import ProductType, Verdict
from tests.conftest import MINIMAL, Edit


def problems(directory: Path) -> list[str]:
    """The problems of a data directory, with the directory part of each path cut off."""
    with pytest.raises(DataError) as info:
        load_dataset(directory)
    prefix = str(directory) + "/"
    return [str(p).replace(prefix, "") for p in info.value.problems]


def test_minimal_fixture_loads() -> None:
    ds = load_dataset(MINIMAL)
    assert [s.id for s in ds.sources] == ["uc", "bm"]
    assert ds.level_rank("low") == 1 and ds.level_rank("high") == 3
    trial = ds.trials[0]
    assert ds.product_type_of(trial) is ProductType.CELLS
    assert ds.source_of(trial) == "bm"  # from its product
    assert ds.verdict_of(trial) is Verdict.VERIFIED
    assert ds.verdict_of(ds.trials[1]) is None


def test_yaml_syntax_error_has_line(edit: Edit) -> None:
    d = edit("indications.yaml", "    system: immune", "    system: [immune")
    (msg,) = problems(d)
    assert msg.startswith("indications.yaml:")
    assert "YAML syntax error" in msg


def test_tab_indentation_is_explained(edit: Edit) -> None:
    d = edit("indications.yaml", "    system: immune", "\tsystem: immune")
    (msg,) = problems(d)
    assert msg.startswith("indications.yaml:6: YAML syntax error")
    assert "tabs" in msg


def test_duplicate_key_is_an_error(edit: Edit) -> None:
    d = edit("indications.yaml", "    system: immune\n", "    system: immune\n    system: renal\n")
    assert problems(d) == [
        "indications.yaml:7: indications[0].system: duplicate key 'system' (first at line 6); "
        "YAML would silently keep only the last one"
    ]


def test_unknown_key_suggests_the_right_one(edit: Edit) -> None:
    d = edit("indications.yaml", "    system: immune", "    sytem: immune")
    assert problems(d) == [
        "indications.yaml:2: indications[0]: missing required key 'system'",
        "indications.yaml:6: indications[0].sytem: unknown key 'sytem'; did you mean 'system'?",
    ]


def test_wrong_type(edit: Edit) -> None:
    d = edit("trials.yaml", "    n: 30\n", "    n: thirty\n")
    assert problems(d) == ["trials.yaml:42: trials[1].n: expected an integer, got string 'thirty'"]


def test_yes_is_not_a_boolean_and_not_a_number(edit: Edit) -> None:
    d = edit("trials.yaml", "    n: 30\n", "    n: yes\n")
    assert problems(d) == ["trials.yaml:42: trials[1].n: expected an integer, got string 'yes'"]


def test_hex_is_not_a_number(edit: Edit) -> None:
    d = edit("trials.yaml", "    n: 30\n", "    n: 0x1E\n")
    assert problems(d) == ["trials.yaml:42: trials[1].n: expected an integer, got string '0x1E'"]


def test_number_where_text_belongs(edit: Edit) -> None:
    d = edit("indications.yaml", "    name: knee osteoarthritis", "    name: 12")
    assert problems(d) == [
        "indications.yaml:8: indications[1].name: expected a string, got integer 12 "
        "(quote it to make it text)"
    ]


def test_value_outside_vocabulary(edit: Edit) -> None:
    d = edit("trials.yaml", 'phase: "1/2"', 'phase: "2b"')
    assert problems(d) == [
        "trials.yaml:40: trials[1].phase: expected one of 0, 1, 1/2, 2, 2/3, 3, 4; got string '2b'; "
        "did you mean '2'?"
    ]


def test_events_exceed_total(edit: Edit) -> None:
    d = edit("trials.yaml", "events: 38, total: 54, value: 70.4", "events: 58, total: 54, value: 70.4")
    assert problems(d) == [
        "trials.yaml:32: trials[0].outcomes[0].arms[0].events: events (58) exceed total (54)",
    ]


def test_percentage_outside_range(edit: Edit) -> None:
    d = edit("trials.yaml", "value: 70.4", "value: 170.4")
    assert problems(d) == [
        "trials.yaml:32: trials[0].outcomes[0].arms[0].value: a percentage must be within 0-100, got 170.4"
    ]


def test_percentage_disagreeing_with_counts(edit: Edit) -> None:
    d = edit("trials.yaml", "value: 70.4", "value: 72")
    assert problems(d) == [
        "trials.yaml:32: trials[0].outcomes[0].arms[0].value: 72% disagrees with 38/54 = 70.4%"
    ]


def test_n_below_one(edit: Edit) -> None:
    d = edit("trials.yaml", "    n: 30\n", "    n: 0\n")
    assert problems(d) == ["trials.yaml:42: trials[1].n: must be at least 1, got 0"]


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("2024-13", "month 13 does not exist in '2024-13'"),
        ("2023-02-29", "day 29 does not exist in '2023-02-29' (that month has 28 days)"),
        ("24-12-18", "expected a date YYYY, YYYY-MM or YYYY-MM-DD, got '24-12-18'"),
    ],
)
def test_invalid_dates(edit: Edit, date: str, message: str) -> None:
    d = edit("trials.yaml", 'date: "2024-12"', f'date: "{date}"')
    assert problems(d) == [f"trials.yaml:11: products[0].approvals[0].date: {message}"]


def test_unquoted_date_is_read_as_text(edit: Edit) -> None:
    d = edit("trials.yaml", 'date: "2024-12"', "date: 2024-12-18")
    assert load_dataset(d).products[0].approvals[0].date == "2024-12-18"


def test_duplicate_ids_across_files(edit: Edit) -> None:
    d = edit("indications.yaml", "  - id: knee-oa", "  - id: uc")
    assert problems(d) == [
        "indications.yaml:7: indications[1].id: duplicate id 'uc' (already used at sources.yaml:16)",
        "trials.yaml:39: trials[1].indication: unknown indication 'knee-oa'",
    ]


def test_dangling_references(edit: Edit) -> None:
    edit("trials.yaml", "    source: uc\n", "    source: ucx\n")
    edit("trials.yaml", "    indication: knee-oa\n", "    indication: knee\n")
    d = edit("trials.yaml", "    refs: [nct-1, seed]", "    refs: [nct-2, seed]")
    assert problems(d) == [
        "trials.yaml:33: trials[0].refs[0]: unknown reference 'nct-2'; did you mean 'nct-1'?",
        "trials.yaml:38: trials[1].source: unknown source 'ucx'; did you mean 'uc'?",
        "trials.yaml:39: trials[1].indication: unknown indication 'knee'; did you mean 'knee-oa'?",
    ]


def test_all_problems_are_reported_at_once(edit: Edit) -> None:
    edit("indications.yaml", "    system: immune", "    system: immunity")
    edit("trials.yaml", "    n: 30\n", "    n: -3\n")
    d = edit("sources.yaml", "kind: ordinal", "kind: ordinals")
    found = problems(d)
    assert len(found) == 3
    assert [f.split(":")[0] for f in found] == ["indications.yaml", "sources.yaml", "trials.yaml"]


def test_non_utf8_file(minimal_copy: Path) -> None:
    path = minimal_copy / "indications.yaml"
    path.write_bytes(path.read_bytes().replace("移植物".encode(), "移植物".encode("gb18030")))
    (msg,) = problems(minimal_copy)
    assert msg.startswith("indications.yaml:4: not UTF-8: byte 0xd2 at offset 75")


def test_python_tag_is_refused(edit: Edit) -> None:
    d = edit("indications.yaml", "    system: immune", "    system: !!python/object/apply:os.system [echo]")
    found = problems(d)
    assert found[0] == (
        "indications.yaml:6: indications[0].system: unsupported YAML tag "
        "!!python/object/apply:os.system on a list"
    )


def test_alias_bomb_is_bounded(minimal_copy: Path) -> None:
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev, cur = chr(96 + i), chr(97 + i)
        levels.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    (minimal_copy / "statements.yaml").write_text("\n".join(levels) + "\n", encoding="utf-8")
    found = problems(minimal_copy)
    assert any("alias bomb" in f for f in found)
    assert found[0].startswith("statements.yaml:")


def test_empty_file(minimal_copy: Path) -> None:
    (minimal_copy / "claims.yaml").write_text("# nothing yet\n", encoding="utf-8")
    assert problems(minimal_copy) == ["claims.yaml:1: the file is empty"]


def test_list_instead_of_mapping(minimal_copy: Path) -> None:
    (minimal_copy / "claims.yaml").write_text("- id: x\n", encoding="utf-8")
    assert problems(minimal_copy) == ["claims.yaml:1: expected a mapping, got a list"]


def test_missing_required_file(minimal_copy: Path) -> None:
    (minimal_copy / "trials.yaml").unlink()
    (msg,) = problems(minimal_copy)
    assert msg.startswith("trials.yaml: missing data file")


def test_missing_directory(tmp_path: Path) -> None:
    found = problems(tmp_path / "nowhere")
    assert found == [f"{tmp_path}/nowhere: no such data directory"]


def test_unknown_arm_in_outcome(edit: Edit) -> None:
    d = edit("trials.yaml", "{arm: msc, events: 38", "{arm: mscs, events: 38")
    assert problems(d) == [
        "trials.yaml:32: trials[0].outcomes[0].arms[0].arm: unknown arm 'mscs'; arms are: msc"
    ]


def test_text_trait_takes_no_level(edit: Edit) -> None:
    d = edit(
        "sources.yaml",
        "main-advantages: {text: anti-inflammatory",
        "main-advantages: {level: high, text: anti-inflammatory",
    )
    (msg,) = problems(d)
    text = (d / "sources.yaml").read_text(encoding="utf-8")
    line = 1 + text.split("main-advantages: {level")[0].count("\n")
    assert msg == (
        f"sources.yaml:{line}: sources[0].traits.main-advantages.level: "
        "'main-advantages' is a text trait; it takes no level"
    )


def test_ambiguous_alias(edit: Edit) -> None:
    d = edit("sources.yaml", "    name_zh: 骨髓", "    name_zh: 臍帶")
    (msg,) = problems(d)
    assert (
        msg
        == "sources.yaml:28: sources[1].name_zh: the name '臍帶' also names 'uc'; names must be unambiguous"
    )


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("    abbreviation: BM-MSCs", "    abbreviation: Uc", "sources.yaml:26: sources[1].abbreviation"),
        (
            "    abbreviation: BM-MSCs",
            "    abbreviation: UC-MSCs",
            "sources.yaml:26: sources[1].abbreviation",
        ),
        (
            "    name_zh: 骨髓\n",
            "    name_zh: 骨髓\n    aliases: [bm marrow, UC]\n",
            "sources.yaml:29: sources[1].aliases[1]",
        ),
    ],
)
def test_a_name_clash_names_the_field_and_line_that_clash(edit: Edit, old: str, new: str, where: str) -> None:
    d = edit("sources.yaml", old, new)
    (msg,) = problems(d)
    assert msg.startswith(where + ": the name ")
    assert msg.endswith("also names 'uc'; names must be unambiguous")


def test_non_msc_product_needs_non_msc_source(edit: Edit) -> None:
    d = edit(
        "trials.yaml", "    product_type: cells\n    source: uc", "    product_type: non-msc\n    source: uc"
    )
    (msg,) = problems(d)
    assert msg == (
        "trials.yaml:37: trials[1].product_type: product_type 'non-msc' needs a non-MSC source, "
        "but 'uc' is an MSC source"
    )
