"""The README documents every command, and CI runs exactly the README's commands."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from mscref.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands() -> dict[str, object]:
    """Every command by its full name (``import ctgov`` too)."""
    group = typer.main.get_command(app)
    out: dict[str, object] = {}
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        out[name] = command
        for sub, subcommand in getattr(command, "commands", {}).items():
            out[f"{name} {sub}"] = subcommand
    return out


def test_every_command_has_help_with_an_example() -> None:
    for name, command in commands().items():
        help_text = command.help or ""  # type: ignore[attr-defined]
        assert help_text.strip(), name
        assert "Example: mscref " in help_text, name


def test_every_command_is_in_the_readme() -> None:
    for name in commands():
        assert f"`mscref {name}" in README, name


def test_ci_runs_the_readme_setup_and_test_commands() -> None:
    block = re.search(r"## Set up and test\n\n```sh\n(.*?)```", README, re.S)
    assert block is not None
    setup, test = (line.split("#")[0].strip() for line in block.group(1).strip().splitlines())
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert setup == "pip install -e '.[test]'"
    assert "pip install" in ci and "-e '.[test]'" in ci
    assert re.search(rf"^{re.escape(test)}$", ci, re.M), "CI must run the README's test command as is"
