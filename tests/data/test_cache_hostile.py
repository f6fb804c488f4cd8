"""The cache against a hostile or careless world: planted entries, other people's folders, the
user's own files beside it, pipes and links where entries belong, files changing mid-run, and
code changing under an editable install. Each case: no code run, no file lost, no hang, no
wrong answer."""

from __future__ import annotations

import os
import pickle
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mscref.cli import app
from mscref.data import cache, rawfile
from mscref.data.errors import DataError
from mscref.data.loader import load_dataset
from tests.conftest import MINIMAL
from tests.data.test_cache import entries, key_of

ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="needs root (to chown a folder to another user)")
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="this platform has no FIFOs")


@pytest.fixture()
def cache_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "cache"
    monkeypatch.setenv("MSCREF_CACHE_DIR", str(target))
    monkeypatch.delenv("MSCREF_NO_CACHE", raising=False)
    return target


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(MINIMAL, target)
    return target


def _edit(data: Path, i: int) -> None:
    trials = data / "trials.yaml"
    trials.write_text(trials.read_text(encoding="utf-8") + f"# edit {i}\n", encoding="utf-8")


# ---- data only ----------------------------------------------------------------------------


def test_no_module_of_mscref_imports_pickle() -> None:
    package = Path(cache.__file__).resolve().parent.parent
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "import pickle" not in text and "from pickle" not in text, path


def test_a_planted_pickle_with_a_valid_digest_runs_nothing(
    cache_root: Path, data: Path, tmp_path: Path
) -> None:
    expected = load_dataset(data)
    marker = tmp_path / "ran"

    class Exploit:
        def __reduce__(self) -> tuple[object, ...]:
            return (os.system, (f"touch {marker}",))

    payload = pickle.dumps(Exploit())
    (entry,) = entries(cache_root)
    entry.write_bytes(cache._MAGIC + cache.blake2b(payload, digest_size=32).digest() + payload)
    assert load_dataset(data) == expected
    assert not marker.exists()


# ---- only its own entries are ever deleted ------------------------------------------------


def test_pruning_never_deletes_the_users_own_files(cache_root: Path, data: Path) -> None:
    """MSCREF_CACHE_DIR pointed at a folder of the user's own files, some of them named like
    entries, some inside the cache's own folder: pruning deletes only entries it wrote."""
    cache_root.mkdir(mode=0o700)
    own = cache_root / cache.SUBDIR
    own.mkdir(mode=0o700)
    users: dict[Path, bytes] = {}
    for i in range(cache.KEEP + 4):
        users[cache_root / f"results-{i}.pickle"] = f"user data {i}".encode()
        users[cache_root / f"{i:064x}.msgpack"] = b"a file named like an entry, outside the folder"
    for i in range(4):  # inside the cache's own folder: an entry's name, but not its header
        users[own / f"{i + 1:064x}.msgpack"] = b"not an entry"
    users[own / "notes.txt"] = b"mine"
    for path, content in users.items():
        path.write_bytes(content)
    target = cache_root / "precious.txt"
    target.write_bytes(b"linked to")
    users[target] = b"linked to"
    (own / f"{9:064x}.msgpack").symlink_to(target)  # a link named like an entry

    for i in range(cache.KEEP + 3):
        _edit(data, i)
        load_dataset(data)
    assert len([p for p in entries(cache_root) if not p.is_symlink() and _has_header(p)]) == cache.KEEP
    for path, content in users.items():
        assert path.read_bytes() == content, path
    assert (own / f"{9:064x}.msgpack").is_symlink()


def _has_header(path: Path) -> bool:
    return path.read_bytes().startswith(cache._MAGIC)


# ---- whose folder -------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o720, 0o702, 0o1777])
def test_a_folder_others_can_write_is_refused(cache_root: Path, data: Path, mode: int) -> None:
    cache_root.mkdir()
    cache_root.chmod(mode)
    expected = load_dataset(data)
    assert load_dataset(data) == expected  # the run itself is unaffected
    assert not (cache_root / cache.SUBDIR).exists()
    reason = cache.last_status()
    assert reason is not None and "writable by other users" in reason and str(cache_root) in reason


