"""More hostile cases: outputs over what a command reads, registry stores that are not
mscref's, and foreign SQLite databases that must never be changed.

Each runs the real program in a subprocess with a timeout (a hang fails the test instead of
stalling the run), in a scratch folder, with the width pinned and no colour.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MINIMAL

REPO = Path(__file__).resolve().parent.parent
CTGOV = REPO / "tests" / "fixtures" / "ctgov" / "synthetic_bm_msc_gvhd.json"


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MSCREF_", "PYTHONIOENCODING", "LC_"))}
    base.pop("FORCE_COLOR", None)
    return {**base, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb", **extra}


def mscref(*args: str, cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "mscref", *args],
        capture_output=True,
        text=True,
        env=env(MSCREF_CACHE_DIR=str(cwd / ".cache"), **extra),
        cwd=cwd,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1, 2), result.stderr
    if result.returncode:
        assert result.stderr.strip(), "a failure says why"
    return result


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture()
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "dd"
    shutil.copytree(MINIMAL, target)
    return target


def empty_store(path: Path) -> Path:
    from mscref.registry.store import Store

    with Store(path):
        pass
    return path


# ------------------------------------------------------------------------------------------
# refs -o: never over a data file, a trailing slash names a folder


@pytest.mark.parametrize("name", ["references.yaml", "trials.yaml"])
def test_refs_never_writes_over_a_data_file_it_reads(data_copy: Path, name: str) -> None:
    before = snapshot(data_copy)
    result = mscref("refs", "--data-dir", "dd", "-o", f"dd/{name}", "--force", cwd=data_copy.parent)
    assert result.returncode == 1
    assert "data file" in result.stderr
    assert snapshot(data_copy) == before


def test_refs_through_a_link_to_a_data_file_is_refused(data_copy: Path) -> None:
    (data_copy.parent / "link.md").symlink_to("dd/trials.yaml")
    before = snapshot(data_copy)
    result = mscref("refs", "--data-dir", "dd", "-o", "link.md", "--force", cwd=data_copy.parent)
    assert result.returncode == 1
    assert snapshot(data_copy) == before
    assert (data_copy.parent / "link.md").is_symlink()


def test_refs_trailing_slash_is_a_folder_not_a_file(tmp_path: Path) -> None:
    result = mscref("refs", "--data-dir", str(MINIMAL), "-o", "newdir/", cwd=tmp_path)
    assert result.returncode == 1
    assert "folder" in result.stderr
    assert not (tmp_path / "newdir").exists()


def test_refs_empty_output_is_a_usage_error(tmp_path: Path) -> None:
    result = mscref("refs", "--data-dir", str(MINIMAL), "-o", "", cwd=tmp_path)
    assert result.returncode == 2
    assert list(tmp_path.iterdir()) == [] or all(p.name == ".cache" for p in tmp_path.iterdir())


# ------------------------------------------------------------------------------------------
# registry export / summary --plot: never over the store they read


@pytest.mark.parametrize("suffix", ["", "-wal"])
def test_registry_export_never_writes_over_its_store(tmp_path: Path, suffix: str) -> None:
    store = empty_store(tmp_path / "registry.sqlite")
    target = Path(f"{store}{suffix}")
    if not target.exists():
        target.write_bytes(b"")
    before = store.read_bytes()
    result = mscref("registry", "export", "--store", str(store), "-o", str(target), "--force", cwd=tmp_path)
    assert result.returncode == 1
    assert "reads" in result.stderr
    assert store.read_bytes() == before


def test_registry_export_parquet_never_writes_over_its_store(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow", reason="parquet export needs pyarrow")
    store = empty_store(tmp_path / "registry.sqlite")
    before = store.read_bytes()
    result = mscref(
        "registry",
        "export",
        "-f",
        "parquet",
        "--store",
        str(store),
        "-o",
        str(store),
        "--force",
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert store.read_bytes() == before


def test_registry_export_parquet_refuses_a_fifo_and_keeps_a_link(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow", reason="parquet export needs pyarrow")
    store = empty_store(tmp_path / "registry.sqlite")
    os.mkfifo(tmp_path / "pipe")
    result = mscref(
        "registry", "export", "-f", "parquet", "--store", str(store), "-o", "pipe", "--force", cwd=tmp_path
    )
    assert result.returncode == 1
    assert "FIFO" in result.stderr
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pipe").st_mode)
    (tmp_path / "real.parquet").write_bytes(b"old")
    (tmp_path / "link.parquet").symlink_to("real.parquet")
    result = mscref(
        "registry",
        "export",
        "-f",
        "parquet",
        "--store",
        str(store),
        "-o",
        "link.parquet",
        "--force",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "link.parquet").is_symlink()
    assert (tmp_path / "real.parquet").read_bytes()[:4] == b"PAR1"


def test_registry_export_parquet_keeps_a_read_only_file(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow", reason="parquet export needs pyarrow")
    store = empty_store(tmp_path / "registry.sqlite")
    ro = tmp_path / "ro.parquet"
    ro.write_bytes(b"mine")
    ro.chmod(0o444)
    result = mscref(
        "registry",
        "export",
        "-f",
        "parquet",
        "--store",
        str(store),
        "-o",
        "ro.parquet",
        "--force",
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "read-only" in result.stderr
    assert ro.read_bytes() == b"mine"


def test_registry_export_trailing_slash_is_a_folder(tmp_path: Path) -> None:
    store = empty_store(tmp_path / "registry.sqlite")
    result = mscref("registry", "export", "--store", str(store), "-o", "out/", cwd=tmp_path)
    assert result.returncode == 1
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------------------
# --store: someone else's database is never changed; a non-store is refused, never exit 3


def _user_db(path: Path) -> Path:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE mine (x)")
    db.execute("INSERT INTO mine VALUES (1)")
    db.commit()
    db.close()
    return path


def _wrong_tables(path: Path) -> Path:
    """A database that claims the store's schema version but lacks its tables and columns."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE studies (x)")
    db.execute("CREATE TABLE runs (y)")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    return path


