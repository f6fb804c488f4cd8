"""Hostile runs: odd encodings, Ctrl-C, a closed pipe, huge fields, unreadable folders.

These run the real program in a subprocess where the process itself matters (its encoding,
signals, pipes, exit status), with the width pinned and no colour, as the other CLI tests do.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from tests.conftest import MINIMAL, Edit

REPO = Path(__file__).resolve().parent.parent
DATA = ["--data-dir", str(MINIMAL)]


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MSCREF_", "PYTHONIOENCODING", "LC_"))}
    base.pop("FORCE_COLOR", None)
    return {**base, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb", **extra}


def mscref(*args: str, **extra: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "mscref", *args],
        capture_output=True,
        env=env(**extra),
        cwd=REPO,
        timeout=120,
        check=False,
    )


# ------------------------------------------------------------------------------------------
# An output encoding that is not UTF-8

TABLE_COMMANDS = [
    ["compare", "uc", "ad", "bm", "am"],
    ["compare", "脐带", "羊膜", "--lang", "zh"],
    ["trials"],
    ["trials", "--lang", "zh"],
    ["claims"],
    ["products"],
    ["indications"],
    ["summary"],
    ["evidence"],
    ["show", "msb-gvhd001"],
    ["show", "骨髓", "--lang", "zh"],
]
ENCODINGS = {
    "ascii": {"PYTHONIOENCODING": "ascii"},
    "latin-1": {"PYTHONIOENCODING": "latin-1"},
    "C locale": {"LC_ALL": "C", "PYTHONUTF8": "0"},
}


@pytest.mark.parametrize("encoding", ENCODINGS, ids=list(ENCODINGS))
@pytest.mark.parametrize("argv", TABLE_COMMANDS, ids=" ".join)
def test_every_table_command_draws_in_a_narrow_encoding(argv: list[str], encoding: str) -> None:
    result = mscref(*argv, **ENCODINGS[encoding])
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    assert result.stderr == b""
    codec = "latin-1" if encoding == "latin-1" else "ascii"
    out = result.stdout.decode(codec)  # every byte is a character of the output's encoding
    assert "+---" in out or argv[0] == "show"  # ASCII borders, no box drawing
    assert "━" not in out and "│" not in out


def test_the_ascii_table_lines_up_and_names_what_it_could_not_write() -> None:
    out = mscref("compare", "脐带", "羊膜", "--lang", "zh", PYTHONIOENCODING="ascii").stdout.decode("ascii")
    lines = out.splitlines()
    grid = [line for line in lines if line.startswith(("+", "|"))]
    assert len({len(line) for line in grid}) == 1, "every grid line is as wide as the others"
    assert "?" in out  # the Chinese names, which ASCII cannot hold
    utf8 = mscref("compare", "脐带", "羊膜", "--lang", "zh").stdout.decode("utf-8")
    assert "┏" in utf8 and "脐带" in utf8  # a UTF-8 output is untouched


def test_latin_1_keeps_what_it_can_hold_and_stands_in_for_the_rest() -> None:
    out = mscref("show", "msb-gvhd001", PYTHONIOENCODING="latin-1").stdout.decode("latin-1")
    utf8 = mscref("show", "msb-gvhd001").stdout.decode("utf-8")
    assert ("×" in utf8) == ("×" in out)  # latin-1 holds the multiplication sign
    if "—" in utf8:
        assert "—" not in out


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown"])
def test_machine_formats_stay_parseable_in_ascii(fmt: str) -> None:
    import csv
    import io
    import json

    result = mscref("trials", "--format", fmt, "--lang", "zh", PYTHONIOENCODING="ascii")
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode("ascii")
    if fmt == "json":
        records = json.loads(text)
        assert records and all(isinstance(r, dict) for r in records)
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert len({len(r) for r in rows}) == 1
    else:
        rows = [line for line in text.splitlines() if line.startswith("|")]
        assert len({line.count(" | ") for line in rows[2:]}) <= 2  # escaped pipes are not separators


def test_help_is_readable_in_ascii() -> None:
    result = mscref("--help", PYTHONIOENCODING="ascii")
    assert result.returncode == 0
    result.stdout.decode("ascii")


def test_stand_ins_never_add_a_quote_or_bracket_to_a_stream() -> None:
    import codecs

    from mscref.render.termtable import encode_fallback, fit_encoding

    text = "“quoted” ≥ 5 — Sjögren 脐带"
    codecs.register_error("test-stand-in", encode_fallback)
    plain = text.encode("ascii", "test-stand-in").decode("ascii")
    assert plain == "?quoted? ? 5 - Sjogren ??"  # nothing that means something in JSON, CSV or HTML
    assert fit_encoding(text, "ascii") == '"quoted" >= 5 - Sjogren ??'  # inside a drawn table
    assert fit_encoding(text, "utf-8") == text


# ------------------------------------------------------------------------------------------
# Terminal output is plain text whatever the data holds


def test_control_characters_in_the_data_never_reach_the_terminal(edit: Edit) -> None:
    title = '    title: "A\\e[31mB\\a\\rC\\tD"\n'  # YAML escapes: ESC, BEL, CR, TAB
    data = edit("trials.yaml", "    title: Single-arm trial of product A\n", title)
    result = CliRunner().invoke(app, ["show", "trial-a", "--data-dir", str(data)], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert not set(result.stdout) & {"\x1b", "\a", "\r", "\t"}
    assert result.stdout.splitlines()[0] == "trial-a: A\ufffd[31mB\ufffd\ufffdC D"


# ------------------------------------------------------------------------------------------
# A huge field


def _with_notes(edit: Edit, notes: str) -> Path:
    return edit(
        "trials.yaml",
        "    title: Single-arm trial of product A\n",
        f'    title: Single-arm trial of product A\n    notes: "{notes}"\n',
    )


def _words(n_chars: int) -> str:
    return " ".join(f"w{i}" for i in range(n_chars // 7))[:n_chars].rstrip()


def test_show_writes_a_5_mb_field_whole_and_wrapped(edit: Edit) -> None:
    notes = _words(5_000_000) + " LASTWORD"
    data = _with_notes(edit, notes)
    result = CliRunner().invoke(app, ["show", "trial-a", "--data-dir", str(data)], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.stdout.splitlines()) <= 100
    assert notes in " ".join(result.stdout.split())  # every word, in order


def test_show_lays_out_a_field_in_work_that_grows_linearly(
    edit: Edit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Work is counted, not timed: the columns measured grow with the field, and Rich (whose
    grid is quadratic in a cell's length) lays out only the short styled labels."""
    import rich.console

    from mscref.render import termtable

    measured = 0
    through_rich = 0
    real_cell_len, real_print = termtable.cell_len, rich.console.Console.print

    def counting_cell_len(text: str) -> int:
        nonlocal measured
        measured += 1
        return real_cell_len(text)

    def counting_print(self: rich.console.Console, *objects: object, **kwargs: object) -> None:
        nonlocal through_rich
        through_rich += sum(len(str(o)) for o in objects)
        real_print(self, *objects, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(termtable, "cell_len", counting_cell_len)
    monkeypatch.setattr(rich.console.Console, "print", counting_print)
    work = {}
    data = _with_notes(edit, "")
    for size in (100_000, 400_000):
        _set_notes(data, _words(size))
        measured = through_rich = 0
        env = {"COLUMNS": "100", "FORCE_COLOR": "1", "NO_COLOR": None}
        result = CliRunner().invoke(app, ["show", "trial-a", "--data-dir", str(data)], env=env)
        assert result.exit_code == 0, result.output
        assert "\x1b[1m" in result.stdout  # styled: the labels are bold
        work[size] = measured
        assert through_rich < 2_000
    assert 3.5 <= work[400_000] / work[100_000] <= 4.5


def _set_notes(data: Path, notes: str) -> None:
    trials = data / "trials.yaml"
    text = trials.read_text(encoding="utf-8")
    start = text.index('    notes: "') + len('    notes: "')
    end = text.index('"\n', start)
    trials.write_text(text[:start] + notes + text[end:], encoding="utf-8")


# ------------------------------------------------------------------------------------------
# Ctrl-C at any moment

# Runs the real entry point, but holds the import of the command line (Typer, Rich, the data
# layer) until the test interrupts it, so the interrupt lands in the middle of start-up.
HOLD_IN_IMPORTS = """
import sys, time
class Hold:
    def find_spec(self, name, path=None, target=None):
        if name == "mscref.cli.app":
            sys.stdout.write("importing\\n"); sys.stdout.flush()
            time.sleep(60)
        return None
sys.meta_path.insert(0, Hold())
sys.argv = ["mscref", "compare", "uc", "bm"]
from mscref.__main__ import main
main()
"""


def popen(argv: list[str], stdout: int = subprocess.PIPE, **extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE, env=env(**extra), cwd=REPO)


def test_ctrl_c_during_start_up_imports_exits_130_quietly() -> None:
    with popen([sys.executable, "-c", HOLD_IN_IMPORTS]) as proc:
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"importing\n"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert (proc.returncode, out, err) == (130, b"", b"")


def test_ctrl_c_while_a_command_runs_exits_130_quietly(edit: Edit, tmp_path: Path) -> None:
    # Nobody reads the output until the interrupt, so the command, loading or writing its
    # 3 MB into a full pipe, is still running when it comes, however fast the machine.
    data = _with_notes(edit, _words(3_000_000))
    for delay in (0.3, 1.5):
        argv = [sys.executable, "-m", "mscref", "show", "trial-a", "--data-dir", str(data)]
        with popen(argv, MSCREF_CACHE_DIR=str(tmp_path / f"cache-{delay}")) as proc:
            time.sleep(delay)
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
        assert err == b""
        assert proc.returncode == 130, f"after {delay}s: exit {proc.returncode}"


def test_the_console_script_starts_at_the_small_entry_module() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["mscref"] == "mscref.__main__:main"
    source = (REPO / "mscref" / "__main__.py").read_text(encoding="utf-8")
    top_level_imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert top_level_imports == ["import signal", "import sys"]


# ------------------------------------------------------------------------------------------
# A closed pipe


@pytest.mark.parametrize(
    "argv",
    [["trials"], ["trials", "--format", "csv"], ["claims"], ["show", "msb-gvhd001"], ["--help"]],
    ids=" ".join,
)
def test_a_reader_that_is_gone_before_output_ends_it_quietly(argv: list[str]) -> None:
    with popen([sys.executable, "-m", "mscref", *argv]) as proc:
        assert proc.stdout is not None
        proc.stdout.close()  # no reader at all: the first write fails
        _, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (0, b"")


def test_a_reader_that_stops_midway_ends_it_quietly(edit: Edit) -> None:
    data = _with_notes(edit, _words(1_000_000))  # far more than a pipe holds
    for argv in (["show", "trial-a"], ["show", "trial-a", "--format", "markdown"]):
        with popen([sys.executable, "-m", "mscref", *argv, "--data-dir", str(data)]) as proc:
            assert proc.stdout is not None
            assert proc.stdout.read(100)  # like `head -c 100`
            proc.stdout.close()
            _, err = proc.communicate(timeout=60)
        assert (proc.returncode, err) == (0, b"")


def test_a_closed_pipe_is_not_confused_with_a_data_problem(tmp_path: Path) -> None:
    # the same run on a missing folder still fails with 1, whatever happens to the pipe
    with popen([sys.executable, "-m", "mscref", "trials", "--data-dir", str(tmp_path / "none")]) as proc:
        assert proc.stdout is not None
        proc.stdout.close()
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1 and b"error:" in err


# ------------------------------------------------------------------------------------------
# Messages: show's names, an empty --data-dir, a folder that cannot be read


def run(*argv: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(argv), env={"COLUMNS": "100"})
    assert "Traceback" not in result.stdout + result.stderr
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("query", "record_id"),
    [
        ("remestemcel-l", "remestemcel-l"),
        ("REMESTEMCEL-L", "remestemcel-l"),
        ("Ryoncil", "remestemcel-l"),  # a trade name
        ("ryoncil", "remestemcel-l"),
        ("Prochymal", "remestemcel-l"),  # an alias
        ("MSB-GVHD001", "msb-gvhd001"),  # a trial id in capitals
        ("nct02336230", "msb-gvhd001"),  # a trial's registry id
        ("Bone marrow", "bm"),
        ("骨髓", "bm"),
    ],
)
def test_show_finds_a_record_by_id_in_any_case_or_by_name(query: str, record_id: str) -> None:
    code, out, err = run("show", query, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["id"] == record_id


def test_show_suggests_the_id_a_mistyped_name_is_close_to() -> None:
    code, out, err = run("show", "RYONCIL-MSB-GVHD001")
    assert (code, out) == (1, "")
    assert err == "error: no trial, product or source 'RYONCIL-MSB-GVHD001'; did you mean 'msb-gvhd001'?\n"


def test_a_name_two_records_answer_to_lists_both(edit: Edit) -> None:
    data = edit("trials.yaml", "    name: Product A\n", "    name: Product A\n    aliases: [BM-MSCs]\n")
    code, out, err = run("show", "bm-mscs", "--data-dir", str(data))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        "error: 'bm-mscs' names 2 records; give one of their ids:",
        "  prod-a (product: Product A)",
        "  bm (source: bone marrow)",
    ]
    assert run("show", "prod-a", "--data-dir", str(data))[0] == 0