def test_an_entries_folder_others_can_write_is_refused(cache_root: Path, data: Path) -> None:
    (cache_root / cache.SUBDIR).mkdir(parents=True, mode=0o700)
    (cache_root / cache.SUBDIR).chmod(0o777)
    load_dataset(data)
    assert entries(cache_root) == []
    assert "writable by other users" in (cache.last_status() or "")


def test_a_folder_of_another_user_is_refused(
    cache_root: Path, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Seen from another user (the folder's owner stays, our uid changes)."""
    load_dataset(data)
    assert len(entries(cache_root)) == 1
    with monkeypatch.context() as other:
        other.setattr(os, "getuid", lambda: os.geteuid() + 1)
        assert cache.load(data, key_of(data)) is None
        assert "owned by another user" in (cache.last_status() or "")
    assert cache.load(data, key_of(data)) is not None and cache.last_status() is None


@needs_root
def test_a_folder_chowned_to_another_user_is_refused(cache_root: Path, data: Path) -> None:
    cache_root.mkdir(mode=0o700)
    os.chown(cache_root, 65534, 65534)
    load_dataset(data)
    assert not (cache_root / cache.SUBDIR).exists()
    assert "owned by another user (uid 65534)" in (cache.last_status() or "")


@needs_root
def test_an_entry_of_another_user_is_a_miss(cache_root: Path, data: Path) -> None:
    load_dataset(data)
    (entry,) = entries(cache_root)
    os.chown(entry, 65534, 65534)
    assert cache.load(data, key_of(data)) is None


def test_a_symlinked_cache_folder_is_refused(cache_root: Path, data: Path, tmp_path: Path) -> None:
    real = tmp_path / "elsewhere"
    real.mkdir(mode=0o700)
    cache_root.symlink_to(real)
    load_dataset(data)
    assert list(real.iterdir()) == []
    assert "symbolic link" in (cache.last_status() or "")


def test_a_symlinked_entries_folder_is_refused(cache_root: Path, data: Path, tmp_path: Path) -> None:
    real = tmp_path / "elsewhere"
    real.mkdir(mode=0o700)
    cache_root.mkdir(mode=0o700)
    (cache_root / cache.SUBDIR).symlink_to(real)
    load_dataset(data)
    assert list(real.iterdir()) == []
    assert "symbolic link" in (cache.last_status() or "")


def test_a_file_where_the_folder_belongs_is_refused(cache_root: Path, data: Path) -> None:
    cache_root.write_text("mine")
    assert load_dataset(data).trials
    assert cache_root.read_text() == "mine"
    assert "is not a folder" in (cache.last_status() or "")


def test_the_folders_are_created_private(cache_root: Path, data: Path) -> None:
    old = os.umask(0o002)  # a umask that would leave new folders group-writable
    try:
        load_dataset(data)
    finally:
        os.umask(old)
    assert stat.S_IMODE(cache_root.stat().st_mode) == 0o700
    assert stat.S_IMODE((cache_root / cache.SUBDIR).stat().st_mode) == 0o700
    (entry,) = entries(cache_root)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert cache.last_status() is None


def test_the_reason_is_printed_once_under_debug_only(cache_root: Path) -> None:
    cache_root.mkdir()
    cache_root.chmod(0o777)
    runner = CliRunner()
    env = {"MSCREF_CACHE_DIR": str(cache_root), "MSCREF_DEBUG": ""}
    quiet = runner.invoke(app, ["compare", "uc", "ad"], env=env)
    assert quiet.exit_code == 0 and quiet.stderr == ""
    loud = runner.invoke(app, ["--debug", "compare", "uc", "ad"], env=env)
    assert loud.exit_code == 0
    assert loud.stdout == quiet.stdout
    (line,) = loud.stderr.splitlines()
    assert line.startswith("debug: cache off: the cache folder") and "writable by other users" in line


# ---- no hang, no link followed ------------------------------------------------------------


def _load_in_child(data: Path, cache_root: Path) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys; from mscref.data.loader import load_dataset; "
        "print(len(load_dataset(sys.argv[1]).trials))"
    )
    env = {**os.environ, "MSCREF_CACHE_DIR": str(cache_root)}
    return subprocess.run(
        [sys.executable, "-c", code, str(data)], capture_output=True, text=True, env=env, timeout=120
    )


@needs_fifo
def test_a_fifo_at_an_entrys_path_is_a_miss_not_a_hang(cache_root: Path, data: Path) -> None:
    load_dataset(data)
    (entry,) = entries(cache_root)
    entry.unlink()
    os.mkfifo(entry, 0o600)
    done = _load_in_child(data, cache_root)  # a blocking open would wait for a writer for ever
    assert done.returncode == 0 and done.stdout.strip() == "2", done.stderr
    assert stat.S_ISFIFO(entry.lstat().st_mode)  # a FIFO is not the cache's to delete


@needs_fifo
def test_a_symlinked_entry_is_never_followed(cache_root: Path, data: Path, tmp_path: Path) -> None:
    expected = load_dataset(data)
    (entry,) = entries(cache_root)
    good = tmp_path / "entry-copy"
    shutil.copyfile(entry, good)
    entry.unlink()
    entry.symlink_to(good)  # even a link to a valid entry is not read
    assert cache.load(data, key_of(data)) is None
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    entry.unlink()
    entry.symlink_to(fifo)  # a link to a FIFO would hang if followed
    done = _load_in_child(data, cache_root)
    assert done.returncode == 0 and done.stdout.strip() == "2", done.stderr
    assert load_dataset(data) == expected


def test_a_device_at_an_entrys_path_is_a_miss(cache_root: Path, data: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    load_dataset(data)
    (entry,) = entries(cache_root)
    entry.unlink()
    entry.symlink_to("/dev/zero")  # an endless device, through a link
    assert cache.load(data, key_of(data)) is None


@needs_root
def test_a_device_node_at_an_entrys_path_is_a_miss(cache_root: Path, data: Path) -> None:
    load_dataset(data)
    (entry,) = entries(cache_root)
    entry.unlink()
    try:
        os.mknod(entry, 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero's numbers
    except PermissionError:
        pytest.skip("this container may not create device nodes")
    done = _load_in_child(data, cache_root)
    assert done.returncode == 0 and done.stdout.strip() == "2", done.stderr
    assert stat.S_ISCHR(entry.lstat().st_mode)


# ---- a file changing mid-run --------------------------------------------------------------


VALID = "    n: 30\n"
INVALID = "    n: thirty\n"


@pytest.mark.parametrize("read_valid", [True, False], ids=["valid-then-broken", "broken-then-valid"])
def test_a_file_changing_mid_run_never_poisons_the_cache(
    cache_root: Path, data: Path, monkeypatch: pytest.MonkeyPatch, read_valid: bool
) -> None:
    """An editor saves trials.yaml right after mscref has read it. Each run answers for the bytes
    it read, and the next run sees the file as it is now: an invalid file is never reported OK,
    however the reads and writes interleave."""
    trials = data / "trials.yaml"
    text = trials.read_text(encoding="utf-8")
    assert text.count(VALID) == 1
    valid, invalid = text, text.replace(VALID, INVALID)
    first, then = (valid, invalid) if read_valid else (invalid, valid)
    trials.write_text(first, encoding="utf-8")

    real = rawfile.read_data
    reads: list[str] = []

    def read_then_edit(path: Path, shown: str) -> object:
        out = real(path, shown)
        reads.append(path.name)
        if path.name == "trials.yaml":
            path.write_text(then, encoding="utf-8")  # the concurrent save
        return out

    monkeypatch.setattr(rawfile, "read_data", read_then_edit)
    if read_valid:
        assert load_dataset(data).trials[1].n == 30
    else:
        with pytest.raises(DataError):
            load_dataset(data)
    assert sorted(reads) == sorted(p.name for p in data.iterdir())  # each file read once
    monkeypatch.setattr(rawfile, "read_data", real)

    runner = CliRunner()
    for content in (then, first, then):  # and back and forth: each run judges what is there
        trials.write_text(content, encoding="utf-8")
        result = runner.invoke(app, ["validate", "--data-dir", str(data)])
        assert result.exit_code == (0 if content is valid else 1), result.stdout + result.stderr
        if content is invalid:
            assert "thirty" in result.stderr


def test_the_bytes_parsed_are_the_bytes_hashed(
    cache_root: Path, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even the strict re-read after a fast parse finds a problem does not read the file again."""
    trials = data / "trials.yaml"
    trials.write_text(trials.read_text(encoding="utf-8").replace(VALID, INVALID), encoding="utf-8")
    real = rawfile.read_data
    reads: list[str] = []

    def counting(path: Path, shown: str) -> object:
        reads.append(path.name)
        return real(path, shown)

    monkeypatch.setattr(rawfile, "read_data", counting)
    with pytest.raises(DataError):
        load_dataset(data)
    assert reads.count("trials.yaml") == 1


# ---- code changes -------------------------------------------------------------------------


def test_editing_a_validation_rule_gives_a_new_key(
    tmp_path: Path, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editable install: the data layer's source changes, the version does not."""
    package = Path(cache.__file__).resolve().parent.parent
    copy = tmp_path / "pkg" / "mscref"
    shutil.copytree(package / "data", copy / "data", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(package / "__init__.py", copy / "__init__.py")
    monkeypatch.setattr(cache, "__file__", str(copy / "data" / "cache.py"))

    def key() -> str:
        monkeypatch.setattr(cache, "_code_digest", None)
        return key_of(data)

    before = key()
    assert key() == before  # stable
    models = copy / "data" / "models.py"
    source = models.read_text(encoding="utf-8")
    rule = "n: int | None = _f(min=1, max=MAX_COUNT)"
    assert rule in source
    models.write_text(source.replace(rule, rule.replace("min=1", "min=2")), encoding="utf-8")  # same size
    assert key() != before
    models.write_text(source, encoding="utf-8")
    assert key() == before
    (copy / "data" / "newrule.py").write_text("RULE = 1\n", encoding="utf-8")
    assert key() != before


def test_the_code_digest_is_computed_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "_code_digest", None)
    first = cache.code_digest()
    monkeypatch.setattr(cache, "read_regular", _fail)
    assert cache.code_digest() == first


def _fail(*args: object, **kwargs: object) -> bytes:
    raise AssertionError("read again")


# ---- where the cache lives ----------------------------------------------------------------


@pytest.mark.skipif(sys.platform != "linux", reason="the XDG rules apply on Linux")
@pytest.mark.parametrize("xdg", ["relative/cache", "./cache", "~/cache", ""])
def test_a_relative_xdg_cache_home_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, xdg: str
) -> None:
    monkeypatch.delenv("MSCREF_CACHE_DIR")
    monkeypatch.delenv("MSCREF_NO_CACHE", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", xdg)
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "mscref"


@pytest.mark.skipif(sys.platform != "linux", reason="the XDG rules apply on Linux")
def test_an_absolute_xdg_cache_home_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MSCREF_CACHE_DIR")
    monkeypatch.delenv("MSCREF_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "mscref"


def test_mscref_cache_dir_and_no_cache_still_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: Path
) -> None:
    monkeypatch.setenv("MSCREF_CACHE_DIR", str(tmp_path / "mine"))
    assert cache.cache_dir() == tmp_path / "mine"
    monkeypatch.setenv("MSCREF_NO_CACHE", "1")
    assert cache.cache_dir() is None
    load_dataset(data)
    assert not (tmp_path / "mine").exists()


def test_a_relative_xdg_value_never_creates_a_folder_here(tmp_path: Path) -> None:
    """End to end, in a fresh process: a relative XDG_CACHE_HOME leaves the working folder alone."""
    home = tmp_path / "home"
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("MSCREF_CACHE_DIR", "MSCREF_NO_CACHE")}
    env.update(HOME=str(home), XDG_CACHE_HOME="rel")
    code = textwrap.dedent(
        """
        from mscref.data.loader import load_dataset
        load_dataset()
        """
    )
    subprocess.run([sys.executable, "-c", code], cwd=work, env=env, check=True, timeout=120)
    assert list(work.iterdir()) == []
    assert list((home / ".cache" / "mscref" / cache.SUBDIR).glob("*.msgpack"))


def test_where_folders_cannot_be_checked_there_is_no_cache(
    cache_root: Path, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache, "_SUPPORTED", False)
    assert load_dataset(data).trials
    assert not cache_root.exists()
    assert "cannot check" in (cache.last_status() or "")
