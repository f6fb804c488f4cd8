"""Trials read from the cache are decoded when asked for: the answers equal an uncached run's,
and a question about one indication or one trial decodes only those trials."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import msgspec
import pytest
from typer.testing import CliRunner

from benchmarks.generate import generate
from mscref.cli import app
from mscref.data import cache
from mscref.data.dataset import Trials
from mscref.data.errors import CacheDamaged
from mscref.data.loader import load_dataset
from mscref.data.query import TrialFilter, select
from tests.data.test_cache import entries, key_of


@pytest.fixture()
def data(tmp_path: Path) -> Path:
    return generate(300, tmp_path / "data")


def cached(data: Path) -> Trials:
    ds = load_dataset(data)
    assert isinstance(ds.trials, Trials)
    return ds.trials


def test_a_cached_data_set_decodes_no_trial_until_asked(cache_dir: Path, data: Path) -> None:
    eager = load_dataset(data)  # parsed, then cached
    assert eager.indexed_trials().decoded() == len(eager.trials)
    lazy = load_dataset(data)
    trials = lazy.indexed_trials()
    assert trials.decoded() == 0
    assert trials.ids() == tuple(t.id for t in eager.trials)
    assert trials.indications() == tuple(t.indication for t in eager.trials)
    assert trials.products() == tuple(t.product for t in eager.trials)
    assert trials.decoded() == 0  # the columns come without decoding
    assert lazy == eager  # and then every record equals the parsed one
    assert trials.decoded() == len(eager.trials)


def test_selecting_one_indication_decodes_only_its_trials(cache_dir: Path, data: Path) -> None:
    eager = load_dataset(data)
    lazy = load_dataset(data)
    family = lazy.indication_family("gvhd")
    wanted = sum(ind in family for ind in lazy.indexed_trials().indications())
    assert 0 < wanted < len(lazy.trials)
    chosen = select(lazy, TrialFilter(indication="gvhd"))
    assert lazy.indexed_trials().decoded() == wanted
    assert chosen == select(eager, TrialFilter(indication="gvhd"))


def test_a_trial_found_by_id_is_the_only_one_decoded(cache_dir: Path, data: Path) -> None:
    eager = load_dataset(data)
    lazy = load_dataset(data)
    some = eager.trials[137]
    assert lazy.record(some.id) == some
    assert lazy.indexed_trials().decoded() == 1
    assert lazy.record(some.id.upper()) == some  # an id in another case still finds it
    assert lazy.trials_of(eager.products[0]) == eager.trials_of(eager.products[0])


def test_trials_behave_as_the_tuple_they_stand_for(cache_dir: Path, data: Path) -> None:
    eager = load_dataset(data).trials
    lazy = cached(data)
    as_tuple = tuple(eager)
    assert lazy == as_tuple and as_tuple == lazy
    assert hash(lazy) == hash(as_tuple)
    assert lazy[-1] == as_tuple[-1] and lazy[3:7] == as_tuple[3:7]
    assert list(reversed(lazy))[:2] == list(reversed(as_tuple))[:2]
    with pytest.raises(IndexError):
        lazy[len(as_tuple)]
    assert pickle.loads(pickle.dumps(lazy)) == as_tuple
    assert lazy != as_tuple[:-1]
    assert dataclasses.replace(as_tuple[0], title="changed") not in lazy


def test_trials_refuse_encoded_records_without_their_columns() -> None:
    with pytest.raises(ValueError, match="decoder"):
        Trials(raw=[b"\x80"], decode=lambda raw: raw, columns=((), (), ()))


def test_a_record_that_does_not_decode_stops_the_run_and_removes_the_entry(
    cache_dir: Path, data: Path
) -> None:
    """An entry with a matching digest but a record that is not a trial (only something other
    than mscref could write one) ends in a message, never a traceback, and the next run parses."""
    expected = load_dataset(data)
    (entry,) = entries(cache_dir)
    raw = entry.read_bytes()
    start = len(cache._MAGIC) + 32
    parts = list(msgspec.msgpack.decode(raw[start:], type=tuple[msgspec.Raw, ...]))
    at = 1 + cache._PARTS.index("trials")
    encoded, columns = msgspec.msgpack.decode(parts[at], type=tuple[list[msgspec.Raw], tuple])
    bad = next(i for i, t in enumerate(expected.trials) if t.id.startswith("synthetic-"))
    encoded[bad] = msgspec.Raw(msgspec.msgpack.encode({"id": 42}))
    parts[at] = msgspec.Raw(msgspec.msgpack.encode((tuple(encoded), columns)))
    payload = msgspec.msgpack.encode(tuple(parts))
    entry.write_bytes(cache._MAGIC + cache.blake2b(payload, digest_size=32).digest() + payload)

    damaged = cache.load(data, key_of(data))
    assert damaged is not None  # the entry itself decodes: its records wait until asked for
    assert damaged.trials[bad - 1] == expected.trials[bad - 1]
    with pytest.raises(CacheDamaged, match="removed"):
        damaged.trials[bad]
    assert entries(cache_dir) == []

    entry.parent.mkdir(exist_ok=True)
    entry.write_bytes(cache._MAGIC + cache.blake2b(payload, digest_size=32).digest() + payload)
    result = CliRunner().invoke(app, ["trials", "--data-dir", str(data), "--format", "csv"])
    assert result.exit_code == 1
    assert "does not decode" in result.stderr and "Traceback" not in result.stderr + result.stdout
    again = CliRunner().invoke(app, ["trials", "--data-dir", str(data), "--format", "csv"])
    assert again.exit_code == 0, again.stderr
    assert expected.trials[bad].id in again.stdout


def test_decoding_every_trial_leaves_the_collector_as_it_was(cache_dir: Path, data: Path) -> None:
    import gc

    load_dataset(data)
    assert gc.isenabled()
    assert len(list(load_dataset(data).trials)) > 300
    assert gc.isenabled()
    gc.disable()
    try:
        assert len(list(load_dataset(data).trials)) > 300
        assert not gc.isenabled()
    finally:
        gc.enable()
