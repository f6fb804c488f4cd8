"""``record`` behaves like ``dataclass(frozen=True, slots=True)``; only its cost differs."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import field

import pytest

from mscref.data.record import record


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


def test_a_stale_reference_to_the_first_init_still_works() -> None:
    @record
    class P:
        x: int

    first = P.__init__
    assert P(x=1).x == 1  # compiles and installs the real __init__
    obj = object.__new__(P)
    first(obj, x=2)  # what a thread that fetched __init__ before that would call
    assert obj.x == 2


def test_threads_racing_to_the_first_init_all_succeed() -> None:
    import threading

    @record
    class Q:
        x: int

    barrier, errors, made = threading.Barrier(8), [], []

    def build(i: int) -> None:
        barrier.wait()
        try:
            made.append(Q(x=i))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=build, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sorted(q.x for q in made) == list(range(8))


def test_a_subclass_with_its_own_init_works_the_first_time() -> None:
    @record
    class A:
        x: int

    class C(A):
        def __init__(self, x: int, tag: str) -> None:
            super().__init__(x)
            object.__setattr__(self, "tag", tag)

    assert C(1, "t").x == 1


def test_definition_errors_come_when_the_class_is_defined() -> None:
    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):

        @record
        class Bad:
            a: int = 0
            b: int

    with pytest.raises(TypeError, match="must not define"):

        @record
        class OwnSetattr:
            x: int

            def __setattr__(self, name: str, value: object) -> None:
                pass


def test_own_repr_is_kept_and_factory_defaults_show_as_dataclass_shows_them() -> None:
    import inspect

    @record
    class R:
        x: int
        items: list[int] = field(default_factory=list)

        def __repr__(self) -> str:
            return "custom"

    assert repr(R(x=1)) == "custom"
    assert str(inspect.signature(R)) == "(x, items=<factory>)"


def test_slot_setters_fill_a_record_as_its_init_does() -> None:
    from mscref.data.record import slot_setters

    for cls in (Kw, KwDataclass):
        obj = object.__new__(cls)
        for put, value in zip(slot_setters(cls), ("x", 3, ("t",), [1]), strict=True):
            put(obj, value)
        assert obj == cls(name="x", count=3, tags=("t",), extra=[1])
        with pytest.raises(dataclasses.FrozenInstanceError):
            obj.count = 4  # type: ignore[misc]


def test_slot_setters_refuse_what_filling_field_by_field_would_get_wrong() -> None:
    from mscref.data.record import slot_setters

    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        a: int

    @dataclasses.dataclass(frozen=True, slots=True)
    class PostInit:
        a: int

        def __post_init__(self) -> None:
            pass

    with pytest.raises(TypeError, match="not a slot"):
        slot_setters(NoSlots)
    with pytest.raises(TypeError, match="__post_init__"):
        slot_setters(PostInit)