WRITERS = {
    "fetch": [
        "fetch", "ctgov", "--base-url", "http://127.0.0.1:9/", "--retries", "0", "--timeout", "1",
        "--rate", "0", "--max-studies", "1",
    ],
    "classify": ["registry", "classify"],
}  # fmt: skip
READERS = {
    "list": ["registry", "list"],
    "summary": ["registry", "summary"],
    "history": ["registry", "history", "NCT00000000"],
    "runs": ["registry", "runs"],
    "export": ["registry", "export"],
    "import": ["import", "ctgov", "--from-store", "NCT00000001", "-o", "out.yaml"],
}


@pytest.mark.parametrize("make", [_user_db, _wrong_tables], ids=["foreign", "wrong-tables"])
@pytest.mark.parametrize("argv", list(WRITERS.values()), ids=list(WRITERS))
def test_a_command_that_writes_the_store_never_changes_a_foreign_database(
    tmp_path: Path, argv: list[str], make: object
) -> None:
    assert callable(make)
    db = make(tmp_path / "their.db")
    before = db.read_bytes()
    result = mscref(*argv, "--store", str(db), cwd=tmp_path)
    assert result.returncode == 1
    assert "not an mscref registry store" in result.stderr
    assert db.read_bytes() == before
    assert not Path(f"{db}-wal").exists()


@pytest.mark.parametrize("make", [_user_db, _wrong_tables], ids=["foreign", "wrong-tables"])
@pytest.mark.parametrize("argv", list(READERS.values()), ids=list(READERS))
def test_a_command_that_reads_the_store_refuses_a_foreign_database(
    tmp_path: Path, argv: list[str], make: object
) -> None:
    assert callable(make)
    db = make(tmp_path / "their.db")
    before = db.read_bytes()
    result = mscref(*argv, "--store", str(db), cwd=tmp_path)
    assert result.returncode == 1  # never exit 3 on a missing table or column
    assert "not an mscref registry store" in result.stderr
    assert db.read_bytes() == before


@pytest.mark.parametrize("kind", ["fifo", "dir", "dev-null", "loop"])
@pytest.mark.parametrize("argv", [WRITERS["classify"], READERS["list"]], ids=["classify", "list"])
def test_a_store_that_is_not_a_regular_file_is_refused(tmp_path: Path, argv: list[str], kind: str) -> None:
    if kind == "fifo":
        os.mkfifo(tmp_path / "s")
        where = str(tmp_path / "s")
    elif kind == "dir":
        (tmp_path / "s").mkdir()
        where = str(tmp_path / "s")
    elif kind == "loop":
        (tmp_path / "a").symlink_to("b")
        (tmp_path / "b").symlink_to("a")
        where = str(tmp_path / "a")
    else:
        where = os.devnull
    result = mscref(*argv, "--store", where, cwd=tmp_path)
    assert result.returncode == 1
    assert "registry store" in result.stderr
    if kind == "fifo":
        assert stat.S_ISFIFO(os.lstat(tmp_path / "s").st_mode)
    if kind == "dir":
        assert list((tmp_path / "s").iterdir()) == []
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


def test_an_empty_file_becomes_a_store_and_a_store_opens_again(tmp_path: Path) -> None:
    empty = tmp_path / "new.sqlite"
    empty.write_bytes(b"")
    assert mscref("registry", "classify", "--store", str(empty), cwd=tmp_path).returncode == 0
    assert mscref("registry", "list", "--store", str(empty), cwd=tmp_path).returncode == 0
    assert mscref("registry", "classify", "--store", str(empty), cwd=tmp_path).returncode == 0


# ------------------------------------------------------------------------------------------
# JSON that Python's parser takes but JSON does not have, or cannot turn into a number


def test_import_refuses_a_json_number_too_long_to_read(tmp_path: Path) -> None:
    body = b'{"studies": [{"protocolSection": {"x": 1' + b"0" * 100_000 + b"}}]}"
    (tmp_path / "in.json").write_bytes(body)
    result = mscref("import", "ctgov", "in.json", "-o", "out.yaml", cwd=tmp_path)
    assert result.returncode == 1  # not 3
    assert "in.json: not valid JSON: Exceeds the limit" in result.stderr
    assert "set_int_max_str_digits" not in result.stderr  # Python's advice is not the user's
    assert not (tmp_path / "out.yaml").exists()


