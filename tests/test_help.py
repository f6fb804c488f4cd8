"""Help reads as sentences: a command's description is rewrapped to the terminal as whole
sentences (a line break in the docstring is not kept), every option's help likewise."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from tests.test_docs import commands

runner = CliRunner()
_BOX = re.compile(r"[│╭╮╰╯─]")


def _flat(text: str) -> str:
    # a line may end after a hyphen inside a word ("engineered-" / "cells")
    return re.sub(r"(\w)- (?=\w)", r"\1-", " ".join(_BOX.sub(" ", text).split()))


@pytest.mark.parametrize("name", sorted(commands()))
@pytest.mark.parametrize("width", [60, 100])
def test_help_wraps_as_sentences(name: str, width: int) -> None:
    command = commands()[name]
    result = runner.invoke(app, [*name.split(), "--help"], env={"COLUMNS": str(width)}, terminal_width=width)
    assert result.exit_code == 0
    shown = _flat(result.stdout)
    first = (command.help or "").split("\n\n")[0]  # type: ignore[attr-defined]
    assert " ".join(first.split()) in shown
    for param in command.params:  # type: ignore[attr-defined]
        if getattr(param, "help", None) and not getattr(param, "hidden", False):
            words = param.help.split()
            # every option's help is there whole, in order (the wrapping may add only spaces)
            assert " ".join(words) in shown, (name, param.name)
