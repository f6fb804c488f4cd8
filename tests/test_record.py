"""``record`` behaves like ``dataclass(frozen=True, slots=True)``; only its cost differs."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import field

import pytest

from mscref.record import record


@record(kw_only=True)
class Kw:
    """A keyword-only record with each kind of default."""

    name: str
    count: int = 0
    tags: tuple[str, ...] = ()
    extra: list[int] = field(default_factory=list)


@record
class Pos:
    a: int
    b: str = "b"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class KwDataclass:
    name: str
    count: int = 0
    tags: tuple[str, ...] = ()
    extra: list[int] = field(default_factory=list)


def test_construction_defaults_and_keyword_only() -> None:
    k = Kw(name="x")
    assert (k.name, k.count, k.tags, k.extra) == ("x", 0, (), [])
    assert Kw(name="y").extra is not k.extra  # a fresh default per instance
    with pytest.raises(TypeError):
        Kw("x")  # type: ignore[misc]
    with pytest.raises(TypeError):
        Kw()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Kw(name="x", nope=1)  # type: ignore[call-arg]
    assert Pos(1).b == "b" and Pos(2, "c").b == "c"


def test_same_behaviour_as_a_frozen_slotted_dataclass() -> None:
    ours, theirs = Kw(name="x", count=2), KwDataclass(name="x", count=2)
    assert repr(ours).removeprefix("Kw") == repr(theirs).removeprefix("KwDataclass")
    assert [f.name for f in dataclasses.fields(ours)] == [f.name for f in dataclasses.fields(theirs)]
    assert dataclasses.asdict(ours) == dataclasses.asdict(theirs)
    assert not hasattr(ours, "__dict__")


def test_equality_and_hash_by_value() -> None:
    assert Pos(1, "x") == Pos(1, "x")
    assert Pos(1, "x") != Pos(1, "y")
    assert hash(Pos(1, "x")) == hash(Pos(1, "x"))
    assert len({Pos(1), Pos(1), Pos(2)}) == 2
    assert Pos(1) != (1, "b")  # another type is never equal
    with pytest.raises(TypeError):
        hash(Kw(name="x"))  # a list field is unhashable, as with dataclass


def test_frozen() -> None:
    p = Pos(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.a = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del p.a  # type: ignore[misc]
    with pytest.raises(AttributeError):
        p.other = 1  # type: ignore[attr-defined]
    assert p.a == 1


def test_replace_pickle_and_copy() -> None:
    k = Kw(name="x", count=3, tags=("a",), extra=[1])
    assert dataclasses.replace(k, count=4) == Kw(name="x", count=4, tags=("a",), extra=[1])
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(k, protocol=protocol))
        assert back == k and type(back) is Kw
    deep = copy.deepcopy(k)
    assert deep == k and deep.extra is not k.extra


def test_init_is_compiled_once_on_first_use() -> None:
    @record
    class Fresh:
        x: int

    lazy = Fresh.__init__
    Fresh(x=1)
    compiled = Fresh.__init__
    assert compiled is not lazy
    Fresh(x=2)
    assert Fresh.__init__ is compiled
    assert Fresh(x=3).x == 3


def test_refuses_what_it_cannot_honour() -> None:
    with pytest.raises(TypeError, match="must not define"):

        @record
        class OwnEq:
            x: int

            def __eq__(self, other: object) -> bool:
                return True

    with pytest.raises(TypeError, match="equality"):

        @record
        class NoCompare:
            x: int = field(default=0, compare=False)


@record
class Empty:
    pass


@record
class One:
    x: int


def test_records_of_zero_and_one_field() -> None:
    assert Empty() == Empty() and hash(Empty()) == hash(Empty()) and repr(Empty()) == "Empty()"
    assert One(x=1) == One(x=1) != One(x=2)
    assert pickle.loads(pickle.dumps(One(x=5))) == One(x=5)
    assert pickle.loads(pickle.dumps(Empty())) == Empty()
