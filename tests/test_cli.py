"""The command line on the minimal fixture: formats, aliases, errors and exit codes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from mscref.data.loader import load_dataset
from mscref.render.views.compare import compare_json
from tests.conftest import MINIMAL, Edit

runner = CliRunner()
DATA = ["--data-dir", str(MINIMAL)]


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0
    assert out.startswith("mscref ")


def test_validate_ok() -> None:
    code, out, err = run("validate", *DATA)
    assert code == 0
    assert out.startswith("OK: 2 sources, 2 trials, 1 products, 2 indications, 1 claims, 1 statements")
    assert all("warning" in line for line in err.splitlines())  # warnings only, never an error


def test_validate_reports_every_problem_on_stderr(edit: Edit) -> None:
    edit("trials.yaml", "    n: 30\n", "    n: many\n")
    d = edit("indications.yaml", "    system: immune", "    system: immunity")
    code, out, err = run("validate", "--data-dir", str(d))
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert lines[0].endswith(
        "indications.yaml:6: indications[0].system: expected one of immune, "
        "musculoskeletal, neurological, respiratory, cardiovascular, vascular, renal, "
        "gastrointestinal, reproductive, endocrine-metabolic, haematological, "
        "dermatological, other; got string 'immunity'; did you mean 'immune'?"
    )
    assert lines[1].endswith("trials.yaml:42: trials[1].n: expected an integer, got string 'many'")
    assert lines[2] == "error: 2 problems in the data"


def test_data_dir_from_environment(tmp_path: Path) -> None:
    code, _, err = run("validate", env={"MSCREF_DATA_DIR": str(tmp_path / "none")})
    assert code == 1
    assert "none: no such data directory" in err


def test_compare_json_matches_library() -> None:
    code, out, _ = run("compare", "uc", "bm", "--format", "json", *DATA)
    assert code == 0
    ds = load_dataset(MINIMAL)
    assert json.loads(out) == compare_json(ds, [ds.source("uc"), ds.source("bm")])
    uc = json.loads(out)[0]
    assert uc["traits"]["immunogenicity"] == {
        "level": "low",
        "rank": 1,
        "text": "very low",
        "text_zh": "極低",
    }
    assert uc["traits"]["main-advantages"]["rank"] is None


@pytest.mark.parametrize("names", [["UC-MSCs", "骨髓"], ["臍帶", "bone marrow"], ["uc", "BM_MSCs"]])
def test_compare_aliases_give_the_same_table(names: list[str]) -> None:
    expected = run("compare", "uc", "bm", "--format", "csv", *DATA)
    assert run("compare", *names, "--format", "csv", *DATA) == expected


def test_compare_unknown_source_lists_valid_ones() -> None:
    code, out, err = run("compare", "uc", "liver", *DATA)
    assert code == 1
    assert out == ""
    assert err == "error: unknown source 'liver'\nknown sources: uc, bm\n"


def test_compare_chinese_labels() -> None:
    code, out, _ = run("compare", "uc", "--lang", "zh", "--format", "markdown", *DATA)
    assert code == 0
    assert out.splitlines()[0] == "| 特性指标 | 脐带 |"
    assert "極低 \\[低 1/3\\]" in out


def test_trials_csv_parses() -> None:
    code, out, _ = run("trials", "--format", "csv", *DATA)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["ID"] for r in rows] == ["trial-a", "trial-b"]
    assert rows[0]["Key outcome"] == "ORR day 28: 38/54 (70.4%)"
    assert rows[0]["Approvals"] == "FDA 2024-12 approved"
    assert rows[0]["Verdict"] == "verified"
    assert rows[1]["Verdict"] == "not in seed"


def test_trials_json_shape() -> None:
    code, out, _ = run("trials", "--format", "json", *DATA)
    assert code == 0
    records = json.loads(out)
    required = {
        "id",
        "registry_ids",
        "product",
        "product_type",
        "source",
        "indication",
        "phase",
        "design",
        "n",
        "outcomes",
        "approvals",
        "verdict",
        "refs",
    }
    for rec in records:
        assert required <= rec.keys()
    first = records[0]
    (arm,) = first["outcomes"][0]["arms"]
    assert arm["events"] == 38 and arm["total"] == 54 and arm["value"] == 70.4 and arm["unit"] == "%"
    assert arm["derived"] is False and arm["derivation"] is None and arm["mean"] is None
    assert first["outcomes"][0]["effects"] == [] and first["safety"] == []
    assert first["approvals"][0]["status"] == "approved"
    assert first["source"] == "bm"


@pytest.mark.parametrize("alias", ["gvhd", "aGVHD", "SR-aGVHD", "移植物抗宿主病"])
def test_trials_indication_alias(alias: str) -> None:
    code, out, _ = run("trials", "--indication", alias, "--format", "json", *DATA)
    assert code == 0
    assert [r["id"] for r in json.loads(out)] == ["trial-a"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--source", "臍帶"], ["trial-b"]),
        (["--phase", "III"], ["trial-a"]),
        (["--phase", "1/2", "--phase", "3"], ["trial-a", "trial-b"]),
        (["--design", "randomized"], ["trial-b"]),
        (["--design", "single-arm"], ["trial-a"]),
        (["--design", "randomized", "--design", "double-blind"], ["trial-b"]),
        (["--text", "triamcinolone"], []),
        (["--text", "knee osteo"], ["trial-b"]),
        (["--product-type", "evs"], []),
    ],
)
def test_trials_filters(args: list[str], expected: list[str]) -> None:
    code, out, _ = run("trials", *args, "--format", "json", *DATA)
    assert code == 0
    assert [r["id"] for r in json.loads(out)] == expected


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--phase", "5"], "error: unknown phase '5'; phases are: 0, 1, 1/2, 2, 2/3, 3, 4"),
        (["--indication", "flu"], "error: unknown indication 'flu'"),
        (["--product-type", "pills"], "error: unknown product type 'pills'"),
    ],
)
def test_trials_bad_values(args: list[str], message: str) -> None:
    code, out, err = run("trials", *args, *DATA)
    assert code in (1, 2)
    assert out == ""
    assert err.startswith(message)


def test_bad_flag_is_a_usage_error() -> None:
    code, _, err = run("trials", "--colour", "red", *DATA)
    assert code == 2
    assert "No such option" in err


def test_show_trial_prints_references_in_full() -> None:
    code, out, _ = run("show", "trial-a", "--format", "markdown", *DATA)
    assert code == 0
    assert out.startswith("# trial-a: Single-arm trial of product A")
    assert "1. \\[nct-1\\] Registry: NCT00000001." in out
    assert "- **Verdict:** verified" in out


def test_show_source_by_alias() -> None:
    code, out, _ = run("show", "臍帶", "--format", "json", *DATA)
    assert code == 0
    assert json.loads(out)["id"] == "uc"


def test_show_unknown_id() -> None:
    code, out, err = run("show", "trail-a", *DATA)
    assert code == 1
    assert out == ""
    assert err == "error: no trial, product or source 'trail-a'; did you mean 'trial-a'?\n"


def test_show_has_no_csv() -> None:
    code, _, err = run("show", "trial-a", "--format", "csv", *DATA)
    assert code == 2
    assert err == (
        "error: Invalid value for '--format' / '-f': 'csv' is not one of 'table', 'markdown', 'json'."
        " See 'mscref show --help'.\n"
    )
    _, help_text, _ = run("show", "--help")
    assert "table|markdown|json" in help_text and "csv" not in help_text.split("--format")[1].split("\n")[0]


def test_a_bad_choice_is_one_line() -> None:
    code, out, err = run("trials", "--format", "xml", *DATA)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("error: ") and "'xml' is not one of" in err
    assert "Usage:" not in err and "╭" not in err
    code, _, err = run("trials", "--bogus")
    assert code == 2 and err.count("\n") == 1 and "No such option: --bogus" in err


def test_shell_completion_is_offered() -> None:
    _, out, _ = run("--help")
    assert "--install-completion" in out and "--show-completion" in out


@pytest.mark.parametrize(
    ("name", "old", "new", "where"),
    [
        ("indications.yaml", "    system: immune", "    system: [immune", "indications.yaml:7:"),
        (
            "indications.yaml",
            "    system: immune\n",
            "    system: immune\n    system: renal\n",
            "indications.yaml:7:",
        ),
        ("indications.yaml", "    system: immune", "    sytem: immune", "indications.yaml:6:"),
        ("trials.yaml", "    n: 30\n", "    n: thirty\n", "trials.yaml:42:"),
        ("trials.yaml", 'phase: "1/2"', 'phase: "2b"', "trials.yaml:40:"),
        ("trials.yaml", "events: 38, total: 54", "events: 58, total: 54", "trials.yaml:32:"),
        ("trials.yaml", "value: 70.4", "value: 170.4", "trials.yaml:32:"),
        ("trials.yaml", "    n: 30\n", "    n: 0\n", "trials.yaml:42:"),
        ("trials.yaml", 'date: "2024-12"', 'date: "2024-13"', "trials.yaml:11:"),
        ("indications.yaml", "  - id: knee-oa", "  - id: uc", "indications.yaml:7:"),
        ("trials.yaml", "    source: uc\n", "    source: ucx\n", "trials.yaml:38:"),
        ("trials.yaml", "    indication: knee-oa\n", "    indication: knee\n", "trials.yaml:39:"),
        ("trials.yaml", "refs: [nct-1, seed]", "refs: [nct-2, seed]", "trials.yaml:33:"),
        (
            "indications.yaml",
            "    system: immune",
            "    system: !!python/object:os.system x",
            "indications.yaml:6:",
        ),
    ],
)
def test_each_kind_of_defect_exits_1_naming_file_and_line(
    edit: Edit, name: str, old: str, new: str, where: str
) -> None:
    d = edit(name, old, new)
    code, out, err = run("trials", "--data-dir", str(d))
    assert code == 1
    assert out == ""
    assert f"{d}/{where}" in err
    assert err.rstrip().splitlines()[-1].startswith("error: ")


@pytest.mark.parametrize(
    ("command", "option"),
    [
        *(("trials", o) for o in ("--indication", "--source", "--country", "--text")),
        ("evidence", "--indication"),
        ("evidence", "--source"),
        ("claims", "--indication"),
        ("report", "--text"),
    ],
)
@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_filter_is_a_usage_error_not_no_filter(command: str, option: str, value: str) -> None:
    code, out, err = run(command, option, value, *DATA)
    assert code == 2
    assert out == ""
    name = option.removeprefix("--")
    assert err == f"error: the {name} to filter by is empty; give one, or leave the filter out\n"


def test_schema_output_that_is_a_file_says_so(tmp_path: Path) -> None:
    target = tmp_path / "schemas.json"
    target.write_text("keep me", encoding="utf-8")
    code, _out, err = run("schema", "-o", str(target))
    assert code == 2
    assert err == f"error: {target}: is a file; -o takes a directory\n"
    assert target.read_text(encoding="utf-8") == "keep me"
