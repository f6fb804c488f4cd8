from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from mscref.dataset import Dataset
from mscref.loader import bundled_data_dir, load_dataset

FIXTURES = Path(__file__).parent / "fixtures"
MINIMAL = FIXTURES / "minimal"


@pytest.fixture(scope="session")
def bundled() -> Dataset:
    return load_dataset(bundled_data_dir())


@pytest.fixture()
def minimal_copy(tmp_path: Path) -> Path:
    """A writable copy of the minimal fixture data set."""
    target = tmp_path / "data"
    shutil.copytree(MINIMAL, target)
    return target


Edit = Callable[[str, str, str], Path]


@pytest.fixture()
def edit(minimal_copy: Path) -> Edit:
    """Replace ``old`` by ``new`` (exactly once) in one file of the minimal copy."""

    def _edit(name: str, old: str, new: str) -> Path:
        path = minimal_copy / name
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} must occur once in {name}"
        path.write_text(text.replace(old, new), encoding="utf-8")
        return minimal_copy

    return _edit