@pytest.mark.parametrize(
    "name", ["compare", "products", "evidence", "claims", "show", "summary", "indications", "trials"]
)
def test_the_example_in_a_commands_help_works(name: str) -> None:
    from tests.test_docs import commands

    help_text = commands()[name].help or ""  # type: ignore[attr-defined]
    example = help_text.split("Example: mscref ", 1)[1].splitlines()[0]
    code, out, err = run(*example.split())
    assert code == 0, f"mscref {example}: {err}"
    assert out


@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_data_dir_is_a_usage_error(value: str) -> None:
    code, out, err = run("trials", "--data-dir", value)
    assert (code, out) == (2, "")
    assert "--data-dir" in err and "must name a folder" in err


def _without_permission_override() -> list[str] | None:
    """A command prefix under which file permissions hold: none needed for an ordinary user;
    for root, the same user without the capabilities that bypass them (setpriv)."""
    if os.geteuid() != 0:
        return []
    import shutil

    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    prefix = [setpriv, "--bounding-set=-all", "--inh-caps=-all", "--"]
    probe = subprocess.run([*prefix, sys.executable, "-c", "pass"], capture_output=True, check=False)
    return prefix if probe.returncode == 0 else None


@pytest.mark.parametrize("mode", [0o600, 0o300, 0o000], ids=["no-execute", "no-read", "nothing"])
def test_a_data_folder_that_cannot_be_read_says_permission_denied(minimal_copy: Path, mode: int) -> None:
    prefix = _without_permission_override()
    if prefix is None:
        pytest.skip("running as root without setpriv: root reads any folder, so permissions cannot be tested")
    minimal_copy.chmod(mode)
    try:
        result = subprocess.run(
            [*prefix, sys.executable, "-m", "mscref", "trials", "--data-dir", str(minimal_copy)],
            capture_output=True,
            env=env(MSCREF_CACHE_DIR=str(minimal_copy.parent / "cache")),
            cwd=REPO,
            timeout=120,
            check=False,
        )
    finally:
        minimal_copy.chmod(0o755)
    assert result.returncode == 1
    assert result.stdout == b""
    assert result.stderr.decode().splitlines() == [
        f"{minimal_copy}: permission denied (mscref needs to list the folder and read its files)",
        "error: 1 problem in the data",
    ]
