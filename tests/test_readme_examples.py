"""The README's example outputs are what the commands print now."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mscref.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
runner = CliRunner()
# ```console blocks whose first line is a plain "$ mscref ..." command (no pipes, no files)
BLOCKS = re.findall(r"```console\n\$ mscref ([^\n|>]*)\n(.*?)```", README, re.S)
EXAMPLES = [(cmd, out) for cmd, out in BLOCKS if "-o " not in cmd and "\n$ " not in out]


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize(("command", "expected"), EXAMPLES, ids=[c for c, _ in EXAMPLES])
def test_readme_example_is_current(command: str, expected: str) -> None:
    result = runner.invoke(app, command.split(), env={"COLUMNS": "100"}, terminal_width=100)
    shown = result.stdout + result.stderr
    expected = expected.split("…\n")[-1]  # an elided start: the rest must match
    assert expected.strip("\n") in shown
