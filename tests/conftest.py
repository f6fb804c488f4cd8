from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from mscref.data.dataset import Dataset
from mscref.data.loader import bundled_data_dir, load_dataset

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


GOLDEN = Path(__file__).parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="Rewrite the golden files under tests/golden from the current output (review the diff!).",
    )


@pytest.fixture()
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare text with tests/golden/NAME; with --update-golden, rewrite the file instead."""
    update = bool(request.config.getoption("--update-golden"))

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"no golden file {path}; run pytest --update-golden and review it"
        assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"

    return check


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never read or write the user's own cache."""
    os.environ["MSCREF_CACHE_DIR"] = str(tmp_path_factory.mktemp("mscref-cache"))