def test_the_registry_client_reads_json_strictly() -> None:
    """The API's answers are JSON, which has no NaN or Infinity: they would reach an export."""
    from mscref.data.files import loads_json

    assert loads_json('{"a": [1, 2.5, -3e2, null]}') == {"a": [1, 2.5, -300.0, None]}
    with pytest.raises(ValueError, match="NaN"):
        loads_json("[NaN]")


# ------------------------------------------------------------------------------------------
# matplotlib reads only its own defaults


PLANTED_RC = "text.usetex: True\nbackend: module://plantedmod\nsavefig.dpi: not-a-number\n"


@pytest.mark.parametrize(
    "argv",
    [
        ["evidence", "--data-dir", str(MINIMAL), "--plot", "p.svg", "--force"],
        ["report", "--data-dir", str(MINIMAL), "--plots-dir", "pd", "-o", "r.md", "--force"],
    ],
    ids=["evidence", "report"],
)
def test_a_matplotlibrc_in_the_folder_changes_nothing(tmp_path: Path, argv: list[str]) -> None:
    (tmp_path / "matplotlibrc").write_text(PLANTED_RC, encoding="utf-8")
    marker = tmp_path / "ran"
    (tmp_path / "plantedmod.py").write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    result = mscref(*argv, cwd=tmp_path)
    assert result.returncode == 0, result.stderr  # no LaTeX run, no bad value stops the plot
    assert "Bad value" not in result.stderr and "matplotlibrc" not in result.stderr
    assert not marker.exists(), "a module named by a matplotlibrc was imported"


def test_a_bad_mplbackend_changes_nothing(tmp_path: Path) -> None:
    result = mscref(
        "evidence",
        "--data-dir",
        str(MINIMAL),
        "--plot",
        "p.svg",
        "--force",
        cwd=tmp_path,
        MPLBACKEND="nonsense",
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "p.svg").read_bytes().lstrip().startswith(b"<?xml")


# ------------------------------------------------------------------------------------------
# fetch: numbers a clock cannot hold, addresses httpx cannot parse

FETCH = [
    "fetch",
    "ctgov",
    "--base-url",
    "http://127.0.0.1:9/",
    "--retries",
    "0",
    "--timeout",
    "1",
    "--rate",
    "0",
]


@pytest.mark.parametrize(
    "extra",
    [
        ["--timeout", "inf"],
        ["--timeout", "1e300"],
        ["--rate", "nan"],
        ["--max-wait", "inf"],
        ["--backoff", "nan"],
    ],
    ids=lambda e: " ".join(e),
)
def test_fetch_refuses_numbers_that_are_not_finite(tmp_path: Path, extra: list[str]) -> None:
    result = mscref(*FETCH, "--store", "s.sqlite", *extra, cwd=tmp_path)
    assert result.returncode == 2
    assert "finite" in result.stderr
    assert not (tmp_path / "s.sqlite").exists()


@pytest.mark.parametrize("url", ["http://[::1", "https://256.256.256.256/"])
def test_fetch_names_an_unusable_server_address(tmp_path: Path, url: str) -> None:
    result = mscref(*FETCH, "--store", "s.sqlite", "--base-url", url, cwd=tmp_path)
    assert result.returncode == 1
    assert "not a usable server address" in result.stderr
    env_result = mscref(
        "fetch",
        "ctgov",
        "--store",
        "s.sqlite",
        "--retries",
        "0",
        "--timeout",
        "1",
        cwd=tmp_path,
        MSCREF_CTGOV_URL=url,
    )
    assert env_result.returncode == 1
    assert "not a usable server address" in env_result.stderr


def test_import_from_the_store_never_writes_over_the_store(tmp_path: Path) -> None:
    store = empty_store(tmp_path / "registry.sqlite")
    before = store.read_bytes()
    result = mscref(
        "import",
        "ctgov",
        "--from-store",
        "NCT00000001",
        "--store",
        str(store),
        "-o",
        str(store),
        cwd=tmp_path,
    )
    assert result.returncode in (1, 2)
    assert store.read_bytes() == before


def test_evidence_plot_with_a_trailing_slash_names_a_folder(tmp_path: Path) -> None:
    result = mscref("evidence", "--data-dir", str(MINIMAL), "--plot", "p.svg/", cwd=tmp_path)
    assert result.returncode == 1
    assert "names a folder" in result.stderr
    assert not (tmp_path / "p.svg").exists()


def test_registry_summary_plot_with_a_trailing_slash_names_a_folder(tmp_path: Path) -> None:
    store = tmp_path / "none.sqlite"
    result = mscref("registry", "summary", "--store", str(store), "--plot", "y.svg/", cwd=tmp_path)
    assert result.returncode == 1
    assert "names a folder" in result.stderr
    assert not (tmp_path / "y.svg").exists() and not store.exists()
