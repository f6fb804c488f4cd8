"""Fixtures the data-layer tests share."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache of the test's own, switched on whatever the environment says."""
    target = tmp_path / "cache"
    monkeypatch.setenv("MSCREF_CACHE_DIR", str(target))
    monkeypatch.delenv("MSCREF_NO_CACHE", raising=False)
    return target
