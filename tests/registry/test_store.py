"""The registry store: one transaction a page, versions kept, keyed by registry and id."""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path

import pytest

from mscref.data.dataset import Dataset
from mscref.registry.store import RegistryFilter, Store, default_store_path
from tests.registry.ctgov_server import nct, synthetic_studies


def table_rows(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        return [
            row
            for table in ("studies", "versions", "countries", "runs")
            for row in db.execute(f"SELECT * FROM {table} ORDER BY 1, 2")
        ]


def test_a_page_that_fails_half_way_leaves_the_store_as_it_was(tmp_path: Path, bundled: Dataset) -> None:
    path = tmp_path / "r.sqlite"
    studies = synthetic_studies(6)
    with Store(path) as st:
        run = st.begin_run("q", {}, None)
        st.put_page(studies[:3], bundled, run=run, next_token="tok-3")
        before = table_rows(path)
        broken = copy.deepcopy(studies[3:])
        broken[1]["protocolSection"]["notJson"] = {1, 2}  # json.dumps fails on the 5th study
        with pytest.raises(TypeError):
            st.put_page(broken, bundled, run=run, next_token="tok-6")
        assert table_rows(path) == before  # study 4 (written before the failure) is gone too
        assert st.unfinished_run("q") is not None
        assert st.unfinished_run("q").next_token == "tok-3"  # type: ignore[union-attr]


def test_versions_are_kept_and_keyed_by_registry_and_id(tmp_path: Path, bundled: Dataset) -> None:
    path = tmp_path / "r.sqlite"
    (study,) = synthetic_studies(1)
    with Store(path) as st:
        assert st.put_page([study], bundled).added == [nct(study)]
        assert st.put_page([study], bundled).unchanged == [nct(study)]
        changed = copy.deepcopy(study)
        changed["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = 61
        assert st.put_page([changed], bundled).changed == [nct(study)]
        # the same id in another registry is another study
        assert st.put_page([study], bundled, registry="other").added == [nct(study)]
        history = st.history(nct(study))
        assert [v.version for v in history] == [1, 2]
        assert history[0].data == study and history[1].data == changed
        (row,) = st.rows(RegistryFilter())
        assert row["enrollment"] == 61 and row["version"] == 2
        assert st.count() == (1, 1) and st.count("other") == (1, 1)


def test_the_default_store_follows_xdg_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MSCREF_STORE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_store_path() == tmp_path / "data" / "mscref" / "registry.sqlite"
    monkeypatch.setenv("MSCREF_STORE", str(tmp_path / "x.sqlite"))
    assert default_store_path() == tmp_path / "x.sqlite"


def test_a_read_only_open_never_creates_a_store(tmp_path: Path) -> None:
    from mscref.registry.store import StoreError

    with pytest.raises(StoreError, match="no registry store at"):
        Store(tmp_path / "absent.sqlite", readonly=True)
    assert not (tmp_path / "absent.sqlite").exists()
