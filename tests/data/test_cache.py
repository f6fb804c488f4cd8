"""The data-set cache: a cached run equals an uncached one, and an edit is always seen."""

from __future__ import annotations

import multiprocessing
import os
import shutil
from pathlib import Path

import pytest

from mscref.data import cache
from mscref.data.loader import _read_directory, load_dataset
from tests.conftest import MINIMAL


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(MINIMAL, target)
    return target


def entries(directory: Path) -> list[Path]:
    return sorted((directory / cache.SUBDIR).glob("*.msgpack"))


def key_of(directory: Path) -> str:
    """The cache key of a data directory as the loader computes it."""
    listing, contents = _read_directory(directory, {})
    assert listing is not None
    return cache.cache_key(listing, {n: v for n, v in contents.items() if isinstance(v, bytes)})


def test_a_cached_run_equals_an_uncached_run(
    cache_dir: Path, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = load_dataset(data)
    assert len(entries(cache_dir)) == 1
    cached = load_dataset(data)
    assert cache.load(data, key_of(data)) is not None  # the second run was served from the cache
    monkeypatch.setenv("MSCREF_NO_CACHE", "1")
    uncached = load_dataset(data)
    assert cached == uncached == first
    assert repr(cached) == repr(uncached)  # same types too: 30 stays 30, never 30.0


def test_an_edit_is_always_seen(cache_dir: Path, data: Path) -> None:
    load_dataset(data)
    trials = data / "trials.yaml"
    stat = trials.stat()
    text = trials.read_text(encoding="utf-8")
    trials.write_text(text.replace("    n: 30\n", "    n: 31\n"), encoding="utf-8")
    os.utime(trials, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same mtime: only the content says
    assert load_dataset(data).trials[1].n == 31
    assert len(entries(cache_dir)) == 2


def test_a_broken_edit_is_reported_not_served_from_the_cache(cache_dir: Path, data: Path) -> None:
    from mscref.data.errors import DataError

    load_dataset(data)
    trials = data / "trials.yaml"
    trials.write_text(
        trials.read_text(encoding="utf-8").replace("    n: 30\n", "    n: thirty\n"), encoding="utf-8"
    )
    with pytest.raises(DataError) as info:
        load_dataset(data)
    assert [p.line for p in info.value.problems] == [42]  # exact lines, even after a fast read


@pytest.mark.parametrize(
    "damage", [b"", b"garbage", cache._MAGIC + b"\x80\x04not msgpack", cache._MAGIC, cache._MAGIC[:-1]]
)
def test_a_damaged_entry_falls_back_to_parsing(cache_dir: Path, data: Path, damage: bytes) -> None:
    expected = load_dataset(data)
    (entry,) = entries(cache_dir)
    entry.write_bytes(damage)
    assert load_dataset(data) == expected
    assert cache.load(data, key_of(data)) == expected  # and the entry is whole again


def test_a_cut_or_extended_entry_is_a_miss(cache_dir: Path, data: Path) -> None:
    expected = load_dataset(data)
    key = key_of(data)
    (entry,) = entries(cache_dir)
    whole = entry.read_bytes()
    for damaged in (whole[: len(whole) - 5], whole + b"\x80", whole[: len(whole) // 2]):
        entry.write_bytes(damaged)
        assert cache.load(data, key) is None
    entry.write_bytes(whole)
    assert cache.load(data, key) == expected


def _with_digest(payload: bytes) -> bytes:
    """An entry whose digest matches ``payload``: what only the decoder itself can refuse."""
    return cache._MAGIC + cache.blake2b(payload, digest_size=32).digest() + payload


@pytest.mark.parametrize(
    "payload",
    [
        b"\xdd\xff\xff\xff\xff",  # an array claiming four billion items
        b"\xc1",  # a byte msgpack never uses
        b"\x93\xa1k\x90\x90",  # the wrong number of parts
        b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00.",  # a pickle
    ],
)
def test_a_well_digested_but_foreign_payload_is_a_miss(cache_dir: Path, data: Path, payload: bytes) -> None:
    expected = load_dataset(data)
    key = key_of(data)
    (entry,) = entries(cache_dir)
    entry.write_bytes(_with_digest(payload))
    assert cache.load(data, key) is None
    assert load_dataset(data) == expected


def test_an_entry_of_another_key_is_a_miss(cache_dir: Path, data: Path) -> None:
    load_dataset(data)
    (entry,) = entries(cache_dir)
    other = entry.with_name("0" * 64 + ".msgpack")
    entry.rename(other)
    assert cache.load(data, "0" * 64) is None  # the key inside the entry says whose it is


def test_a_damaged_byte_anywhere_is_a_miss_never_wrong_data(cache_dir: Path, data: Path) -> None:
    expected = load_dataset(data)
    key = key_of(data)
    (entry,) = entries(cache_dir)
    whole = entry.read_bytes()
    for position in range(0, len(whole), max(1, len(whole) // 400)):
        damaged = bytearray(whole)
        damaged[position] ^= 0x5A
        entry.write_bytes(bytes(damaged))
        assert cache.load(data, key) is None, position
    assert load_dataset(data) == expected


def test_a_new_version_does_not_read_old_entries(
    cache_dir: Path, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = key_of(data)
    monkeypatch.setattr(cache, "__version__", "999.0")
    assert key_of(data) != key


def test_the_cache_never_lives_in_the_data_directory(monkeypatch: pytest.MonkeyPatch, data: Path) -> None:
    monkeypatch.setenv("MSCREF_CACHE_DIR", str(data / "cache"))
    load_dataset(data)
    assert not (data / "cache").exists()


def test_an_unwritable_cache_is_skipped(monkeypatch: pytest.MonkeyPatch, data: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("MSCREF_CACHE_DIR", str(blocker / "cache"))
    assert load_dataset(data).trials


def _load_in_child(data: str, cache_dir: str) -> int:
    os.environ["MSCREF_CACHE_DIR"] = cache_dir
    return len(load_dataset(data).trials)


def test_concurrent_runs_leave_a_valid_cache(cache_dir: Path, data: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        counts = pool.starmap(_load_in_child, [(str(data), str(cache_dir))] * 8)
    assert counts == [2] * 8
    assert len(entries(cache_dir)) == 1
    assert not list((cache_dir / cache.SUBDIR).glob(".*.tmp"))
    assert cache.load(data, key_of(data)) is not None


def test_old_entries_are_pruned(cache_dir: Path, data: Path) -> None:
    trials = data / "trials.yaml"
    base = trials.read_text(encoding="utf-8")
    for i in range(cache.KEEP + 3):
        trials.write_text(base + f"# edit {i}\n", encoding="utf-8")
        load_dataset(data)
    assert len(entries(cache_dir)) == cache.KEEP


def test_an_interrupted_cache_write_leaves_no_entry(
    cache_dir: Path, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(src: str, dst: str, **_dir_fds: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    assert load_dataset(data).trials  # the run itself succeeds
    assert entries(cache_dir) == []
    assert list((cache_dir / cache.SUBDIR).glob(".*.tmp")) == []


def test_a_stray_yaml_file_is_seen_despite_the_cache(cache_dir: Path, data: Path) -> None:
    from mscref.data.errors import DataError

    load_dataset(data)
    (data / "trial.yaml").write_text("trials: []\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_dataset(data)
    assert "not a data file mscref knows; did you mean 'trials.yaml'?" in str(info.value)
