"""Every broken input in tests/corpus/ ends in its exact error: right exit code, file, line and
field on stderr, no traceback, nothing written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from tests.conftest import MINIMAL

CORPUS = Path(__file__).parent / "corpus"
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir() and (p / "case.json").exists())
runner = CliRunner()


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 60


def _tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_corpus_case(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = json.loads((case / "case.json").read_text(encoding="utf-8"))
    data = tmp_path / "data"
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)  # paths outside the working directory are shown in full
    if spec["base"] == "minimal":
        shutil.copytree(MINIMAL, data)
        for f in case.iterdir():
            if f.name != "case.json":
                shutil.copyfile(f, data / f.name)
    fill = {"{data}": str(data), "{case}": str(case), "{tmp}": str(work)}

    def filled(text: str) -> str:
        for key, value in fill.items():
            text = text.replace(key, value)
        return text

    before = _tree(tmp_path), _tree(case)
    result = runner.invoke(app, [filled(a) for a in spec["argv"]])
    out, err = result.stdout, result.stderr
    assert "Traceback" not in out + err
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == spec["exit"], err
    assert out == ""
    lines = err.splitlines()
    for expected in spec["stderr"]:
        if spec["exit"] == 2:  # usage errors come in the command-line parser's box
            assert filled(expected) in err, f"missing:\n{filled(expected)}\nin:\n{err}"
        else:
            assert filled(expected) in lines, f"missing line:\n{filled(expected)}\nin:\n{err}"
    assert any(line.startswith("error: ") for line in lines) or spec["exit"] == 2
    assert (_tree(tmp_path), _tree(case)) == before, "a failing command wrote something"


def test_a_250_mb_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(MINIMAL, data)
    with (data / "statements.yaml").open("wb") as handle:
        handle.truncate(250_000_000)  # sparse: no 250 MB written to disk
    result = runner.invoke(app, ["validate", "--data-dir", str(data)])
    assert result.exit_code == 1
    assert f"{data}/statements.yaml: the file is 238 MiB, more than the 200 MiB mscref reads" in result.stderr


@pytest.mark.parametrize("kind", ["fifo", "dangling-link", "link-loop", "directory"])
def test_special_files_are_refused_not_read(tmp_path: Path, kind: str) -> None:
    import os

    data = tmp_path / "data"
    shutil.copytree(MINIMAL, data)
    target = data / "claims.yaml"
    target.unlink()
    if kind == "fifo":
        os.mkfifo(target)  # reading it would block for ever
    elif kind == "dangling-link":
        target.symlink_to(tmp_path / "nowhere.yaml")
    elif kind == "link-loop":
        target.symlink_to(target)
    else:
        target.mkdir()
    result = runner.invoke(app, ["validate", "--data-dir", str(data)])
    assert result.exit_code == 1
    message = {
        "fifo": "is not a regular file (a pipe, device or socket cannot be read as data)",
        "dangling-link": "no such file (a broken symbolic link)",
        "link-loop": "cannot be read: Too many levels of symbolic links",
        "directory": "is a directory, not a file",
    }[kind]
    assert f"{target}: {message}" in result.stderr.splitlines()
