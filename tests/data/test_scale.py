"""At scale the answers stay right: a 10k-trial data set loads, is cached, and any edit shows.

Speed is measured by ``benchmarks/run.py``, never here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from benchmarks.generate import generate
from mscref.cli import app
from mscref.data import cache
from mscref.data.loader import load_dataset
from tests.data.test_cache import key_of

N = 10_000


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(N, tmp_path_factory.mktemp("big"))


def test_the_generator_is_deterministic_and_its_data_valid(tmp_path: Path) -> None:
    a = generate(40, tmp_path / "a")
    b = generate(40, tmp_path / "b")
    c = generate(40, tmp_path / "c", seed=7)
    text = (a / "trials.yaml").read_bytes()
    assert text == (b / "trials.yaml").read_bytes()
    assert text != (c / "trials.yaml").read_bytes()
    ds = load_dataset(a)
    assert sum(t.id.startswith("synthetic-") for t in ds.trials) == 40


def test_an_edit_to_one_value_of_10k_trials_is_seen_on_the_next_run(
    big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold = load_dataset(big)
    assert sum(t.id.startswith("synthetic-") for t in cold.trials) == N
    warm = cache.load(big, key_of(big))
    assert warm is not None, "the first run must have cached the data set"
    assert warm == cold
    monkeypatch.setenv("MSCREF_NO_CACHE", "1")
    assert load_dataset(big) == cold  # a cached run equals an uncached one
    monkeypatch.delenv("MSCREF_NO_CACHE")

    trials = big / "trials.yaml"
    before = trials.stat()
    text = trials.read_text(encoding="utf-8")
    old, new = '"Synthetic trial 5000"', '"Synthetic trial 5000, edited"'
    assert text.count(old) == 1
    trials.write_text(text.replace(old, new), encoding="utf-8")
    os.utime(trials, ns=(before.st_atime_ns, before.st_mtime_ns))  # only the content tells

    result = CliRunner().invoke(
        app, ["show", "synthetic-005000", "--data-dir", str(big)], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.stderr
    assert "Synthetic trial 5000, edited" in result.stdout
    edited = load_dataset(big)
    assert (
        next(t for t in edited.trials if t.id == "synthetic-005000").title == "Synthetic trial 5000, edited"
    )
    assert [t for t in edited.trials if t.id != "synthetic-005000"] == [
        t for t in cold.trials if t.id != "synthetic-005000"
    ]
