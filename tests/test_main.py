"""The console entry point: one command built per run, the same answers, one line for a bug."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

import mscref.cli as cli
import mscref.cli.commands.compare as compare_command
from mscref.cli import app, app_for, main
from tests.conftest import MINIMAL

DATA = ["--data-dir", str(MINIMAL)]


def names(typer_app: typer.Typer) -> list[str]:
    group = typer.main.get_command(typer_app)
    assert isinstance(group, typer.main.TyperGroup)
    return sorted(group.commands)


def test_a_named_command_gets_an_app_with_only_that_command() -> None:
    every = names(app)
    assert len(every) > 5
    for name in every:
        assert names(app_for([name, "--help"])) == [name]
    assert names(app_for(["--debug", "trials"])) == ["trials"]
    assert names(app_for(["import", "ctgov", "x.json"])) == ["import"]


@pytest.mark.parametrize(
    "argv",
    [[], ["--help"], ["--version"], ["--help", "compare"], ["comapre", "uc"], ["--", "compare"]],
)
def test_help_version_and_unknown_names_get_the_whole_app(argv: list[str]) -> None:
    assert app_for(argv) is app


@pytest.mark.parametrize(
    "argv",
    [
        ["compare", "uc", "bm", *DATA],
        ["trials", "--indication", "gvhd", *DATA],
        ["show", "nope", *DATA],
        ["trials", "--bogus"],
        ["compare", "--help"],
    ],
)
def test_main_answers_as_the_whole_app_does(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    # help is as wide as the terminal less 2, up to 100 columns: 98 here, as main() sees it
    expected = CliRunner().invoke(app, argv, prog_name="mscref", terminal_width=98)
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    assert (exit_info.value.code or 0) == expected.exit_code
    assert out == expected.stdout
    assert err == expected.stderr


def test_a_bug_is_one_line_and_exit_3_unless_debugging(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(compare_command, "compare_table", broken)
    monkeypatch.setenv("MSCREF_DEBUG", "")  # restored after the test, though --debug sets it
    with pytest.raises(SystemExit) as exit_info:
        main(["compare", "uc", *DATA])
    assert exit_info.value.code == cli.BUG_EXIT
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "internal error: RuntimeError: boom" in err and "Traceback" not in err
    with pytest.raises(RuntimeError, match="boom"):
        main(["--debug", "compare", "uc", *DATA])
